"""The organiser's archive of a day: one .zip from the Print tab with the agenda, the
registrations in full, check-ins, feedback, votes, the slides and the printed PDFs, and a
README that says what is inside; on the configured engine."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.conftest import text_of
from tests.events.slides.test_slides import a_pdf, demo_slots, upload


async def a_day_with_everything(organiser) -> dict:
    from events.checkin import queries as cq
    from events.feedback import queries as fq

    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    sent = await upload(
        organiser,
        f"/organiser/events/{event}/slides/{item}/upload?csrf={await organiser.csrf()}",
        a_pdf("第一页"),
        "37℃学习法.pdf",
    )
    assert sent.status_code == 200

    async def people() -> None:
        await cq.add_attendees(
            event,
            [
                {"name": "彭强", "unit": "雨花区税务局", "phone": "13800001111", "email": "pq@example.cn"},
                {"name": "=HYPERLINK(1)", "unit": "第一稽查局", "phone": "13900002222"},
            ],
        )
        await cq.check_in_ticket(event, None, "manual", None, (await cq.list_attendees(event))[0]["id"])
        await fq.save(event, item, "device-one-000000000000", 5, "讲得好", anonymous=True)
        await fq.save_vote(event, "device-one-000000000000", None, item, 4, "很有收获")

    await organiser.run(people)
    return {"event": event, "item": item}


def table(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


async def test_day_archive_holds_everything_of_the_day(organiser, demo):
    day = await a_day_with_everything(organiser)
    page = await organiser.get(f"/organiser/events/{day['event']}/handouts/")
    assert f"/organiser/events/{day['event']}/archive.zip" in page.text
    assert "未打码" in text_of(page.text)  # it says the phone numbers are in full
    response = await organiser.get(f"/organiser/events/{day['event']}/archive.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "agenda.csv",
        "agenda.ics",
        "schedule.json",
        "attendees.csv",
        "checkins.csv",
        "checkin_attempts.csv",
        "feedback.csv",
        "votes.csv",
        "handouts/booklet.pdf",
        "handouts/poster.pdf",
        "handouts/tickets.pdf",
        "handouts/feedback-report.pdf",
    } <= names
    assert archive.testzip() is None
    readme = archive.read("README.txt").decode("utf-8")
    assert "attendees.csv" in readme and "未打码" in readme and "（1 个文件）" in readme
    attendees = table(archive, "attendees.csv")
    assert ["彭强", "雨花区税务局", "13800001111"] == attendees[1][:3]  # the organiser's own copy: in full
    assert attendees[2][0] == "'=HYPERLINK(1)"  # not a formula when opened in Excel or WPS
    assert attendees[1][4] == "已报名"  # words a reader understands, not the stored code "registered"
    checkins = table(archive, "checkins.csv")
    assert [r[0] for r in checkins[1:]] == ["彭强"] and checkins[1][3] in (
        "自助签到",
        "工作人员扫票",
        "签到台按姓名查找",
    )
    assert {r[1] for r in table(archive, "checkin_attempts.csv")[1:]} <= {
        "已签到",
        "重复签到",
        "手机号后4位不符",
        "转签到台核对",
        "请其填写手机号后4位",
    }
    assert any("讲得好" in row for row in table(archive, "feedback.csv"))
    assert any("很有收获" in row for row in table(archive, "votes.csv"))
    slides = [n for n in names if n.startswith("slides/")]
    assert len(slides) == 1 and slides[0].endswith("37℃学习法.pdf")
    assert archive.read(slides[0]) == a_pdf("第一页")
    assert all(archive.read(n).startswith(b"%PDF") for n in names if n.startswith("handouts/"))
    agenda = table(archive, "agenda.csv")
    assert len(agenda) > 2 and any("37℃学习法" in cell for row in agenda for cell in row)


async def test_day_archive_needs_an_organiser(client, demo):
    response = await client.get("/organiser/events/1/archive.zip", follow_redirects=False)
    assert response.status_code in (302, 303, 401) and "/login" in response.headers.get("location", "/login")


async def test_day_archive_of_no_such_event_is_404(organiser):
    assert (await organiser.get("/organiser/events/999999/archive.zip")).status_code == 404
