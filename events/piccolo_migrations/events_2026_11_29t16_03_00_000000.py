from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T16:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per slot and slide version"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def one_row_per_version() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS slide_version_item_version ON slide_version (item, version)"
        )

    manager.add_raw(one_row_per_version)
    return manager
