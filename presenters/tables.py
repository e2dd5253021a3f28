"""Branches, their methods and the people who present them."""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
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


class PortalLink(Table):
    """A presenter's private portal link. The URL's token is an HMAC of the id and the
    nonce under the app's secret: the database alone cannot rebuild a link, a new nonce
    makes a new link, and revoking or expiring one is a column here."""

    presenter = ForeignKey(references=Presenter, on_delete=OnDelete.cascade, index=True)
    nonce = Varchar(length=32)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
