"""Nothing lost: events are deleted softly (restorable for 30 days); events and agenda items
carry a version that every edit bumps, so a stale save is refused."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "soft delete of events; edit versions of events and agenda items"


def _params(default, null: bool) -> dict:
    return {
        "default": default, "null": null, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Event", tablename="event", column_name="deleted_at", db_column_name="deleted_at",
        column_class_name="Timestamptz", column_class=Timestamptz, params=_params(None, True), schema=None,
    )
    for class_name, table in (("Event", "event"), ("AgendaItem", "agenda_item")):
        manager.add_column(
            table_class_name=class_name, tablename=table, column_name="version", db_column_name="version",
            column_class_name="Integer", column_class=Integer, params=_params(1, False), schema=None,
        )
    return manager
