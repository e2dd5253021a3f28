"""Who may do what: roles granted to Piccolo users."""

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar

from core.db.tables import Table


class UserRole(Table):
    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20)


class LoginSession(Table):
    """A login that is still valid. The session cookie names it; logging out deletes it,
    so a copied cookie stops working everywhere at once (within the user cache's seconds)."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    sid = Varchar(length=32, unique=True)
    expires_at = Timestamptz()
