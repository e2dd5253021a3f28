"""Dates stay in a sane range (years 2000–2100): every date and date-time input refuses
others with a message, and a row stored out of range before this check still shows."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import text_of

MESSAGE = "请输入 2000 年至 2100 年之间的日期"
FAR = ("9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01")


async def demo_event_id(client) -> int:
    from demo import load_demo
    from events.tables import Event

    await client.run(load_demo)
    return (await client.run(lambda: Event.select(Event.id).first()))["id"]


async def stored_event(client, event_id: int) -> dict:
    from events.tables import Event

    return await client.run(lambda: Event.select().where(Event.id == event_id).first())


def test_year_check_is_inclusive_of_2000_and_2100():
    from web.forms import check_year

    assert check_year(dt.date(2000, 1, 1)) == dt.date(2000, 1, 1)
    assert check_year(dt.datetime(2100, 12, 31, 23, 59)).year == 2100
    for bad in (dt.date(1999, 12, 31), dt.date(2101, 1, 1), dt.date.max, dt.date.min):
        with pytest.raises(ValueError, match="2000"):
            check_year(bad)


@pytest.mark.parametrize("date", FAR)
async def test_event_form_refuses_a_date_outside_the_range(organiser, date):
    from events.tables import Event

    form = {
        "title": "远方的主题党日",
        "date": date,
        "start_time": "09:00",
        "end_time": "11:00",
        "timezone": "Asia/Shanghai",
        "theme_color": "#b71c1c",
        "slug": "far-away-day",
    }
    response = await organiser.form("/organiser/events/new", form)
    assert response.status_code == 400 and MESSAGE in text_of(response.text)
    assert await organiser.run(lambda: Event.count()) == 0
    ok = await organiser.form("/organiser/events/new", {**form, "date": "2100-12-31"})
    assert ok.status_code == 200 and await organiser.run(lambda: Event.count()) == 1


async def test_api_refuses_event_dates_outside_the_range_and_keeps_the_stored_one(organiser):
    event_id = await demo_event_id(organiser)
    current = (await organiser.get(f"/api/events/{event_id}")).json()
    keys = [
        "title",
        "date",
        "start_time",
        "end_time",
        "slug",
        "theme",
        "timezone",
        "venue",
        "description",
        "theme_color",
        "status",
    ]
    body = {k: current[k] for k in keys}
    for date in FAR:
        replaced = await organiser.api("PUT", f"/api/events/{event_id}", {**body, "date": date})
        assert replaced.status_code == 400, replaced.text
        assert any(e["key"] == "date" and MESSAGE in e["message"] for e in replaced.json()["extra"]), replaced.text
        created = await organiser.api("POST", "/api/events/", {**body, "slug": "far-away-day", "date": date})
        assert created.status_code == 400, created.text
    assert (await stored_event(organiser, event_id))["date"] == dt.date(2026, 7, 1)


async def test_date_time_settings_refuse_years_outside_the_range(organiser):
    from events.tables import Event

    event_id = await demo_event_id(organiser)
    before = await stored_event(organiser, event_id)
    posts = [
        (f"/organiser/events/{event_id}/slides/settings", {"deadline": "9999-12-31T23:59", "lock": ""}),
        (f"/organiser/events/{event_id}/slides/settings", {"deadline": "", "lock": "0001-01-01T00:00"}),
        (f"/organiser/events/{event_id}/feedback/settings", {"closes": "9999-12-31T23:59"}),
        (f"/organiser/events/{event_id}/checkin-settings", {"opens": "1999-12-31T08:00", "closes": ""}),
        (f"/organiser/events/{event_id}/checkin-settings", {"opens": "", "closes": "9999-12-31T23:59"}),
    ]
    for url, data in posts:
        response = await organiser.form(url, data)
        assert response.status_code == 400 and MESSAGE in text_of(response.text), (url, data, response.status_code)
    assert await organiser.run(lambda: Event.select().where(Event.id == event_id).first()) == before


async def test_call_dates_outside_the_range_are_refused(organiser):
    from presenters.tables import Call

    response = await organiser.form(
        "/organiser/calls/",
        {"title": "远方的征集", "description": "", "opens_at": "2026-06-01T09:00", "closes_at": "9999-12-31T23:59"},
    )
    assert response.status_code == 400 and MESSAGE in text_of(response.text)
    assert await organiser.run(lambda: Call.count()) == 0


async def test_featured_week_outside_the_range_is_refused_not_an_error(organiser):
    from events.tables import FeaturedCase
    from presenters.tables import Method

    await demo_event_id(organiser)
    method = (await organiser.run(lambda: Method.select(Method.id).first()))["id"]
    for week in ("0001-01-01", "9999-12-31"):
        response = await organiser.post(
            "/organiser/featured/",
            data={
                "_csrf_token": await organiser.csrf(),
                "method": str(method),
                "week_of": week,
                "writeup": "一周一案。",
            },
            files={"picture": ("", b"", "application/octet-stream")},
        )
        assert response.status_code == 400 and MESSAGE in text_of(response.text), (week, response.status_code)
    assert await organiser.run(lambda: FeaturedCase.count()) == 0


@pytest.mark.parametrize("date", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
async def test_an_event_stored_far_out_of_range_still_shows_everywhere(organiser, date):
    from core.cache import clear_all
    from events.tables import Event

    event_id = await demo_event_id(organiser)
    await organiser.run(
        lambda: Event.update({Event.date: date, Event.start_time: dt.time(23, 0), Event.end_time: dt.time(1, 0)}).where(
            Event.id == event_id
        )
    )
    clear_all()
    urls = [
        "/",
        "/e/shuixin-2026",
        "/e/shuixin-2026/agenda.ics",
        "/e/shuixin-2026/schedule.json",
        "/e/shuixin-2026/schedule.xml",
        "/e/shuixin-2026/programme.pdf",
        "/e/shuixin-2026/live",
        "/e/shuixin-2026/checkin",
        "/e/shuixin-2026/feedback",
        "/organiser/",
        f"/organiser/events/{event_id}",
        f"/organiser/events/{event_id}/stage",
        f"/organiser/events/{event_id}/projector",
        f"/organiser/events/{event_id}/live",
        f"/organiser/events/{event_id}/attendance",
        f"/organiser/events/{event_id}/door",
        f"/organiser/events/{event_id}/feedback/",
        f"/organiser/events/{event_id}/slides/",
        f"/organiser/events/{event_id}/handouts/booklet.pdf",
        f"/api/events/{event_id}",
        f"/api/events/{event_id}/agenda",
    ]
    statuses = {url: (await organiser.get(url)).status_code for url in urls}
    assert not {u: s for u, s in statuses.items() if s >= 500}, statuses
