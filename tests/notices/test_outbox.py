"""The outbox and its sender against real servers: an SMTP server on loopback (aiosmtpd) and
an HTTP server standing in for a WeCom robot's webhook. Nothing is lost, nothing is sent twice
by two senders, every attempt is on the record."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from tests.notices.stand_ins import SmtpServer, Webhook, text_of


def draft(n: int = 1, **changes):
    from notices.queries import Draft

    values = {
        "kind": "test",
        "channel": "email",
        "recipient": f"person{n}@example.org",
        "subject": f"Hello {n}",
        "text": f"Your link: http://testserver.local/a/token-{n}",
        "html": f"<p>Your link: <a href='http://testserver.local/a/token-{n}'>open</a></p>",
    }
    return Draft(**{**values, **changes})


def sender(smtp_url: str = "", **kwargs):
    from notices.sender import Sender

    return Sender(smtp_url, "Showcase <noreply@testserver.local>", "http://testserver.local", **kwargs)


async def states() -> dict[int, str]:
    from notices.tables import Notice

    return {r["id"]: r["state"] for r in await Notice.select(Notice.id, Notice.state)}


async def test_a_notice_is_written_with_the_change_or_not_at_all(db) -> None:
    from core.db.transactions import write_transaction
    from notices.queries import enqueue

    with pytest.raises(RuntimeError):
        async with write_transaction():
            await enqueue(draft(1))
            raise RuntimeError("the change failed")
    assert await states() == {}
    async with write_transaction():
        await enqueue(draft(2))
    assert list((await states()).values()) == ["pending"]


async def test_a_dedupe_key_is_written_once(db) -> None:
    from notices.queries import enqueue

    assert await enqueue(draft(1, dedupe_key="reminder:7:2026-07-01")) == 1
    assert await enqueue(draft(1, dedupe_key="reminder:7:2026-07-01")) == 0
    assert await enqueue(draft(1), draft(2)) == 2  # no key: no limit
    assert len(await states()) == 3


async def test_mail_arrives_at_the_smtp_server_once_with_its_text_and_a_stable_message_id(db) -> None:
    from notices.queries import attempts_of, enqueue

    smtp = SmtpServer().start()
    try:
        await enqueue(draft(1), draft(2))
        assert await sender(smtp.url).send_due() == 2
        assert await sender(smtp.url).send_due() == 0
        (first,) = smtp.box.to("person1@example.org")
        assert first["Subject"] == "Hello 1" and first["From"] == "Showcase <noreply@testserver.local>"
        assert "http://testserver.local/a/token-1" in text_of(first)
        assert first["Message-ID"].startswith("<notice-") and first["Message-ID"].endswith("@testserver.local>")
        assert len(smtp.box.messages) == 2
        assert set((await states()).values()) == {"sent"}
        notice_id = min(await states())
        assert [a["ok"] for a in await attempts_of(notice_id)] == [True]
    finally:
        smtp.stop()


async def test_without_a_mail_server_mail_is_held_then_sent_once_one_is_configured(db) -> None:
    from notices.queries import enqueue

    await enqueue(draft(1))
    await sender("").send_due()
    assert list((await states()).values()) == ["held"]
    await sender("").send_due()  # held stays held, and is not tried
    assert list((await states()).values()) == ["held"]
    smtp = SmtpServer().start()
    try:
        await sender(smtp.url).send_due()
        assert list((await states()).values()) == ["sent"]
        assert len(smtp.box.messages) == 1
    finally:
        smtp.stop()


async def test_smtp_down_then_up_everything_arrives_once(db) -> None:
    from notices.queries import attempts_of, enqueue
    from notices.tables import Notice

    smtp = SmtpServer()  # its port, nobody listening yet
    await enqueue(*(draft(n) for n in range(1, 6)))
    down = sender(smtp.url, first_delay=0.0)
    assert await down.send_due() == 5
    rows = await Notice.select().order_by(Notice.id)
    assert {r["state"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {1}
    assert all("refused" in r["last_error"].lower() or "connect" in r["last_error"].lower() for r in rows), rows[0]
    await down.send_due()  # still down: a second failed attempt each
    smtp.start()
    try:
        await down.send_due()
        assert await down.send_due() == 0
        assert sorted(r for rcpt in smtp.box.messages for r in rcpt[0]) == [
            f"person{n}@example.org" for n in range(1, 6)
        ]
        assert set((await states()).values()) == {"sent"}
        assert [a["ok"] for a in await attempts_of(rows[0]["id"])] == [False, False, True]
    finally:
        smtp.stop()


async def test_failures_back_off_and_give_up_after_the_last_attempt(db) -> None:
    from notices.queries import enqueue
    from notices.tables import Notice

    await enqueue(draft(1))
    down = sender(SmtpServer().url, max_attempts=2, first_delay=60.0)
    await down.send_due()
    row = await Notice.select().first()
    assert row["state"] == "pending" and row["next_attempt_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=50)
    assert await down.send_due() == 0  # not due yet
    await Notice.update({Notice.next_attempt_at: dt.datetime.now(dt.UTC)}).where(Notice.id == row["id"])
    await down.send_due()
    assert list((await states()).values()) == ["failed"]


async def test_a_claim_whose_sender_vanished_is_taken_again_after_its_lease(db) -> None:
    from notices.queries import attempts_of, claim, enqueue

    await enqueue(draft(1))
    (taken,) = await claim(10, lease=0.2)
    assert await claim(10, lease=0.2) == []  # leased: nobody else's
    await asyncio.sleep(0.3)
    (again,) = await claim(10, lease=30)
    assert again["id"] == taken["id"] and again["attempts"] == 2
    assert "stopped while sending" in (await attempts_of(taken["id"]))[0]["error"]


async def test_two_senders_at_once_send_each_notice_once(db) -> None:
    from notices.queries import enqueue

    smtp = SmtpServer().start()
    try:
        await enqueue(*(draft(n) for n in range(40)))
        a, b = sender(smtp.url, batch=5), sender(smtp.url, batch=5)

        async def drain(s) -> None:
            while await s.send_due():
                pass

        await asyncio.gather(drain(a), drain(b))
        assert sorted(r for rcpt, _m in smtp.box.messages for r in rcpt) == sorted(
            f"person{n}@example.org" for n in range(40)
        )
    finally:
        smtp.stop()


async def test_the_webhook_gets_the_message_and_a_500_or_an_errcode_is_a_failure(db) -> None:
    from notices.queries import add_robot, attempts_of, enqueue

    hook = Webhook([(500, "oops"), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})])
    try:
        robot = await add_robot("城区党建群", hook.url, None)
        card = {"msgtype": "news", "news": {"articles": [{"title": "第1期", "url": "http://testserver.local/cases/1"}]}}
        await enqueue(draft(1, channel="wecom", recipient=str(robot), subject="第1期", text=json.dumps(card), html=""))
        s = sender(first_delay=0.0)
        await s.send_due()
        await s.send_due()
        notice_id = min(await states())
        assert (await states())[notice_id] == "pending"
        await s.send_due()
        assert (await states())[notice_id] == "sent"
        assert hook.posted == [card, card, card] and hook.keys[0] == "robot-key-1234567890"
        errors = [a["error"] for a in await attempts_of(notice_id)]
        assert errors[0].startswith("RuntimeError: HTTP 500") and "93000" in errors[1] and errors[2] == ""
        assert all("robot-key" not in e for e in errors)  # the key stays secret in the outbox too
    finally:
        hook.close()


async def test_a_notice_whose_senders_keep_dying_is_failed_not_taken_forever(db) -> None:
    from notices.queries import claim, enqueue, get_notice

    await enqueue(draft(1))
    for _ in range(2):
        assert len(await claim(10, lease=0.05, max_attempts=2)) == 1
        await asyncio.sleep(0.1)  # the sender died while sending; its lease runs out
    assert await claim(10, lease=0.05, max_attempts=2) == []
    notice = await get_notice(min(await states()))
    assert notice["state"] == "failed" and "stopped while sending" in notice["last_error"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback, in a test
async def test_a_login_in_the_smtp_url_is_used(db) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from notices.queries import enqueue
    from tests.notices.stand_ins import Mailbox
    from tests.servers import free_port

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"p@ss word")

    box, port = Mailbox(), free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False, auth_required=True
    )
    controller.start()
    try:
        await enqueue(draft(1), draft(2))
        await sender(f"smtp://mailer:wrong@127.0.0.1:{port}", timeout=1.0).send_due()  # refused (it stalls)
        assert box.messages == [] and set((await states()).values()) == {"pending"}
        await sender(f"smtp://mailer:p%40ss%20word@127.0.0.1:{port}", first_delay=0.0).send_due()
        assert set((await states()).values()) == {"pending"}  # not due yet: the first failure's pause
        from notices.tables import Notice

        await Notice.update({Notice.next_attempt_at: Notice.created_at}, force=True)
        await sender(f"smtp://mailer:p%40ss%20word@127.0.0.1:{port}").send_due()
        assert len(box.messages) == 2 and (b"mailer", b"p@ss word") in logins
    finally:
        controller.stop()


async def test_small_attachments_arrive_whole(db) -> None:
    import base64

    from notices.queries import enqueue

    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    smtp = SmtpServer().start()
    try:
        attachment = {"name": "slot.ics", "mime": "text/calendar", "base64": base64.b64encode(ics).decode()}
        await enqueue(draft(1, attachments=[attachment]))
        await sender(smtp.url).send_due()
        ((_rcpt, message),) = smtp.box.messages
        (part,) = list(message.iter_attachments())
        assert part.get_filename() == "slot.ics" and part.get_content_type() == "text/calendar"
        assert part.get_payload(decode=True) == ics
    finally:
        smtp.stop()
