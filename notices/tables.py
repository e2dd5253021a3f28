"""The outbox: every notice to send (mail or group chat), each attempt at sending it, and
the group-chat robots notices may go to."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from core.db.tables import Table


class Notice(Table):
    """One message to one recipient on one channel, written in the same transaction as the
    change that causes it, and worked off by the sender outside requests.

    state: pending (waits for next_attempt_at), sending (claimed by a sender until
    lease_until), sent, failed (gave up after the last attempt), held (email with no SMTP
    server configured: kept, shown to organisers, sent once one is)."""

    kind = Varchar(length=40)  # application.submitted, application.returned, featured.case, ...
    channel = Varchar(length=8)  # email | wecom
    recipient = Varchar(length=320)  # an e-mail address, or a WecomRobot's id
    locale = Varchar(length=16, default="zh_Hans_CN")
    about = Varchar(length=60, default="", index=True)  # what it is about: "application:12", "featured:3"
    subject = Varchar(length=300, default="")
    text = Text(default="")
    html = Text(default="")
    attachments = JSON(default="[]")  # [{"name", "mime", "base64"}]: small ones only (a QR, an .ics)
    # "once per person and deadline": a second notice with the same key is not written
    dedupe_key = Varchar(length=200, null=True, default=None, unique=True)
    state = Varchar(length=8, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    lease_until = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class NoticeAttempt(Table):
    """One try at sending a notice: when, whether it went, and what the other side said."""

    notice = ForeignKey(references=Notice, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    ok = Boolean(default=False)
    error = Text(default="")


class WecomRobot(Table):
    """A WeCom (企业微信) group robot: its webhook URL carries the key that lets anyone post
    to the group, so it is a secret, never shown back in full."""

    name = Varchar(length=100)
    unit = Integer(null=True, default=None)  # the unit it belongs to (a plain id), or none: the programme's
    url = Varchar(length=500, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
