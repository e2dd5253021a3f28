"""Applicants hear what happened to their application, by e-mail, when they left an address:
submitted, returned (with the note and their private link), rejected, approved; in the
language they applied in. The call page sends a lost link again, answering the same way
whether or not the address is known. Read at a real SMTP server on loopback."""

from __future__ import annotations

import re

from tests.conftest import text_of
from tests.notices.stand_ins import SmtpServer, html_of
from tests.notices.stand_ins import text_of as mail_text
from tests.presenters.review.test_review import apply, log_in_as, open_call, the_application

ADDRESS = "tanling@example.org"


async def back_as(client, username: str) -> None:
    """Log in again as a user made earlier in the test."""
    await client.form("/logout")
    response = await client.form("/login", {"username": username, "password": "correct-horse-1"})
    assert response.status_code == 200, response.text


async def send_all(client, smtp: SmtpServer) -> None:
    from notices.sender import Sender

    async def drain() -> None:
        s = Sender(smtp.url, "", "http://testserver.local")
        while await s.send_due():
            pass

    await client.run(drain)


async def notices_of(client) -> list[dict]:
    from notices.tables import Notice

    return await client.run(lambda: Notice.select().order_by(Notice.id))


async def test_submitted_returned_and_approved_reach_the_applicant_with_note_and_link(client, demo):
    smtp = SmtpServer().start()
    try:
        call, area = await open_call(client)
        link = await apply(client, call, area, contact=ADDRESS)
        await send_all(client, smtp)
        (submitted,) = smtp.box.to(ADDRESS)
        assert "已收到" in submitted["Subject"] and "“37℃学习法”" in submitted["Subject"]
        assert f"http://testserver.local{link}" in mail_text(submitted)
        assert f'href="http://testserver.local{link}"' in html_of(submitted)

        await log_in_as(client, "screener1", "screener")
        application = await the_application(client)
        await client.form(
            f"/review/{application['id']}", {"action": "return_at_screening", "version": "1", "note": "请补充活动照片"}
        )
        await send_all(client, smtp)
        returned = smtp.box.to(ADDRESS)[1]
        assert "退回" in returned["Subject"]
        assert "请补充活动照片" in mail_text(returned) and f"http://testserver.local{link}" in mail_text(returned)

        await client.form("/logout")
        page = await client.get(link)
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
        form = {k: str(application[k]) for k in ("branch_name", "unit", "secretary", "contact", "title", "summary")}
        resent = await client.post(
            action, data={**form, "area": str(area), "version": "2", "resubmit": "yes"}, files={"file": ("", b"")}
        )
        assert resent.status_code == 200 and "/a/" in str(resent.url), text_of(resent.text)[-1500:]
        await back_as(client, "screener1")
        screened = await client.form(f"/review/{application['id']}", {"action": "screen", "version": "3"})
        assert screened.status_code == 200, text_of(screened.text)[:500]
        await log_in_as(client, "approver1", "approver")
        approved = await client.form(f"/review/{application['id']}", {"action": "approve", "version": "4"})
        assert approved.status_code == 200, text_of(approved.text)[:500]
        await send_all(client, smtp)
        subjects = [m["Subject"] for m in smtp.box.to(ADDRESS)]
        assert len(subjects) == 3 and "审定" in subjects[2]  # screening itself is not news to the applicant
        assert "“37℃学习法”" in mail_text(smtp.box.to(ADDRESS)[2])
    finally:
        smtp.stop()


async def test_a_rejection_carries_the_note_in_the_language_applied_in(client, demo):
    smtp = SmtpServer().start()
    try:
        call, area = await open_call(client)
        client.cookies.set("lang", "en")
        await apply(client, call, area, contact=ADDRESS)
        client.cookies.set("lang", "zh_Hans_CN")  # the reviewer reads Chinese; the applicant still gets English
        await log_in_as(client, "screener1", "screener")
        application = await the_application(client)
        await client.form(
            f"/review/{application['id']}", {"action": "reject_at_screening", "version": "1", "note": "与本次主题不符"}
        )
        await send_all(client, smtp)
        submitted, rejected = smtp.box.to(ADDRESS)
        assert submitted["Subject"].startswith("Received") and "not accepted" in rejected["Subject"]
        assert "与本次主题不符" in mail_text(rejected) and "Dear" in mail_text(rejected)
        assert {n["locale"] for n in await notices_of(client)} == {"en"}
    finally:
        smtp.stop()


async def test_a_phone_number_as_contact_gets_no_mail_and_nothing_waits(client, demo):
    call, area = await open_call(client)
    await apply(client, call, area)  # contact: 13800001111
    assert await notices_of(client) == []


async def test_a_refused_move_writes_no_notice(client, demo):
    call, area = await open_call(client)
    await apply(client, call, area, contact=ADDRESS)
    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    stale = await client.form(
        f"/review/{application['id']}", {"action": "return_at_screening", "version": "9", "note": "x"}
    )
    assert stale.status_code == 409
    assert [n["kind"] for n in await notices_of(client)] == ["application.submitted"]


async def test_send_me_my_link_again_answers_alike_and_mails_only_a_known_address(client, demo):
    smtp = SmtpServer().start()
    try:
        call, area = await open_call(client)
        link = await apply(client, call, area, contact=ADDRESS)
        await send_all(client, smtp)
        page = await client.get(f"/calls/{call}")
        assert f'action="/calls/{call}/link"' in page.text
        known = await client.form(f"/calls/{call}/link", {"email": "TanLing@Example.org"})
        unknown = await client.form(f"/calls/{call}/link", {"email": "nobody@example.org"})
        assert known.status_code == unknown.status_code == 200
        assert text_of(known.text) == text_of(unknown.text) and "如果" in text_of(known.text)
        again = await client.form(f"/calls/{call}/link", {"email": ADDRESS})  # within the hour: no second mail
        assert text_of(again.text) == text_of(known.text)
        await send_all(client, smtp)
        mails = smtp.box.to(ADDRESS)
        assert len(mails) == 2 and f"http://testserver.local{link}" in mail_text(mails[1])
        assert smtp.box.to("nobody@example.org") == []
        bad = await client.form(f"/calls/{call}/link", {"email": "not an address"})
        assert bad.status_code == 400 and "邮箱" in text_of(bad.text)
    finally:
        smtp.stop()
