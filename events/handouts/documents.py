"""What each printed document shows: its data, its template context and its content key.
No HTTP and no WeasyPrint here (the controllers serve, events.handouts renders)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from core.clock import now, zone
from core.qr import qr_svg
from events.agenda import queries
from events.agenda import views as agenda_view
from events.checkin import queries as cq
from events.feedback import queries as fq
from events.feedback import rules as feedback
from events.handouts import render as handouts
from events.live import queries as live_queries
from events.live import rules as live_rules
from web.i18n import current_locale
from web.i18n import gettext as _

TICKETS_PER_SHEET = 10  # 2 x 5 cards of 85 x 54 mm on A4
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class Document:
    kind: str  # booklet | poster | tickets | report
    size: str
    filename: str
    context: dict[str, Any]
    inputs: Any = field(repr=False)  # everything that decides the content

    @property
    def key(self) -> str:
        return handouts.content_key(self.kind, [self.size, current_locale.get(), self.inputs])


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_counter_css() -> str:
    """The footer "第 N 页 / 共 M 页" (or "Page N of M") as CSS generated content."""
    parts = re.split(r"%\((page|pages)\)s", _("Page %(page)s of %(pages)s"))
    return " ".join(css_string(p) if i % 2 == 0 else f"counter({p})" for i, p in enumerate(parts) if p)


def accent(event: dict[str, Any]) -> str:
    colour = event.get("theme_color") or ""
    return colour if HEX_COLOUR.match(colour) else "#b71c1c"


def _common(event: dict[str, Any], size: str, base_url: str) -> dict[str, Any]:
    return {
        "event": event,
        "size": size,
        "accent": accent(event),
        "qr": qr_svg,
        "checkin_url": f"{base_url}/e/{event['slug']}/checkin",
        "page_counter": page_counter_css(),
    }


def _event_inputs(event: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "slug", "title", "theme", "date", "start_time", "end_time", "timezone", "venue", "theme_color")
    return {k: event.get(k) for k in keys}


async def booklet(event: dict[str, Any], base_url: str, size: str = "a4") -> Document:
    rows = await queries.agenda_rows(event["id"])  # fresh: a renamed method shows at once
    view = agenda_view.build(event, rows)
    talks = [item for item in view.items if item["kind"] == "presentation"]
    slug = event["slug"]
    context = {
        **_common(event, size, base_url),
        "view": view,
        "talks": talks,
        "feedback_url": lambda item: f"{base_url}/e/{slug}/feedback/{item['id']}",
        "overall_url": f"{base_url}/e/{slug}/feedback#overall",
    }
    return Document("booklet", size, f"programme-{slug}-{size}.pdf", context, [_event_inputs(event), rows, base_url])


async def poster(event: dict[str, Any], base_url: str, size: str = "a4") -> Document:
    return Document(
        "poster",
        size,
        f"checkin-poster-{event['slug']}-{size}.pdf",
        _common(event, size, base_url),
        [_event_inputs(event), base_url],
    )


async def tickets(event: dict[str, Any], base_url: str) -> Document:
    people = await cq.ticket_holders(event["id"])
    sheets = [people[i : i + TICKETS_PER_SHEET] for i in range(0, len(people), TICKETS_PER_SHEET)]
    context = {
        **_common(event, "a4", base_url),
        "sheets": sheets,
        "ticket_url": lambda person: f"{base_url}/t/{person['ticket_code']}",
    }
    return Document("tickets", "a4", f"tickets-{event['slug']}.pdf", context, [_event_inputs(event), people, base_url])


async def report(event: dict[str, Any]) -> Document:
    """The results for the party committee: ranking, audience choice, every presentation's
    distribution and its visible comments (hidden ones are counted, not printed)."""

    rows = await queries.agenda_rows(event["id"])
    view = agenda_view.build(event, rows)
    talks = [item for item in view.items if item["kind"] == "presentation"]
    ratings = await fq.all_feedback(event["id"])
    votes = await fq.all_votes(event["id"])
    by_item: dict[int, list[dict[str, Any]]] = {}
    for row in ratings:
        by_item.setdefault(row["item"], []).append(row)
    summaries = {t["id"]: feedback.summarise([r["rating"] for r in by_item.get(t["id"], [])]) for t in talks}
    choices = {t["id"]: sum(1 for v in votes if v["choice"] == t["id"]) for t in talks}
    stats = await cq.attendance(event["id"])
    timing = await _timing(event, view)
    context = {
        **_common(event, "a4", ""),
        "view": view,
        "talks": {t["id"]: t for t in talks},
        "order": [t["id"] for t in talks],
        "ranking": feedback.rank(summaries),
        "summaries": summaries,
        "comments": by_item,
        "choices": choices,
        "most_votes": max(choices.values(), default=0),
        "overall": feedback.summarise([v["rating"] for v in votes if v["rating"]]),
        "vote_comments": [v for v in votes if v["comment"] and not v["hidden"]],
        "checked_in": stats["checked_in"],
        "gave": len({r["attendee"] for r in ratings if r["attendee"]}),
        "now": now().astimezone(zone(event["timezone"])),
        "hidden": sum(1 for r in ratings if r["hidden"] and r["comment"])
        + sum(1 for v in votes if v["hidden"] and v["comment"]),
    }
    context["timing"] = timing
    inputs = [_event_inputs(event), rows, ratings, votes, stats["checked_in"], timing]
    return Document("report", "a4", f"feedback-report-{event['slug']}.pdf", context, inputs)


async def _timing(event: dict[str, Any], view: agenda_view.AgendaView) -> list[dict[str, Any]]:
    """Planned against actual, item by item, once stage control recorded anything."""

    stage = await live_queries.read_stage(event["id"])
    real = stage.real_slots if stage else []  # a rehearsal's times are not the day's
    if not any(s.actual_start for s in real):
        return []
    tz = zone(event["timezone"])
    by_id = {s.id: s for s in real}
    out = []
    for item in view.items:
        slot = by_id.get(item["id"])
        if slot is None:
            continue
        start, end = slot.actual_start, slot.actual_end
        out.append(
            {
                "title": item["display_title"],
                "kind": item["kind_label"],
                "planned": (item["start"], item["end"]),
                "actual": (start.astimezone(tz) if start else None, end.astimezone(tz) if end else None),
                "delay": live_rules.delay_minutes(start, item["start"]) if start else None,
                "minutes": int((end - start).total_seconds() // 60) if start and end else None,
                "planned_minutes": item["duration"],
                "extended": slot.extended,
                "skipped": slot.skipped,
            }
        )
    return out


def render_html(env: Environment, document: Document, preview: bool = False, back: str = "", pdf_url: str = "") -> str:
    """The document's HTML: for WeasyPrint (assets from our own origin only) or, as a
    preview, for a browser (assets from /assets/)."""
    template = env.get_template(f"handouts/{document.kind}.html")
    return template.render(
        **{**document.context, "qr": qr_svg if preview else handouts.qr_placeholder},
        preview=preview,
        back=back,
        pdf_url=pdf_url,
        asset_base="/assets/" if preview else handouts.ASSET_ORIGIN,
    )


async def pdf(env: Environment, document: Document, cache: handouts.DocumentCache) -> bytes:
    make: Callable[[], str] = lambda: render_html(env, document)  # noqa: E731 - rendered only on a miss
    return await cache.get_or_render(document.key, make)
