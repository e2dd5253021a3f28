"""Showcase events and their agendas."""

from piccolo.columns import (
    UUID,
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
from piccolo.table import Table

# Imported rather than referenced by string: Piccolo 1.38's auto-migrations write a
# string reference verbatim as a table name ("presenters.tables.Method"), which fails.
from presenters.tables import Method, Presenter


class Event(Table):
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


class AgendaItem(Table):
    """One entry in an event's running order: a presentation or a segment."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    kind = Varchar(length=20, default="presentation")
    title = Varchar(length=100, default="")
    method = ForeignKey(
        references=Method, on_delete=OnDelete.set_null, null=True
    )
    presenter = ForeignKey(
        references=Presenter, on_delete=OnDelete.set_null, null=True
    )
    duration = Integer(default=15)
    guid = UUID()
