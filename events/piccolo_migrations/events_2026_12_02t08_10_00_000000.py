"""A rehearsal (彩排) before the day: a flag per event, and per agenda item whether it is
dropped for real while a rehearsal's skips are in skipped."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T08:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "live day: rehearsal flag and real skips"


def _params(default, null: bool) -> dict:
    return {
        "default": default, "null": null, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Event", tablename="event", column_name="rehearsal", db_column_name="rehearsal",
        column_class_name="Boolean", column_class=Boolean, params=_params(False, False), schema=None,
    )
    manager.add_column(
        table_class_name="AgendaItem", tablename="agenda_item", column_name="skipped_for_real",
        db_column_name="skipped_for_real", column_class_name="Boolean", column_class=Boolean,
        params=_params(False, False), schema=None,
    )
    return manager
