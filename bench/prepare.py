"""Prepare a benchmark database (run in its own process so the SHOWCASE_* settings hold):
migrations, a staff login, an event with check-in open and N registered tickets, and an
event with feedback open and phones checked in."""

import asyncio
import datetime as dt
import json
import sys

FEEDBACK_PHONES = 6000


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


async def feedback_event(slug: str, attendees: int, talks: int) -> tuple[list[int], list[str]]:
    """A published event that started half an hour ago with feedback open for ``talks``
    presentations, and ``attendees`` people checked in on their phones (their device ids are
    returned). Shared by the benchmark and the burst tests."""
    import secrets

    from events import checkin
    from events.tables import AgendaItem, Attendee, CheckIn, Event
    from presenters.tables import Branch, Method

    tz = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime.now(tz) - dt.timedelta(minutes=30)
    event_id = (await Event.insert(Event(
        title="税心向党·书记说", date=start.date(), start_time=start.time().replace(second=0, microsecond=0),
        end_time=dt.time(23, 59), slug=slug, status="published", feedback_from_event_start=True,
    )).returning(Event.id))[0]["id"]
    branch = (await Branch.insert(Branch(name=f"党建工作科党支部 {slug}", unit="芙蓉区税务局")).returning(Branch.id))[0]["id"]
    items = []
    for n in range(talks):
        method = (await Method.insert(Method(title=f"工作法{n}", branch=branch)).returning(Method.id))[0]["id"]
        items.append((await AgendaItem.insert(AgendaItem(event=event_id, position=n, kind="presentation", duration=5,
                                                         method=method)).returning(AgendaItem.id))[0]["id"])
    devices = [secrets.token_urlsafe(24) for _ in range(attendees)]
    for start_at in range(0, attendees, 2000):
        chunk = devices[start_at:start_at + 2000]
        ids = [r["id"] for r in await Attendee.insert(*[
            Attendee(event=event_id, name=f"参会者{start_at + i}", ticket_code=checkin.new_ticket_code(), source="walk-in")
            for i in range(len(chunk))]).returning(Attendee.id)]
        await CheckIn.insert(*[CheckIn(event=event_id, attendee=a, channel="self", device=d) for a, d in zip(ids, chunk)])
    return items, devices


async def main(tickets: int, codes_path: str) -> None:
    import manage

    manage.migrate()
    await manage.create_user("bench", "bench-password-1", "staff", iterations=1_000)
    event_id, codes = await open_event_with_tickets("bench", tickets)
    with open(codes_path, "w") as fh:
        fh.write("\n".join(codes) + "\n")
    items, devices = await feedback_event("bench-feedback", FEEDBACK_PHONES, 4)
    with open(codes_path + ".devices", "w") as fh:
        fh.write("\n".join(devices) + "\n")
    print(json.dumps({"event_id": event_id, "feedback_slug": "bench-feedback", "feedback_items": items}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
