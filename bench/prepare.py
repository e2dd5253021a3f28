"""Prepare a benchmark database (run in its own process so the SHOWCASE_* settings hold):
migrations, a staff login, an event with check-in open, and N registered tickets."""

import asyncio
import datetime as dt
import json
import sys


async def open_event_with_tickets(slug: str, tickets: int) -> tuple[int, list[str]]:
    """A published event whose check-in is open now, with ``tickets`` registered attendees.
    Shared by the benchmark and the burst tests."""
    from events import checkin
    from events.tables import Attendee, Event

    now = dt.datetime.now(dt.timezone.utc)
    event_id = (await Event.insert(Event(
        title="税心向党·书记说", date=now.date(), start_time=dt.time(9), end_time=dt.time(11), slug=slug,
        status="published", checkin_opens_at=now - dt.timedelta(hours=2), checkin_closes_at=now + dt.timedelta(hours=2),
    )).returning(Event.id))[0]["id"]
    codes = [checkin.new_ticket_code() for _ in range(tickets)]
    for start in range(0, tickets, 2000):
        await Attendee.insert(*[
            Attendee(event=event_id, name=f"参会者{start + i}", unit="芙蓉区税务局", ticket_code=c)
            for i, c in enumerate(codes[start:start + 2000])
        ])
    return event_id, codes


async def main(tickets: int, codes_path: str) -> None:
    import manage

    manage.migrate()
    await manage.create_user("bench", "bench-password-1", "staff", iterations=1_000)
    event_id, codes = await open_event_with_tickets("bench", tickets)
    with open(codes_path, "w") as fh:
        fh.write("\n".join(codes) + "\n")
    print(json.dumps({"event_id": event_id}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
