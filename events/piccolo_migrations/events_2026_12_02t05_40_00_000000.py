"""The door's own lookups stay quick however many people are registered: a phone's self
check-in finds registrations by (event, name) and counts wrong tries by (event, attendee);
each read sits inside the write transaction, so a scan of the whole list held every other
phone at the door (500 phones at once: 40 posts a second on 20,000 registrations)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T05:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the door: attendee (event, name), check_in_attempt (event, attendee)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def door_indexes() -> None:
        engine = engine_finder()
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS attendee_event_name ON attendee (event, name)")
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS check_in_attempt_event_attendee ON check_in_attempt (event, attendee)"
        )

    manager.add_raw(door_indexes)
    return manager
