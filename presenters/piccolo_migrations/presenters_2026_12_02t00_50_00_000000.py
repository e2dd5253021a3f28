"""Catalog rows carry a version that every edit bumps, so a stale save is refused."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "edit versions of areas, branches, methods and presenters"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="presenters", description=DESCRIPTION)
    for class_name, table in (("Area", "area"), ("Branch", "branch"), ("Method", "method"), ("Presenter", "presenter")):
        manager.add_column(
            table_class_name=class_name, tablename=table, column_name="version", db_column_name="version",
            column_class_name="Integer", column_class=Integer,
            params={"default": 1, "null": False, "primary_key": False, "unique": False, "index": False,
                    "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
            schema=None,
        )
    return manager
