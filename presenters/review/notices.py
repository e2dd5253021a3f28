"""What applicants are told, by e-mail when their contact is an address: their application
was received, returned (with the note and their private link), rejected or approved, or
their link again on request. Written into the outbox in the same transaction as the move
(``presenters.review.queries`` calls these while it holds it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from core.signing import capability_token
from notices import queries as nq
from notices import rules as notice_rules
from web.mail import render_mail

# The stage an application moves to, and the notice the applicant gets (screening passed is
# no news to them: the next they hear is the approval).
NEWS = {"submitted": "submitted", "returned": "returned", "rejected": "rejected", "approved": "approved"}


def about(application_id: int) -> str:
    return f"application:{application_id}"


@dataclass(frozen=True)
class ApplicantMail:
    """Everything a notice to an applicant needs that the request knows: the pages'
    templates, the secret links are signed with, the public base of links, the language of
    the page (for a new application) and the default (for one that never had a notice)."""

    env: Environment
    secret: bytes
    base_url: str
    locale: str
    default_locale: str

    def link(self, application: dict[str, Any]) -> str:
        token = capability_token(self.secret, "application", application["id"], application["nonce"])
        return f"{self.base_url.rstrip('/')}/a/{token}"

    async def draft(
        self,
        kind: str,
        application: dict[str, Any],
        call_title: str = "",
        note: str = "",
        dedupe_key: str | None = None,
    ) -> nq.Draft | None:
        """The notice of ``kind`` for this application, or None when its contact is no address."""
        address = str(application.get("contact") or "").strip()
        if not notice_rules.is_email(address):
            return None
        ref = about(application["id"])
        locale = self.locale if kind == "submitted" else (await nq.first_locale(ref) or self.default_locale)
        subject, text, html = render_mail(
            self.env,
            "notices/application.html",
            locale,
            kind=kind,
            application=application,
            call_title=call_title,
            note=note,
            link=self.link(application),
        )
        return nq.Draft(
            kind=f"application.{kind}",
            channel="email",
            recipient=address,
            subject=subject,
            text=text,
            html=html,
            locale=locale,
            about=ref,
            dedupe_key=dedupe_key,
        )

    async def on_move(self, application: dict[str, Any], stage: str, note: str = "", call_title: str = "") -> None:
        """Inside the move's transaction: the applicant's notice of the stage it moved to, if any."""
        kind = NEWS.get(stage)
        if kind is None:
            return
        found = await self.draft(kind, application, call_title, note)
        if found is not None:
            await nq.enqueue(found)

    async def send_links(self, applications: list[dict[str, Any]], call_title: str, window: str) -> None:
        """Each application's private link to its address, once per ``window`` (an hour's
        name, say): asking again within it sends nothing more."""
        drafts = [
            await self.draft("link", row, call_title, dedupe_key=f"application.link:{row['id']}:{window}")
            for row in applications
        ]
        await nq.enqueue(*(d for d in drafts if d is not None))
