"""Who may do what: roles granted to Piccolo users."""

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar

from core.db.tables import Table


class UserRole(Table):
    """A role granted to a user at a unit of the organisation; it reaches the unit's whole
    subtree. ``unit`` None: the whole organisation (the city bureau's own grants, and every
    grant made before units existed). The unit is the presenters app's; accounts imports
    nothing of it, so it is a plain id here, and merging or deleting units keeps it true."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20)
    unit = Integer(null=True, default=None, index=True)


class LoginSession(Table):
    """A login that is still valid. The session cookie names it; logging out deletes it,
    so a copied cookie stops working everywhere at once (within the user cache's seconds)."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    sid = Varchar(length=32, unique=True)
    expires_at = Timestamptz()
