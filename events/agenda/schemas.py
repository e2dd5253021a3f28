"""msgspec Structs at the HTTP boundary for events and agendas."""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from core.text import clean_fields

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$", examples=["shuixin-2026"])]
# Optional on the way in: empty or left out, an event gets an address made from its title
# (pinyin for Chinese, -2, -3 ... when taken), and an edit keeps the address it has.
OptionalSlug = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(?:[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9]))?$",
        examples=["shuixin-2026"],
        description="The public address, /e/<slug>. Empty or left out: made from the title (pinyin for a "
        "Chinese title, then -2, -3 ... if taken) when the event is created, and kept as it is on an edit.",
    ),
]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=480)]
OptionalMinutes = Annotated[int, msgspec.Meta(ge=0, le=480)]
Kind = Literal["presentation", "opening", "remarks", "break", "closing", "segment"]
Version = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=2**31 - 1,
        description="The version this edit was loaded at (as read back in version): a save after someone else made "
        'one is refused with 409. Also taken from an If-Match: "3" header; without either, the save is unconditional.',
    ),
]


# An IANA time zone name ("Asia/Shanghai"); empty: the default zone (SHOWCASE_TIMEZONE). The
# pattern gives the shape; a name the server's zone database lacks is refused (400).
Timezone = Annotated[
    str,
    msgspec.Meta(
        max_length=50,
        description="An IANA time zone name (e.g. Asia/Shanghai) that the server's time zone database knows "
        "(else 400); empty or left out: the server's default zone (SHOWCASE_TIMEZONE).",
        extra_json_schema={"extra": {"pattern": r"^(?:[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*)?$"}},
    ),
]
# A showcase day falls in the years 2000-2100 (web.forms.check_year); the pattern says so.
Day = Annotated[
    dt.date,
    msgspec.Meta(
        description="A day in the years 2000-2100.",
        extra_json_schema={"extra": {"pattern": r"^(?:20\d\d|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$"}},
    ),
]


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """An event, whole (PUT replaces every field). Besides each field's own limits:
    end_time must be later than start_time (both on date, in timezone); a slug already used by
    another event is refused with 409; with version (or If-Match), a save made after someone
    else's is refused with 409."""

    title: Title
    date: Day
    start_time: HourMinute
    end_time: HourMinute
    theme: Annotated[str, msgspec.Meta(max_length=200)] = ""
    timezone: Timezone = ""
    venue: Annotated[str, msgspec.Meta(max_length=200)] = ""
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    theme_color: Color = "#b71c1c"
    status: Literal["draft", "published"] = "draft"
    slug: OptionalSlug | None = None
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self, multi_line=("description",), required=("title",))


class EventOut(msgspec.Struct):
    id: int
    title: str
    theme: str
    date: dt.date
    start_time: str
    end_time: str
    timezone: str
    venue: str
    description: str
    theme_color: str
    slug: str
    status: str
    public_url: str
    version: int


class DeletedEventOut(msgspec.Struct):
    """A deleted event an admin may still restore (until ``restorable_until``)."""

    id: int
    title: str
    date: dt.date
    slug: str
    deleted_at: dt.datetime
    restorable_until: dt.datetime


class AgendaItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """One agenda item. method_id and presenter_id, when given, must name an existing method
    and presenter (else 400); with version (or If-Match), a save made after someone else's
    is refused with 409."""

    kind: Kind
    duration: Minutes
    title: Annotated[str, msgspec.Meta(max_length=100)] = ""
    method_id: Id | None = None
    presenter_id: Id | None = None
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self)


class AgendaItemOut(msgspec.Struct):
    id: int
    position: int
    kind: str
    title: str
    duration: int
    start: str
    end: str
    method_id: int | None
    presenter_id: int | None
    method_title: str | None
    branch: str | None
    unit: str | None
    presenter: str | None
    version: int


class WarningOut(msgspec.Struct):
    code: str
    message: str
    item_ids: list[int]


class AgendaOut(msgspec.Struct):
    event_id: int
    starts: str
    ends: str
    planned_end: str
    items: list[AgendaItemOut]
    warnings: list[WarningOut]


class ReorderIn(msgspec.Struct, forbid_unknown_fields=True):
    """The new running order: item_ids must list every item of this agenda exactly once
    (else 400)."""

    item_ids: Annotated[list[Id], msgspec.Meta(max_length=500)]


class GenerateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A plan for a whole agenda. method_ids must each name an existing method, none twice
    (else 400); talk_minutes + qa_minutes may be at most 480 (one slot, else 400). A
    presentation left out that holds feedback, votes or slides makes it 409, unless drop_data."""

    method_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=200)]
    talk_minutes: Minutes = 15
    qa_minutes: OptionalMinutes = 5
    break_every: Annotated[int, msgspec.Meta(ge=0, le=50)] = 0
    break_minutes: Minutes = 10
    opening_minutes: OptionalMinutes = 10
    closing_minutes: OptionalMinutes = 10
    # Regenerating keeps each presentation's item (feedback, votes, slides) by its method;
    # a method left out whose item holds any of these makes it 409, unless this is true.
    drop_data: bool = False
