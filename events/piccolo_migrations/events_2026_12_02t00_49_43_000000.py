"""Raw SQL runs before a migration's tables are made: the unique index comes one step later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T00:49:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "one attendee_import row per digest"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def once_per_digest() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS attendee_import_event_digest ON attendee_import (event, digest)"
        )

    manager.add_raw(once_per_digest)
    return manager
