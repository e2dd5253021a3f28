"""Raw SQL runs before a migration's tables are made: the unique index comes one step later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T00:49:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "one application_import row per digest"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="presenters", description=DESCRIPTION)

    async def once_per_digest() -> None:
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS application_import_call_digest ON application_import (call, digest)"
        )

    manager.add_raw(once_per_digest)
    return manager
