"""Logins that are still valid (logout revokes the session everywhere)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class BaseUser(Table, tablename="piccolo_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-11-29T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login sessions"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_table(class_name="LoginSession", tablename="login_session", schema=None, columns=None)
    manager.add_column(
        table_class_name="LoginSession", tablename="login_session", column_name="user", db_column_name="user",
        column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=BaseUser, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None,
                       null=True, index=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="LoginSession", tablename="login_session", column_name="sid", db_column_name="sid",
        column_class_name="Varchar", column_class=Varchar, params=_params(length=32, default="", unique=True), schema=None,
    )
    manager.add_column(
        table_class_name="LoginSession", tablename="login_session", column_name="expires_at", db_column_name="expires_at",
        column_class_name="Timestamptz", column_class=Timestamptz, params=_params(default=TimestamptzNow()), schema=None,
    )
    return manager
