"""Who a logged-in person is, and what their roles open: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass

# Every role an account may hold; each opens its own pages and nothing else.
ROLES = ("organiser", "staff", "screener", "approver", "admin")


# Roles that review or oversee applications: they are granted at a unit and see its subtree.
SCOPED_ROLES = ("organiser", "screener", "approver")

Grant = tuple[str, int | None]  # (role, unit id); unit None: the whole organisation


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[str]
    grants: frozenset[Grant] = frozenset()

    def units_for(self, *roles: str) -> frozenset[int] | None:
        """The units at which this person holds any of these roles; None when one of them is
        held for the whole organisation. Empty: held nowhere."""
        units: set[int] = set()
        for role, unit in self.grants:
            if role in roles:
                if unit is None:
                    return None
                units.add(unit)
        return frozenset(units)

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
