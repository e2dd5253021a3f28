"""Showcase events and their agendas."""

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from core.db.tables import Table, VersionedTable

# Imported rather than referenced by string: Piccolo 1.38's auto-migrations write a
# string reference verbatim as a table name ("presenters.tables.Method"), which fails.
from presenters.tables import Method, Presenter


class Event(VersionedTable):
    """A showcase day (主题党日)."""

    title = Varchar(length=100)
    theme = Varchar(length=200, default="")
    date = Date()
    start_time = Time()
    end_time = Time()
    timezone = Varchar(length=50, default="Asia/Shanghai")
    venue = Varchar(length=200, default="")
    description = Text(default="")
    theme_color = Varchar(length=7, default="#b71c1c")
    slug = Varchar(length=60, unique=True)
    status = Varchar(length=10, default="draft")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Check-in: when it opens and closes (null: two hours before the start until the
    # planned end), and whether the door QR rotates (signed with door_secret).
    checkin_opens_at = Timestamptz(null=True, default=None)
    checkin_closes_at = Timestamptz(null=True, default=None)
    rotating_door_code = Boolean(default=False)
    door_secret = Varchar(length=32, default="")
    # Feedback: anonymous (one per phone) or only from checked-in phones; opens when each
    # presentation starts, or at the event start; closes at a set time (null: 3 h after the end).
    feedback_anonymous = Boolean(default=False)
    feedback_from_event_start = Boolean(default=False)
    feedback_closes_at = Timestamptz(null=True, default=None)
    # Presenter portal: uploads close at slides_deadline, method summaries lock at summary_lock_at.
    slides_deadline = Timestamptz(null=True, default=None)
    summary_lock_at = Timestamptz(null=True, default=None)
    # The live day: bumped by every stage action (start, next, back, extend, skip), so two
    # people at the stage control cannot both move the day on from the same state.
    live_version = Integer(default=0)
    # A rehearsal (彩排) is on: the items' actual times, extensions and skips are the
    # rehearsal's, shown on the stage control and the projector only, never to the public;
    # ending it, or starting the day for real, clears them.
    rehearsal = Boolean(default=False)
    # Editing: every save through the event form or the API bumps version, and is made only
    # against the version the editor loaded (a stale save is refused, never silently lost).
    version = Integer(default=1)
    # Deleting sets deleted_at: the event disappears everywhere, an admin may restore it for
    # 30 days, then it is purged (its row stays as a tombstone, so its id is never reused).
    deleted_at = Timestamptz(null=True, default=None)


class AgendaItem(VersionedTable):
    """One entry in an event's running order: a presentation or a segment."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    kind = Varchar(length=20, default="presentation")
    title = Varchar(length=100, default="")
    method = ForeignKey(references=Method, on_delete=OnDelete.set_null, null=True)
    presenter = ForeignKey(references=Presenter, on_delete=OnDelete.set_null, null=True)
    duration = Integer(default=15)
    guid = UUID()
    # What happened on the day (stage control): when it really started and ended, minutes
    # added on stage, and whether it was dropped.
    actual_start = Timestamptz(null=True, default=None)
    actual_end = Timestamptz(null=True, default=None)
    extended = Integer(default=0)
    skipped = Boolean(default=False)
    # During a rehearsal: whether the item is dropped for real (skipped then holds the
    # rehearsal's skips); given back to skipped when the rehearsal ends.
    skipped_for_real = Boolean(default=False)
    version = Integer(default=1)  # bumped by every edit; a stale save is refused


class Attendee(Table):
    """A person expected or present at an event: pre-registered, or a walk-in at the door."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=50)
    unit = Varchar(length=100, default="")
    phone = Varchar(length=20, default="")
    email = Varchar(length=100, default="")
    ticket_code = Varchar(length=40, unique=True)
    source = Varchar(length=12, default="registered")  # registered | walk-in
    created_at = Timestamptz(default=TimestamptzNow())


class CheckIn(Table):
    """That an attendee arrived. One row per attendee at most: the database enforces it."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, unique=True)
    checked_in_at = Timestamptz(default=TimestamptzNow())
    channel = Varchar(length=10, default="ticket")  # self | ticket | manual
    device = Varchar(length=40, null=True, default=None)  # the phone of a self check-in
    scanner = Integer(null=True, default=None)  # the staff user who scanned


class CheckInAttempt(Table):
    """Every attempt, whatever its outcome, for the audit trail."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    outcome = Varchar(length=12)  # ok | duplicate | invalid | closed | expired
    channel = Varchar(length=10)
    scanner = Integer(null=True, default=None)
    attendee = Integer(null=True, default=None)
    detail = Varchar(length=60, default="")


class Feedback(Table):
    """One phone's rating (1–5) and comment on one presentation; changed, never doubled."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    item = ForeignKey(references=AgendaItem, on_delete=OnDelete.cascade)
    device = Varchar(length=40)
    attendee = Integer(null=True, default=None)
    rating = Integer()
    comment = Text(default="")
    hidden = Boolean(default=False)  # an organiser hid an abusive comment; it stays stored
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EventVote(Table):
    """One phone's overall rating of the day and its audience-choice vote for the best method."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    device = Varchar(length=40)
    attendee = Integer(null=True, default=None)
    choice = ForeignKey(references=AgendaItem, on_delete=OnDelete.set_null, null=True)
    rating = Integer(null=True, default=None)
    comment = Text(default="")
    hidden = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SlideVersion(Table):
    """One uploaded version of a slot's slides; the newest is current, none is ever
    overwritten. The file is stored once per content, under its SHA-256."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    item = ForeignKey(references=AgendaItem, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    sha256 = Varchar(length=64)
    size = BigInt()
    filename = Varchar(length=255)  # the original name, Chinese and all, for downloads
    kind = Varchar(length=8)  # pdf | pptx | ppt | key | odp, decided by content
    uploaded_at = Timestamptz(default=TimestamptzNow())
    by_organiser = Boolean(default=False)


class FeaturedCase(Table):
    """每周一例: a method from the pool, featured for one week, with a short write-up and a
    picture (stored by its SHA-256 under the data folder)."""

    method = ForeignKey(references=Method, on_delete=OnDelete.restrict)
    week_of = Date()  # the Monday of the week
    writeup = Text(default="")
    picture_sha256 = Varchar(length=64, default="")
    picture_kind = Varchar(length=4, default="")  # png | jpeg
    created_at = Timestamptz(default=TimestamptzNow())


class AttendeeImport(Table):
    """One confirmed import of a list into an event, by the digest of the rows confirmed.
    The pair (event, digest) is unique: two confirmations of one preview (a double click,
    two tabs) meet on this row, so the second waits for the first and then finds its people
    already there."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    digest = Varchar(length=64)
    size = Integer(default=0)  # rows confirmed
    added = Integer(default=0)  # people stored by the last confirmation
    at = Timestamptz(default=TimestamptzNow())
