"""The outbox in the database. ``enqueue`` writes a notice inside the caller's transaction
(the change and its notice are kept together or not at all); the sender ``claim``s due
notices under a lease, then marks each sent or failed, recording every attempt.

Semantics: at least once, with a lease. A claimed notice is ``sending`` until its lease
runs out; a sender that dies while sending (SIGKILL, a crash, a lost machine) leaves it
there, and after the lease another sender claims it again. A message that had already
reached the server before the death goes out a second time, with the same Message-ID."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Count
from piccolo.query.methods.insert import OnConflictAction

from core.clock import now
from core.db.engine import current_engine
from core.db.transactions import write_transaction
from notices import rules
from notices.tables import Notice, NoticeAttempt, WecomRobot

SENDER_STOPPED = "the sender stopped while sending (lease ran out)"
HELD_FOR_SMTP = "no SMTP server configured (SHOWCASE_SMTP_URL): kept until one is"


@dataclass(frozen=True)
class Draft:
    """A notice to write: what the caller composed, rendered already."""

    kind: str
    channel: str  # email | wecom
    recipient: str  # an address, or a robot's id
    subject: str = ""
    text: str = ""
    html: str = ""
    locale: str = "zh_Hans_CN"
    about: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)
    dedupe_key: str | None = None


async def enqueue(*drafts: Draft) -> int:
    """Write the notices in the caller's transaction (or a transaction of their own); a
    notice whose dedupe key is already written is left out. How many were written."""
    written = 0
    async with write_transaction():
        for d in drafts:
            rows = (
                await Notice.insert(
                    Notice(
                        kind=d.kind,
                        channel=d.channel,
                        recipient=d.recipient,
                        locale=d.locale,
                        about=d.about,
                        subject=d.subject[:300],
                        text=d.text,
                        html=d.html,
                        attachments=list(d.attachments),
                        dedupe_key=d.dedupe_key,
                        state="pending",
                        attempts=0,
                        next_attempt_at=now(),
                        created_at=now(),
                    )
                )
                .on_conflict(target=Notice.dedupe_key, action=OnConflictAction.do_nothing)
                .returning(Notice.id)
            )
            written += len(rows)
    return written


def _due(at: dt.datetime, channels: tuple[str, ...]) -> Any:
    waiting = (Notice.state == "pending") & (Notice.next_attempt_at <= at)
    abandoned = (Notice.state == "sending") & (Notice.lease_until < at)  # its sender died while sending
    return (waiting | abandoned) & Notice.channel.is_in(list(channels) or [""])


async def claim(
    batch: int,
    lease: float,
    channels: tuple[str, ...] = ("email", "wecom"),
    max_attempts: int = rules.MAX_ATTEMPTS,
) -> list[dict[str, Any]]:
    """Take up to ``batch`` due notices for this sender: each becomes ``sending`` until
    ``lease`` seconds from now, its attempts counted. Several processes never take the same
    notice: PostgreSQL skips rows another claim has locked (FOR UPDATE SKIP LOCKED); on
    SQLite the claim is one IMMEDIATE transaction, and there is one writer at a time.
    A notice whose senders died ``max_attempts`` times (one that kills them?) is failed,
    not taken again."""
    at = now()
    async with write_transaction():
        query = (
            Notice.select(Notice.id, Notice.state, Notice.attempts)
            .where(_due(at, channels))
            .order_by(Notice.next_attempt_at)
            .order_by(Notice.id)
            .limit(batch)
        )
        if current_engine().engine_type == "postgres":
            query = query.lock_rows("UPDATE", skip_locked=True, of=(Notice,))
        found = await query
        if not found:
            return []
        taken = []
        for row in found:
            if row["state"] == "sending":  # the attempt whose sender vanished, on the record
                await NoticeAttempt.insert(NoticeAttempt(notice=row["id"], at=at, ok=False, error=SENDER_STOPPED))
                if row["attempts"] >= max_attempts:
                    await Notice.update(
                        {Notice.state: "failed", Notice.lease_until: None, Notice.last_error: SENDER_STOPPED}
                    ).where(Notice.id == row["id"])
                    continue
            taken.append(row["id"])
            await Notice.update(
                {
                    Notice.state: "sending",
                    Notice.lease_until: at + dt.timedelta(seconds=lease),
                    Notice.attempts: row["attempts"] + 1,
                }
            ).where(Notice.id == row["id"])
        if not taken:
            return []
        claimed: list[dict[str, Any]] = await Notice.select().where(Notice.id.is_in(taken)).order_by(Notice.id)
    return claimed


async def mark_sent(notice_id: int) -> None:
    at = now()
    async with write_transaction():
        await Notice.update(
            {Notice.state: "sent", Notice.sent_at: at, Notice.lease_until: None, Notice.last_error: ""}
        ).where(Notice.id == notice_id)
        await NoticeAttempt.insert(NoticeAttempt(notice=notice_id, at=at, ok=True))


async def mark_failed(
    notice_id: int, error: str, max_attempts: int = rules.MAX_ATTEMPTS, first_delay: float = rules.FIRST_DELAY
) -> str:
    """A failed attempt: pending again after a growing delay, or failed after the last
    attempt. The new state (unchanged if another sender has taken the notice meanwhile)."""
    at = now()
    async with write_transaction():
        row = await Notice.select(Notice.state, Notice.attempts).where(Notice.id == notice_id).first()
        await NoticeAttempt.insert(NoticeAttempt(notice=notice_id, at=at, ok=False, error=error[:2000]))
        if row is None or row["state"] != "sending":
            return row["state"] if row else "missing"
        state, later = rules.after_failure(row["attempts"], at, max_attempts, first_delay)
        await Notice.update(
            {
                Notice.state: state,
                Notice.next_attempt_at: later,
                Notice.lease_until: None,
                Notice.last_error: error[:2000],
            }
        ).where(Notice.id == notice_id)
    return state


async def hold(notice_ids: list[int], why: str = HELD_FOR_SMTP) -> None:
    """Kept in the outbox, not tried: a claimed e-mail with no server to send it to (the
    claim's count of attempts is given back: nothing was tried)."""
    if not notice_ids:
        return
    async with write_transaction():
        for notice_id in notice_ids:
            row = await Notice.select(Notice.attempts).where(Notice.id == notice_id).first()
            if row is not None:
                await Notice.update(
                    {
                        Notice.state: "held",
                        Notice.lease_until: None,
                        Notice.last_error: why,
                        Notice.attempts: max(0, row["attempts"] - 1),
                    }
                ).where((Notice.id == notice_id) & (Notice.state == "sending"))


async def release_held(channel: str = "email") -> int:
    """The held notices of a channel become pending again: a server is configured now."""
    rows = (
        await Notice.update({Notice.state: "pending", Notice.next_attempt_at: now(), Notice.last_error: ""})
        .where((Notice.state == "held") & (Notice.channel == channel))
        .returning(Notice.id)
    )
    return len(rows)


async def resend(notice_id: int) -> bool:
    """An organiser's resend: a failed, held or sent notice is pending again, with a fresh
    count of attempts (its past attempts stay on the record). False if there is none such."""
    rows = (
        await Notice.update(
            {Notice.state: "pending", Notice.attempts: 0, Notice.next_attempt_at: now(), Notice.lease_until: None}
        )
        .where((Notice.id == notice_id) & Notice.state.is_in(["failed", "held", "sent"]))
        .returning(Notice.id)
    )
    return bool(rows)


async def get_notice(notice_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await Notice.select().where(Notice.id == notice_id).first()
    return row


async def attempts_of(notice_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await NoticeAttempt.select().where(NoticeAttempt.notice == notice_id).order_by(NoticeAttempt.id)
    )
    return rows


async def outbox(state: str = "", page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of notices, newest first (``state``: of that state only), and how many in all."""
    columns = (
        Notice.id,
        Notice.kind,
        Notice.channel,
        Notice.recipient,
        Notice.subject,
        Notice.state,
        Notice.attempts,
        Notice.last_error,
        Notice.created_at,
        Notice.sent_at,
        Notice.next_attempt_at,
    )
    query = Notice.select(*columns).order_by(Notice.id, ascending=False).limit(per_page).offset((page - 1) * per_page)
    count = Notice.count()
    if state:
        query, count = query.where(Notice.state == state), count.where(Notice.state == state)
    return await query, await count


async def state_counts() -> dict[str, int]:
    rows = await Notice.select(Notice.state, Count(alias="n")).group_by(Notice.state)
    return {r["state"]: r["n"] for r in rows}


async def first_locale(about: str) -> str | None:
    """The language the first notice about ``about`` was written in (an applicant's: the
    language of the form they sent)."""
    row = await Notice.select(Notice.locale).where(Notice.about == about).order_by(Notice.id).first()
    return row["locale"] if row else None


# -- WeCom robots --------------------------------------------------------------------------


async def add_robot(name: str, url: str, unit: int | None) -> int:
    rows = await WecomRobot.insert(WecomRobot(name=name, url=url.strip(), unit=unit, created_at=now())).returning(
        WecomRobot.id
    )
    return rows[0]["id"]


async def robots() -> list[dict[str, Any]]:
    """Every robot, its URL masked: the key is never shown back."""
    rows = await WecomRobot.select().order_by(WecomRobot.name).order_by(WecomRobot.id)
    return [{**{k: v for k, v in r.items() if k != "url"}, "masked": rules.masked_url(r["url"])} for r in rows]


async def robot_url(robot_id: int) -> str | None:
    row = await WecomRobot.select(WecomRobot.url).where(WecomRobot.id == robot_id).first()
    return row["url"] if row else None


async def delete_robot(robot_id: int) -> bool:
    return bool(await WecomRobot.delete().where(WecomRobot.id == robot_id).returning(WecomRobot.id))
