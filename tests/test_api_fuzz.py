"""Schemathesis with every check it has (``--checks all``: server errors, status codes, media
types, headers, response schemas, negative data refused, positive data accepted, missing
headers, wrong methods, use after delete, resources just made, ignored authentication, object
authorisation), against our own OpenAPI schema, on a real server, with its examples, coverage,
fuzzing and stateful phases: once as a logged-in organiser (session cookie, CSRF pair, API
token) and once as a stranger. Any failure fails the test, with schemathesis' report."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.storage import object_path
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _prepare as load_demo_and_organiser
from tests.conftest import make_user
from tests.servers import app_servers

EXAMPLES = 5  # per operation and phase; the coverage phase adds its own boundary cases
SEED = 20261202

# Rules of a request body that JSON Schema cannot state (one field against another, or an id
# that must name a stored row): each is written in the schema's description, and a
# schema-valid body that breaks one is refused with 400, which positive_data_acceptance is
# told here.
BEYOND_THE_SCHEMA = {
    "POST /api/events": "end_time after start_time; timezone a zone the server knows",
    "PUT /api/events/{event_id}": "end_time after start_time; timezone a zone the server knows",
    "POST /api/events/{event_id}/agenda/generate": "method_ids name stored methods, once each; talk + Q&A <= 480",
    "POST /api/events/{event_id}/agenda/items": "method_id and presenter_id name stored rows",
    "PUT /api/events/{event_id}/agenda/items/{item_id}": "method_id and presenter_id name stored rows",
    "PUT /api/events/{event_id}/agenda/order": "item_ids list every item of the agenda once",
    "POST /api/methods": "branch_id and area_id name stored rows",
    "PUT /api/methods/{row_id}": "branch_id and area_id name stored rows",
    "POST /api/presenters": "branch_id names a stored branch",
    "PUT /api/presenters/{row_id}": "branch_id names a stored branch",
}
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


# A form's fields are described by its page, not by the schema (a form body is any set of
# fields): a form post with fields missing or wrong answers the form again, 400.
FORM_POSTS = {"include-method": "POST", "exclude-path-regex": "^/api/"}
# Generous limits, so that handlers run rather than the rate limiter (whose 429 is documented
# and tested in tests/web).
UNLIMITED = {
    "SHOWCASE_ATTENDEE_POSTS_PER_MINUTE": "1000000",
    "SHOWCASE_LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
    "SHOWCASE_PUBLIC_FORM_POSTS_PER_MINUTE": "1000000",
}


async def world() -> dict:
    """Besides the demo day: one of everything else a route can name (an attendee and a
    ticket, a call with an application, a presenter's link with slides), and the door open,
    so that schemathesis reaches past the 404s into the handlers."""
    import datetime as dt

    from piccolo.apps.user.tables import BaseUser

    from accounts import queries as accounts
    from events import days
    from events.checkin import queries as cq
    from events.slides import queries as sq
    from events.tables import AgendaItem, Attendee, Event
    from presenters.review import queries as rq
    from presenters.tables import Area, PortalLink
    from settings import Settings

    now = dt.datetime.now(dt.UTC)
    # The organiser of the run holds every role, so that the admin's and the reviewers' routes
    # are reached too; the admin's pages act on another user.
    organiser = await BaseUser.select(BaseUser.id).where(BaseUser.username == "organiser").first()
    await accounts.set_roles(organiser["id"], {"organiser", "admin", "screener", "approver", "staff"})
    someone = await make_user("someone", "staff")
    event = await Event.select(Event.id).first()
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    await Event.update(
        {Event.checkin_opens_at: now - dt.timedelta(hours=1), Event.checkin_closes_at: now + dt.timedelta(hours=6)}
    ).where(Event.id == event["id"])
    await cq.add_attendees(event["id"], [{"name": "彭强", "unit": "雨花区税务局"}])
    attendee = await Attendee.select(Attendee.id, Attendee.ticket_code).first()
    area = await Area.select(Area.id).first()
    call = await rq.create_call("征集", "", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7))
    form = {"branch_name": "支部", "unit": "单位", "secretary": "书记", "contact": "1", "title": "工作法"}
    application = await rq.submit(call, {**form, "area": area["id"], "summary": "简介", "highlights": ""})
    secret = Settings().session_secret()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    stored = object_path(Settings().data_dir, "0" * 64)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7\n")
    version = await sq.add_version(event["id"], item["id"], "0" * 64, 9, "x.pdf", "pdf", True)
    spare = await days.create_event({"title": "Spare", "date": dt.date(2030, 5, 1), "slug": "spare-day"})
    return {
        "spare": spare,
        "someone": someone,
        "path.user_id": [someone],
        "path.attendee_id": [attendee["id"]],
        "path.code": [attendee["ticket_code"]],
        "path.call_id": [call],
        "path.application_id": [application["id"]],
        "path.token": [rq.application_token(secret, application), sq.link_token(secret, link_id, link["nonce"])],
        "path.presenter_id": [item["presenter"]],
        "path.version_id": [version],
        "path.number": [version, item["id"]],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    asyncio.run(load_demo_and_organiser())
    made = asyncio.run(world())
    spare, someone = made.pop("spare"), made.pop("someone")
    with app_servers(1, UNLIMITED) as (base,):
        client = httpx.Client(base_url=base)
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": "organiser",
                "password": PASSWORD,
                "next": "/",
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        assert response.status_code in (200, 302), response.text
        csrf = client.cookies["csrftoken"]
        token = client.post("/api/tokens", headers={"x-csrftoken": csrf}).json()["token"]
        folder = tmp_path_factory.mktemp("schemathesis")
        schema = folder / "openapi.json"
        schema.write_text(client.get("/api/schema/openapi.json").text)
        # What is stored, for schemathesis to try besides what it makes up: the demo day's
        # ids reach past the 404s into the handlers.
        events = [e for e in client.get("/api/events").json() if e["id"] != spare]
        items = [i["id"] for e in events for i in client.get(f"/api/events/{e['id']}/agenda").json()["items"]]
        rows = [
            r["id"]
            for kind in ("areas", "branches", "methods", "presenters")
            for r in client.get(f"/api/{kind}").json()
        ]
        yield {
            "base": base,
            "folder": folder,
            "schema": schema,
            "auth": {
                "sessionCookie": {"api_key": client.cookies["showcase_session"].strip('"')},
                "csrfCookie": {"api_key": csrf},
                "csrfHeader": {"api_key": csrf},
                "apiToken": {"bearer": token},
            },
            "spare": spare,
            "someone": someone,
            "stored": {
                "path.event_id": [e["id"] for e in events],
                "path.slug": [e["slug"] for e in events],
                "path.item_id": items,
                "path.row_id": sorted(set(rows)),
                **made,
            },
        }


def toml(value: object) -> str:
    return json.dumps(value)  # a JSON string, number or list is TOML too


def login_pages(schema: Path) -> list[str]:
    """The pages (not /api) that need a login: a stranger is sent to the login page (302)
    before anything else the request holds is read."""
    return [
        f"{method.upper()} {path}"
        for path, item in json.loads(schema.read_text())["paths"].items()
        for method, operation in item.items()
        if not path.startswith("/api/") and any("sessionCookie" in r for r in operation.get("security", []))
    ]


# What would end or move the demo day for every other operation (deleting it, renaming its
# address, unpublishing it) works on a spare event instead.
ON_THE_SPARE = [
    "DELETE /api/events/{event_id}",
    "PUT /api/events/{event_id}",
    "POST /organiser/events/{event_id}/delete",
    "POST /organiser/events/{event_id}/edit",
    "POST /organiser/events/{event_id}/status",
]


def config(auth: dict | None, stored: dict[str, list], login_first: list[str], spare: int, someone: int) -> str:
    lines = [
        "max-stream-events = 1  # a live stream ends for schemathesis after its first event",
        "[phases.coverage]",
        "# wrong methods on each path: the router gives them all one answer (405 with Allow), so",
        "# these four say as much as every method would, in half the requests",
        'unexpected-methods = ["delete", "options", "patch", "trace"]',
        "[cache]",
        "enabled = false  # every run starts afresh, and writes nothing into the project",
        "[parameters]",
    ]
    for n, key in enumerate(stored):
        lines.append(f"{toml(key)} = {{ dictionary = {toml(f'stored{n}')}, probability = 0.7 }}")
    for n, values in enumerate(stored.values()):
        lines += [f"[dictionaries.stored{n}]", f"values = {toml(values)}"]
    for scheme, values in (auth or {}).items():
        lines.append(f"[auth.openapi.{scheme}]")
        lines += [f"{key} = {toml(value)}" for key, value in values.items()]
    lines += ["[[operations]]", f"include-name = {toml(ON_THE_SPARE)}", f'parameters = {{ "path.event_id" = {spare} }}']
    lines += [
        "[[operations]]",
        f"include-path-regex = {toml('^/admin/users/')}",
        f'parameters = {{ "path.user_id" = {someone} }}',
    ]
    accepted = toml([*POSITIVE_STATUSES, "400"])
    for name, rule in BEYOND_THE_SCHEMA.items():
        lines += [
            f"# {rule}",
            "[[operations]]",
            f"include-name = {toml(name)}",
            f"checks.positive_data_acceptance.expected-statuses = {accepted}",
        ]
    # a kept preview is a capability of one login for an hour: any other token is gone (410)
    lines += [
        "[[operations]]",
        f"include-name = {toml('GET /organiser/events/{event_id}/attendees/import/{token}')}",
        f"checks.positive_data_acceptance.expected-statuses = {toml([*POSITIVE_STATUSES, '400', '410'])}",
    ]
    lines += ["[[operations]]", *(f"{k} = {toml(v)}" for k, v in FORM_POSTS.items())]
    lines.append(f"checks.positive_data_acceptance.expected-statuses = {accepted}")
    if login_first:
        lines += [
            "[[operations]]",
            f"include-name = {toml(login_first)}",
            f"checks.negative_data_rejection.expected-statuses = {toml([*NEGATIVE_STATUSES, '302'])}",
        ]
    return "\n".join(lines) + "\n"


def schemathesis(server, name: str, auth: dict | None, examples: int, *selection: str) -> None:
    folder: Path = server["folder"] / name
    folder.mkdir()
    login_first = [] if auth else login_pages(server["schema"])
    (folder / "schemathesis.toml").write_text(
        config(auth, server["stored"], login_first, server["spare"], server["someone"])
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(folder / "schemathesis.toml"),
        "run",
        str(server["schema"]),
        "--url",
        server["base"],
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        # authentication is what ignored_auth tests (with and without it, and with a wrong one);
        # made-up cookies would only meet the login page (302), which is no refusal of bad data
        "--generation-with-security-parameters",
        "false",
        "--workers",
        "1",
        "--no-color",
        "--report",
        "ndjson",
        "--report-dir",
        str(folder),
        *selection,
    ]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    report = done.stdout[-20000:] + done.stderr[-5000:]
    assert done.returncode == 0, report
    assert "Tested: 0" not in report, report


def test_every_route_for_the_organiser(server):
    # POST /logout would end the session the rest of the run uses (the stranger's run has it)
    schemathesis(server, "organiser", server["auth"], EXAMPLES, "--exclude-path", "/logout")


def test_every_route_for_a_stranger(server):
    """No login, no CSRF pair, no token: every check still holds (ignored_auth above all).
    What a stranger is answered does not depend on what else the request holds, and public
    routes took the organiser's run (they need no login), so a few examples do, without the
    coverage phase's boundary values."""
    schemathesis(server, "stranger", None, 3, "--phases", "examples,fuzzing,stateful")
