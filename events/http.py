"""What the events features' controllers share: the day from the path (404 when there is
none), the attendee's phone, and the day's wall clock."""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from core.clock import zone
from events import days
from events.hub import LiveHub
from web.i18n import lazy

# The cookie that tells one attendee's phone from another (check-in, feedback, slides' likes).
DEVICE_COOKIE = "showcase_device"


async def published_event(slug: FromPath[str]) -> dict[str, Any]:
    """A published day by its slug: what attendees' pages show."""
    event = await days.cached_event_by_slug(slug[:60])
    if event is None or event["status"] != "published":
        raise NotFoundException(detail=lazy("This event does not exist or has not been published yet."))
    return event


async def load_event(event_id: int) -> dict[str, Any]:
    """A day by its id, for organisers' pages."""
    event = await days.get_event(event_id)
    if event is None:
        raise NotFoundException(detail=lazy("No such event."))
    return event


def device_of(request: Request[Any, Any, Any]) -> str:
    """The phone's own id from its cookie, or "" when it has none (or a forged one)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 20 <= len(value) <= 40 and value.replace("-", "").replace("_", "").isalnum() else ""


@overload
def local(event: dict[str, Any], moment: dt.datetime) -> dt.datetime: ...
@overload
def local(event: dict[str, Any], moment: None) -> None: ...
@overload
def local(event: dict[str, Any], moment: dt.datetime | None) -> dt.datetime | None: ...
def local(event: dict[str, Any], moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` on the wall clock of the event's time zone."""
    return moment.astimezone(zone(event["timezone"])) if moment else None


def hub_of(request: Request[Any, Any, Any]) -> LiveHub:
    """This app's live hub (made in app.py with the settings' poll interval)."""
    hub: LiveHub = request.app.state["hub"]
    return hub
