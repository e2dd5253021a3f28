from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one self check-in per phone per event"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def one_self_checkin_per_phone() -> None:
        # A phone checks in once per event, even when it posts twice at the same moment
        # (NULL devices, i.e. staff scans, are distinct on both SQLite and PostgreSQL).
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS check_in_event_device ON check_in (event, device)"
        )

    manager.add_raw(one_self_checkin_per_phone)
    return manager
