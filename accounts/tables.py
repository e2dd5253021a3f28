"""Who may do what: roles granted to Piccolo users."""

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import ForeignKey, OnDelete, Varchar
from piccolo.table import Table

ROLES = ("organiser", "staff", "screener", "approver", "admin")


class UserRole(Table):
    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20)
