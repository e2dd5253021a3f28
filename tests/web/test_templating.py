"""Text is escaped everywhere: a translated message is text, never markup (the i18n
extension marks ``_(...)`` safe on its own), in Chinese and in English."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from tests.conftest import make_user
from web import i18n
from web.templating import build_environment

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("zh_Hans_CN", "en")


def _catalog() -> list:
    with (i18n.LOCALES_DIR / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return [m for m in read_po(fh, locale="zh_Hans_CN") if m.id]


MESSAGES = _catalog()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_message_renders_as_text_not_markup(locale):
    """Each message of the catalog through ``_``/``ngettext`` in a template, with a value that
    looks like markup: the page shows exactly the translation, escaped, and the value escaped."""
    env = build_environment()
    token = i18n.current_locale.set(locale)
    try:
        wrong = []
        for message in MESSAGES:
            singular = message.id if isinstance(message.id, str) else message.id[0]
            names = sorted(set(re.findall(r"%\((\w+)\)", singular)) - {"num"})
            values = {name: "<i>x</i>" for name in names}
            if isinstance(message.id, str):
                shown = env.from_string("{{ _(m, **v) }}").render(m=message.id, v=values)
                expected = escape(i18n.gettext(message.id)) % values
            else:
                shown = env.from_string("{{ ngettext(s, p, 2, **v) }}").render(
                    s=message.id[0], p=message.id[1], v=values
                )
                expected = escape(i18n.translations(locale).ngettext(message.id[0], message.id[1], 2)) % {
                    "num": 2,
                    **values,
                }
            if shown != str(expected):
                wrong.append((singular, shown))
        assert wrong == []
    finally:
        i18n.current_locale.reset(token)


def test_a_help_text_with_angle_brackets_is_shown_as_written():
    env = build_environment()
    token = i18n.current_locale.set("en")
    try:
        shown = env.from_string('{% from "_macros.html" import field %}{{ field(f, {}, {}) }}').render(
            f=_field(help="Used in the public link: /e/<address>")
        )
    finally:
        i18n.current_locale.reset(token)
    help_text = lxml.html.fromstring(shown).find_class("help")[0]
    assert help_text.text_content() == "Used in the public link: /e/<address>" and len(help_text) == 0


def _field(**changes):
    from web.forms import Field

    return Field("slug", "Public address", kind="slug", **changes)


# -- every page with a form, in both languages ------------------------------------------------

# Every element a page may hold: those our templates write, and the QR code's SVG.
TEMPLATE_TAGS = {
    tag.lower()
    for path in (ROOT / "templates").rglob("*.html")
    for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", path.read_text())
} | {"svg", "path", "rect", "g"}
NOT_PAGES = re.compile(
    r"^/(api|assets|healthz|lang)\b|\.(pdf|csv|xlsx|zip|png|ics|json|xml|html)$|/(picture|attachment|qr|file|live)\b"
)


async def _every_page(client) -> list[str]:
    """Each GET page of the app with its path filled from the demo day, a call with one
    application, a presenter's portal link and an attendee's ticket."""
    from events.slides import queries as sq
    from events.tables import AgendaItem, Attendee, Event
    from presenters.catalog.controllers import CATALOG
    from presenters.catalog.queries import TABLES
    from presenters.review import queries as rq
    from presenters.tables import Application, Area, PortalLink, Unit
    from settings import Settings

    async def ids() -> dict:
        event = await Event.select(Event.id, Event.slug).first()
        item = (
            await AgendaItem.select(AgendaItem.id, AgendaItem.presenter)
            .where(AgendaItem.kind == "presentation")
            .first()
        )
        import datetime as dt

        now = dt.datetime.now(dt.UTC)
        area = await Area.select(Area.id).first()
        call = await rq.create_call(
            "2026年支部工作法征集", "面向全市", [area["id"]], now - dt.timedelta(days=1), now + dt.timedelta(days=7)
        )
        link_id = await sq.create_link(item["presenter"], None)
        link = await PortalLink.select().where(PortalLink.id == link_id).first()
        attendee = await Attendee.insert(Attendee(event=event["id"], name="彭强", ticket_code="t" * 32)).returning(
            Attendee.id
        )
        rows = {kind: (await TABLES[kind].select(TABLES[kind].id).first())["id"] for kind in CATALOG}
        return {
            "event": event,
            "item": item["id"],
            "call": call,
            "attendee": attendee,
            "rows": rows,
            "portal": sq.link_token(Settings().session_secret(), link_id, link["nonce"]),
        }

    found = await client.run(ids)
    from tests.presenters.review.test_review import FORM

    sent = await client.form(
        f"/calls/{found['call']}", {**FORM, "area": str((await client.run(lambda: Area.select(Area.id).first()))["id"])}
    )
    application = await client.run(lambda: Application.select(Application.id).first())
    previewed = await client.post(  # an attendee list kept for its confirmation, one row with an error
        f"/organiser/events/{found['event']['id']}/attendees/import",
        data={"_csrf_token": await client.csrf()},
        files={"file": ("名单.csv", "姓名,手机\n彭强,1.38073E+10\n谭玲,13900002222\n".encode(), "text/csv")},
    )
    assert "/attendees/import/" in str(previewed.url), previewed.status_code
    values = {
        "event_id": found["event"]["id"],
        "slug": found["event"]["slug"],
        "item_id": found["item"],
        "call_id": found["call"],
        "application_id": application["id"],
        "unit_id": (await client.run(lambda: Unit.select(Unit.id).first()))["id"],
        "code": "t" * 32,
    }
    pages = []
    for route in client.app.routes:
        if not any("GET" in (h.http_methods or ()) for h in getattr(route, "route_handlers", ())) or NOT_PAGES.search(
            route.path
        ):
            continue
        path = route.path
        if "{token:str}" in path:
            path = path.replace(
                "{token:str}",
                found["portal"]
                if path.startswith("/p/")
                else str(sent.url).split("/a/")[1].split("/")[0]
                if path.startswith("/a/")
                else str(previewed.url).rsplit("/", 1)[1]
                if path.endswith("/attendees/import/{token:str}")
                else "",
            )
        if (
            "{case_id:int}" in path
            or "{version_id:int}" in path
            or "{notice_id:int}" in path
            or path.endswith("/slides/{number:int}")
        ):
            continue  # none in the demo (the portal's /slides/{number} is a slide version)
        if "{kind:str}" in path:
            for kind, row in found["rows"].items():
                pages.append(path.replace("{kind:str}", kind).replace("{row_id:int}", str(row)))
            continue
        for name, value in values.items():
            path = re.sub(r"\{" + name + r":\w+\}", str(value), path)
        assert "{" not in path, path
        pages.append(path)
    return sorted(set(pages))


async def test_no_page_turns_help_or_message_text_into_markup(client, demo):
    await client.run(make_user, "boss", "organiser", "staff", "screener", "approver", "admin")
    await client.form("/login", {"username": "boss", "password": "correct-horse-1", "next": "/"})
    pages = await _every_page(client)
    assert {"/organiser/events/new", "/organiser/catalog/methods/new", "/login"} <= set(pages) and len(pages) > 30
    wrong, forms = [], 0
    for locale in LANGUAGES:
        client.cookies.set("lang", locale)
        for url in pages:
            response = await client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            if "text/html" not in response.headers["content-type"]:
                continue
            document = lxml.html.fromstring(response.text)
            forms += bool(document.forms)
            strange = {e.tag for e in document.iter() if isinstance(e.tag, str)} - TEMPLATE_TAGS
            inside = [
                e.text_content() for e in document.xpath('//*[@class="help" or contains(@class, "error")]') if len(e)
            ]
            if strange or inside:
                wrong.append((locale, url, sorted(strange), inside))
    assert wrong == [] and forms > 20
