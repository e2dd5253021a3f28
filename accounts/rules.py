"""Who a logged-in person is, and what their roles open: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass

# Every role an account may hold; each opens its own pages and nothing else.
ROLES = ("organiser", "staff", "screener", "approver", "admin")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        """Only the roles granted: managing users (admin) opens no review and no organiser page."""
        return bool(self.roles.intersection(roles))

    @property
    def home(self) -> str:
        """Where this person works: the first page after login and the brand link."""
        if self.has("organiser"):
            return "/organiser/"
        if self.has("screener", "approver"):
            return "/review/"
        if self.has("staff"):
            return "/staff/"
        return "/admin/users/" if self.has("admin") else "/"
