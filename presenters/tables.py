"""Branches, their methods and the people who present them."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from core.db.tables import Table, VersionedTable


class Area(VersionedTable):
    """A work area a method belongs to (党员教育, 党业融合, ...): a managed list."""

    name = Varchar(length=50, unique=True)
    position = Integer(default=0)
    version = Integer(default=1)  # bumped by every edit; a stale save is refused


class Unit(VersionedTable):
    """A unit of the organisation: the city bureau, its grassroots bureaus, their sub-units.
    Branches belong to one; a reviewer's role is held at one and reaches its subtree."""

    name = Varchar(length=100)
    short_name = Varchar(length=30, default="")
    # NO ACTION, checked at the end of a statement: a whole tree can go in one DELETE (only
    # an empty unit is deleted one by one: presenters.units.queries.delete_unit)
    parent: ForeignKey = ForeignKey(references="self", on_delete=OnDelete.no_action, null=True, index=True)
    position = Integer(default=0)
    version = Integer(default=1)  # bumped by every edit; a stale save is refused
    created_at = Timestamptz(default=TimestamptzNow())


class Branch(VersionedTable):
    """A Party branch (党支部) within a parent unit (bureau)."""

    name = Varchar(length=100)
    unit = Varchar(length=100)  # the unit's name as shown; ``org_unit`` is the unit itself
    org_unit = ForeignKey(references=Unit, on_delete=OnDelete.restrict, null=True, index=True)
    secretary = Varchar(length=50, default="")
    contact = Varchar(length=100, default="")
    version = Integer(default=1)  # bumped by every edit; a stale save is refused
    created_at = Timestamptz(default=TimestamptzNow())


class Method(VersionedTable):
    """A branch work method (支部工作法)."""

    title = Varchar(length=100)
    area = ForeignKey(references=Area, on_delete=OnDelete.restrict, null=True)
    summary = Text(default="")
    branch = ForeignKey(references=Branch, on_delete=OnDelete.cascade, index=True)
    # marked by the bureau's organisers for the city's programme office: offered first when
    # the city picks methods for a showcase day or the weekly case
    recommended = Boolean(default=False)
    version = Integer(default=1)  # bumped by every edit; a stale save is refused
    created_at = Timestamptz(default=TimestamptzNow())


class Presenter(VersionedTable):
    """Someone who presents on stage, usually the branch secretary."""

    name = Varchar(length=50)
    role = Varchar(length=50, default="")
    branch = ForeignKey(references=Branch, on_delete=OnDelete.set_null, null=True)
    contact = Varchar(length=100, default="")
    version = Integer(default=1)  # bumped by every edit; a stale save is refused
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


class Call(Table):
    """A call for methods (征集): branches apply on the unified form while it is open."""

    title = Varchar(length=100)
    description = Text(default="")
    areas = Varchar(length=200, default="")  # the accepted areas' ids, comma-separated; empty: all
    opens_at = Timestamptz()
    closes_at = Timestamptz()
    archived = Boolean(default=False)  # out of the default lists; its applications stay
    created_at = Timestamptz(default=TimestamptzNow())


class Application(VersionedTable):
    """One branch's method on the unified application form, and where it stands in the
    three-step review. ``version`` grows with every change: a move is made only against
    the version the reviewer saw, so two reviewers never both move it."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    branch_name = Varchar(length=100)
    unit = Varchar(length=100)
    org_unit = ForeignKey(references=Unit, on_delete=OnDelete.restrict, null=True, index=True)
    secretary = Varchar(length=50)
    contact = Varchar(length=100)
    title = Varchar(length=100)
    area = ForeignKey(references=Area, on_delete=OnDelete.restrict)
    summary = Text()
    highlights = Text(default="")
    stage = Varchar(length=12, default="submitted", index=True)
    version = Integer(default=1)
    nonce = Varchar(length=32)  # the applicant's private link, as for portal links
    method = ForeignKey(references=Method, on_delete=OnDelete.set_null, null=True)  # once approved
    # an optional attachment, stored like slides (by SHA-256, checked by content)
    attachment_sha256 = Varchar(length=64, default="")
    attachment_name = Varchar(length=255, default="")
    attachment_kind = Varchar(length=8, default="")
    attachment_size = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ApplicationEvent(Table):
    """The history of an application: every move with who, when, from, to and the note."""

    application = ForeignKey(references=Application, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=100)  # a reviewer's user name, or "applicant"
    role = Varchar(length=20)
    from_stage = Varchar(length=12, default="")
    to_stage = Varchar(length=12)
    note = Text(default="")


class ApplicationImport(Table):
    """One confirmed import of a round into a call, by the digest of the rows confirmed;
    (call, digest) is unique, so two confirmations of one preview import once."""

    call = ForeignKey(references=Call, on_delete=OnDelete.cascade, index=True)
    digest = Varchar(length=64)
    size = Integer(default=0)  # rows confirmed
    added = Integer(default=0)
    at = Timestamptz(default=TimestamptzNow())
