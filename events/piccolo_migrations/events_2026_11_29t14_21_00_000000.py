from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T14:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one feedback per phone per presentation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def one_feedback_per_phone() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS feedback_item_device ON feedback (item, device)"
        )

    manager.add_raw(one_feedback_per_phone)
    return manager
