"""The live day: actual times, extensions and skips per agenda item; a stage version per event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "live day: actual times and stage version"


def _params(default, null: bool) -> dict:
    return {
        "default": default, "null": null, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    for name in ("actual_start", "actual_end"):
        manager.add_column(
            table_class_name="AgendaItem", tablename="agenda_item", column_name=name, db_column_name=name,
            column_class_name="Timestamptz", column_class=Timestamptz, params=_params(None, True), schema=None,
        )
    manager.add_column(
        table_class_name="AgendaItem", tablename="agenda_item", column_name="extended", db_column_name="extended",
        column_class_name="Integer", column_class=Integer, params=_params(0, False), schema=None,
    )
    manager.add_column(
        table_class_name="AgendaItem", tablename="agenda_item", column_name="skipped", db_column_name="skipped",
        column_class_name="Boolean", column_class=Boolean, params=_params(False, False), schema=None,
    )
    manager.add_column(
        table_class_name="Event", tablename="event", column_name="live_version", db_column_name="live_version",
        column_class_name="Integer", column_class=Integer, params=_params(0, False), schema=None,
    )
    return manager
