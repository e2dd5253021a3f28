"""Prepare a benchmark database (run in its own process so the SHOWCASE_* settings hold):
migrations, a staff login, an event with check-in open and N registered tickets, and an
event with feedback open and phones checked in."""

import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

FEEDBACK_PHONES = 6000


async def open_event(slug: str, title: str, **settings: object) -> int:
    """A published event of today whose check-in opened two hours ago and closes in two."""
    from events.tables import Event

    now = dt.datetime.now(dt.UTC)
    rows = await Event.insert(
        Event(
            title=title,
            date=now.date(),
            start_time=dt.time(9),
            end_time=dt.time(11),
            slug=slug,
            status="published",
            checkin_opens_at=now - dt.timedelta(hours=2),
            checkin_closes_at=now + dt.timedelta(hours=2),
            **settings,
        )
    ).returning(Event.id)
    return int(rows[0]["id"])


async def open_event_with_tickets(slug: str, tickets: int) -> tuple[int, list[str]]:
    """A published event whose check-in is open now, with ``tickets`` registered attendees.
    Shared by the benchmark and the burst tests."""
    from events.checkin import rules as checkin
    from events.tables import Attendee

    event_id = await open_event(slug, "税心向党·书记说")
    codes = [checkin.new_ticket_code() for _ in range(tickets)]
    for start in range(0, tickets, 2000):
        await Attendee.insert(
            *[
                Attendee(event=event_id, name=f"参会者{start + i}", unit="芙蓉区税务局", ticket_code=c)
                for i, c in enumerate(codes[start : start + 2000])
            ]
        )
    return event_id, codes


async def feedback_event(slug: str, attendees: int, talks: int) -> tuple[list[int], list[str]]:
    """A published event that started half an hour ago with feedback open for ``talks``
    presentations, and ``attendees`` people checked in on their phones (their device ids are
    returned). Shared by the benchmark and the burst tests."""
    import secrets

    from events.checkin import rules as checkin
    from events.tables import AgendaItem, Attendee, CheckIn, Event
    from presenters.tables import Branch, Method

    tz = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime.now(tz) - dt.timedelta(minutes=30)
    event_id = (
        await Event.insert(
            Event(
                title="税心向党·书记说",
                date=start.date(),
                start_time=start.time().replace(second=0, microsecond=0),
                end_time=dt.time(23, 59),
                slug=slug,
                status="published",
                feedback_from_event_start=True,
            )
        ).returning(Event.id)
    )[0]["id"]
    branch = (await Branch.insert(Branch(name=f"党建工作科党支部 {slug}", unit="芙蓉区税务局")).returning(Branch.id))[
        0
    ]["id"]
    items = []
    for n in range(talks):
        method = (await Method.insert(Method(title=f"工作法{n}", branch=branch)).returning(Method.id))[0]["id"]
        items.append(
            (
                await AgendaItem.insert(
                    AgendaItem(event=event_id, position=n, kind="presentation", duration=5, method=method)
                ).returning(AgendaItem.id)
            )[0]["id"]
        )
    devices = [secrets.token_urlsafe(24) for _ in range(attendees)]
    for start_at in range(0, attendees, 2000):
        chunk = devices[start_at : start_at + 2000]
        ids = [
            r["id"]
            for r in await Attendee.insert(
                *[
                    Attendee(
                        event=event_id,
                        name=f"参会者{start_at + i}",
                        ticket_code=checkin.new_ticket_code(),
                        source="walk-in",
                    )
                    for i in range(len(chunk))
                ]
            ).returning(Attendee.id)
        ]
        await CheckIn.insert(
            *[CheckIn(event=event_id, attendee=a, channel="self", device=d) for a, d in zip(ids, chunk, strict=True)]
        )
    return items, devices


UNITS = [
    "芙蓉区税务局",
    "天心区税务局",
    "开福区税务局",
    "雨花区税务局",
    "望城区税务局",
    "长沙县税务局",
    "浏阳市税务局",
    "宁乡市税务局",
    "岳麓区税务局",
    "长沙市税务局第一稽查局",
]
WORDS = ["三小", "五微", "37℃", "四心", "红色引擎", "双向赋能", "一线", "六步", "先锋", "清风"]


