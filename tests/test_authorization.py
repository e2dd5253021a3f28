"""Authorization over every route of the service. For each role, every route it may use
answers, and every other one answers 401/403 (a redirect to the login page for pages), or
404 for a private link that is not its own: nothing leaks. The table below is the product's
rule, written down independently of the guards in the code, and every route the app has
must be covered by it (a new route without a rule fails this test)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.storage import object_path
from tests.conftest import make_user

ROLES = ["anonymous", "applicant", "presenter", "staff", "screener", "approver", "organiser", "admin"]
EVERYONE = set(ROLES)
LOGGED_IN = {"staff", "screener", "approver", "organiser", "admin"}

# (path pattern, methods or "*", who may use it). First match wins.
RULES: list[tuple[str, str, set[str]]] = [
    (r"^/$|^/healthz$|^/login$|^/logout$|^/lang$|^/assets/", "*", EVERYONE),
    (r"^/e/|^/t/|^/calls/|^/cases", "*", EVERYONE),
    (r"^/a/", "*", {"applicant"}),  # the applicant's private link
    (r"^/p/", "*", {"presenter"}),  # the presenter's private link
    (r"^/api/tokens$|^/api/schema", "*", LOGGED_IN),
    (r"^/api/events/\{event_id:int\}/checkins$", "*", set()),  # bearer tokens only: no cookie opens it
    (
        r"^/staff$|^/organiser/events/\{event_id:int\}/scan$|^/api/events/\{event_id:int\}/(attendance|attendees)$",
        "*",
        {"staff", "organiser"},
    ),
    # managing users is not reviewing nor organising: an admin sees neither unless also given
    # that role (issue 14)
    (r"^/review", "*", {"screener", "approver"}),
    # a deleted event is restored by an admin only (organisers delete; admins undo, 30 days)
    (r"^/api/events/deleted$|^/api/events/\{event_id:int\}/restore$", "*", {"admin"}),
    (r"^/admin/", "*", {"admin"}),
    # the tree of units: organisers and admins (who grant roles at its units) edit it
    (r"^/organiser/units", "*", {"organiser", "admin"}),
    (r"^/organiser|^/api/", "*", {"organiser"}),
]


def allowed(path: str, method: str) -> set[str]:
    for pattern, methods, roles in RULES:
        if re.search(pattern, path) and (methods == "*" or method in methods):
            return roles
    raise AssertionError(f"no rule for {method} {path}: add it to RULES")


async def world(client) -> dict:
    """The demo day plus one of everything a route can name."""
    from demo import load_demo
    from events.checkin import queries as cq
    from events.slides import queries as sq
    from events.tables import AgendaItem, Attendee, Event
    from presenters.review import queries as rq
    from presenters.tables import Area, PortalLink, Unit
    from settings import Settings

    await load_demo()
    now = dt.datetime.now(dt.UTC)
    event = await Event.select(Event.id).first()
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    await cq.add_attendees(event["id"], [{"name": "彭强", "unit": "雨花区税务局"}])
    code = (await Attendee.select(Attendee.ticket_code).first())["ticket_code"]
    area = await Area.select(Area.id).first()
    call = await rq.create_call("征集", "", [], now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    application = await rq.submit(
        call,
        {
            "branch_name": "支部",
            "unit": "单位",
            "secretary": "书记",
            "contact": "1",
            "title": "工作法",
            "area": area["id"],
            "summary": "简介",
            "highlights": "",
        },
    )
    secret = Settings().session_secret()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    await Event.update(
        {Event.checkin_opens_at: now - dt.timedelta(hours=1), Event.checkin_closes_at: now + dt.timedelta(hours=1)}
    ).where(Event.id == event["id"])
    stored = object_path(Settings().data_dir, "0" * 64)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7\n")
    version = await sq.add_version(event["id"], item["id"], "0" * 64, 9, "x.pdf", "pdf", True)
    return {
        "event_id": event["id"],
        "item_id": item["id"],
        "row_id": 1,
        "kind": "methods",
        "slug": "shuixin-2026",
        "code": code,
        "call_id": call,
        "application_id": application["id"],
        "presenter_id": item["presenter"],
        "attendee_id": 1,
        "feedback_id": 1,
        "vote_id": 1,
        "user_id": 1,
        "case_id": 1,
        "notice_id": 1,
        "robot_id": 1,
        "unit_id": (await Unit.select(Unit.id).where(Unit.parent.is_not_null()).first())["id"],
        "grant_id": 1,
        "version_id": version,
        "number": version,  # /p/{token}/slides/{number}: a version to GET (an agenda item to POST to)
        "file_path": "css/app.css",
        "path": "openapi.json",
        "applicant_token": rq.application_token(secret, application),
        "presenter_token": sq.link_token(secret, link_id, link["nonce"]),
    }


def fill(path: str, values: dict, role: str) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name == "token":
            if path.startswith("/a/"):
                return values["applicant_token"] if role == "applicant" else values["applicant_token"][:-4] + "AAAA"
            return values["presenter_token"] if role == "presenter" else values["presenter_token"][:-4] + "AAAA"
        return str(values[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            found.append((route.path, method))
    return found


def denied(status: int, location: str) -> bool:
    return status in (401, 403) or (status in (302, 303) and location.startswith("/login"))


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_answers_its_roles_and_refuses_the_others(client, role):
    values = await client.run(world, client)
    if role in LOGGED_IN:
        await client.run(make_user, f"user-{role}", role)
        response = await client.form("/login", {"username": f"user-{role}", "password": "correct-horse-1", "next": "/"})
        assert response.status_code == 200, response.text
    csrf = await client.csrf()
    leaks, refused = [], []
    for path, method in routes(client.app):
        may = role in allowed(path, method)
        if may and method != "GET":
            continue  # changes are tested where they belong; here only that they are refused to others
        url = fill(path, values, role)
        response = await client.request(
            method,
            url,
            headers={"x-csrftoken": csrf},
            follow_redirects=False,
            **({"json": {}} if method in ("POST", "PUT") and url.startswith("/api") else {}),
        )
        status, location = response.status_code, response.headers.get("location", "")
        assert status < 500, f"{role} {method} {url}: {status}"
        if may:
            if denied(status, location):
                refused.append(f"{method} {url} → {status}")
        elif not (denied(status, location) or (status == 404 and re.match(r"^/[ap]/", path))):
            leaks.append(f"{method} {url} → {status}")
    assert not leaks, f"{role} reached routes it may not use: {leaks}"
    assert not refused, f"{role} was refused routes it may use: {refused}"
