"""Branches, their methods and the people who present them."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Area(Table):
    """A work area a method belongs to (党员教育, 党业融合, ...): a managed list."""

    name = Varchar(length=50, unique=True)
    position = Integer(default=0)


class Branch(Table):
    """A Party branch (党支部) within a parent unit (bureau)."""

    name = Varchar(length=100)
    unit = Varchar(length=100)
    secretary = Varchar(length=50, default="")
    contact = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Method(Table):
    """A branch work method (支部工作法)."""

    title = Varchar(length=100)
    area = ForeignKey(references=Area, on_delete=OnDelete.restrict, null=True)
    summary = Text(default="")
    branch = ForeignKey(references=Branch, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Presenter(Table):
    """Someone who presents on stage, usually the branch secretary."""

    name = Varchar(length=50)
    role = Varchar(length=50, default="")
    branch = ForeignKey(references=Branch, on_delete=OnDelete.set_null, null=True)
    contact = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