async def big_day(slug: str, talks: int) -> int:
    """A published day of ``talks`` presentations, each with its own branch, method (a
    summary of some 200 characters), area and presenter, and a break every 5 talks:
    the "50-presentation day" of the handouts benchmark and tests."""
    from events.tables import AgendaItem, Event
    from presenters.tables import Area, Branch, Method, Presenter

    event_id = (
        await Event.insert(
            Event(
                title="税心向党·书记说",
                theme="主题党日 · 支部工作法展示",
                date=dt.date(2026, 7, 1),
                start_time=dt.time(8, 30),
                end_time=dt.time(18, 0),
                venue="国家税务总局长沙市税务局 会议室",
                slug=slug,
                status="published",
            )
        ).returning(Event.id)
    )[0]["id"]
    area = (await Area.insert(Area(name=f"党业融合 {slug}")).returning(Area.id))[0]["id"]
    position = 0
    for n in range(talks):
        unit, word = UNITS[n % len(UNITS)], WORDS[n % len(WORDS)]
        branch = (await Branch.insert(Branch(name=f"第{n + 1}税务所党支部", unit=unit)).returning(Branch.id))[0]["id"]
        summary = (
            f"以“{word}”为抓手，把支部建在业务链上，"
            + "推动党建与税收业务同频共振，让纳税人缴费人感受到服务的温度。" * 4
        )[:220]
        method = (
            await Method.insert(
                Method(title=f"“{word}”工作法（{n + 1}）", area=area, summary=summary, branch=branch)
            ).returning(Method.id)
        )[0]["id"]
        person = (
            await Presenter.insert(Presenter(name=f"第{n + 1}支部书记", role="支部书记", branch=branch)).returning(
                Presenter.id
            )
        )[0]["id"]
        await AgendaItem.insert(
            AgendaItem(
                event=event_id, position=position, kind="presentation", duration=8, method=method, presenter=person
            )
        )
        position += 1
        if n % 5 == 4 and n < talks - 1:
            await AgendaItem.insert(AgendaItem(event=event_id, position=position, kind="break", duration=10))
            position += 1
    return event_id


def require_throwaway_data_dir() -> None:
    """The bench's account has a known password: it may only ever exist in a data folder the
    bench made itself (tempfile's ``showcase-bench-*``), never in a real one."""
    data_dir = Path(os.environ.get("SHOWCASE_DATA_DIR", "")).resolve()
    temp = Path(tempfile.gettempdir()).resolve()
    if data_dir.parent != temp or not data_dir.name.startswith("showcase-bench-"):
        sys.exit(f"refusing to prepare a benchmark in {data_dir}: only in a fresh {temp}/showcase-bench-* folder")
    database_url = os.environ.get("SHOWCASE_DATABASE_URL", "")
    if database_url and not urlparse(database_url).path.lstrip("/").startswith("showcase_bench"):
        sys.exit("refusing to prepare a benchmark in a PostgreSQL database not named showcase_bench*")


DOOR_PHONES = 20000


async def door_event(slug: str, phones: int) -> tuple[int, list[str]]:
    """A published event whose check-in is open now with a rotating door code, and ``phones``
    registered people with a mobile number each: lines "name<TAB>last 4 digits<TAB>device",
    what each phone types at the door (and its own device cookie)."""
    import secrets

    from events.checkin import rules as checkin
    from events.tables import Attendee

    event_id = await open_event(
        slug, "税心向党·书记说（门口）", rotating_door_code=True, door_secret=checkin.new_door_secret()
    )
    lines = []
    for start in range(0, phones, 2000):
        people = [(f"到场者{n}", f"138{n:08d}") for n in range(start, min(start + 2000, phones))]
        await Attendee.insert(
            *[
                Attendee(
                    event=event_id, name=name, unit="芙蓉区税务局", phone=phone, ticket_code=checkin.new_ticket_code()
                )
                for name, phone in people
            ]
        )
        lines += [f"{name}\t{phone[-4:]}\t{secrets.token_urlsafe(24)}" for name, phone in people]
    return event_id, lines


def door_pass(event_id: int) -> str:
    """The cookie a phone gets by opening the door page with the code on the screen (signed
    with the app's key, valid 10 minutes): what its form post then carries."""
    from core.signing import sign
    from settings import Settings

    return sign(Settings().session_secret(), str(event_id), 600)


async def main(tickets: int, codes_path: str) -> None:
    import manage

    require_throwaway_data_dir()

    manage.migrate()
    await manage.create_user("bench", "bench-password-1", "staff", iterations=1_000)
    event_id, codes = await open_event_with_tickets("bench", tickets)
    with open(codes_path, "w") as fh:
        fh.write("\n".join(codes) + "\n")
    items, devices = await feedback_event("bench-feedback", FEEDBACK_PHONES, 4)
    with open(codes_path + ".devices", "w") as fh:
        fh.write("\n".join(devices) + "\n")
    door_id, people = await door_event("bench-door", DOOR_PHONES)
    with open(codes_path + ".door", "w", encoding="utf-8") as fh:
        fh.write("\n".join(people) + "\n")
    print(
        json.dumps(
            {
                "event_id": event_id,
                "feedback_slug": "bench-feedback",
                "feedback_items": items,
                "door_slug": "bench-door",
                "door_event": door_id,
                "door_pass": door_pass(door_id),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
