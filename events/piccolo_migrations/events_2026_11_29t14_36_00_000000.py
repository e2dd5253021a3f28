from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T14:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one overall vote per phone per event"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def one_vote_per_phone() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS event_vote_event_device ON event_vote (event, device)"
        )

    manager.add_raw(one_vote_per_phone)
    return manager
