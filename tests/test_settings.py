"""Every setting the README lists is read, and only in settings.py: the default language
and time zone reach the pages, and a value that cannot work stops the start with its name."""

from __future__ import annotations

import dataclasses

import pytest

from settings import Settings
from tests.conftest import Client, make_user


def made_with(**changes: object) -> Settings:
    return dataclasses.replace(Settings(), **changes)


async def logged_in(settings: Settings) -> Client:
    from app import create_app

    client = Client(app=create_app(settings), base_url="http://testserver.local")
    await client.__aenter__()
    await client.run(make_user, "organiser", "organiser")
    response = await client.form(
        "/login", {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"}
    )
    assert response.status_code == 200, response.text
    return client


async def test_default_locale_is_the_language_of_a_browser_that_names_none(db) -> None:
    from app import create_app

    async with Client(app=create_app(made_with(default_locale="en")), base_url="http://testserver.local") as client:
        page = await client.get("/login", headers={"Accept-Language": ""})
        assert 'lang="en"' in page.text and "Password" in page.text
        chinese = await client.get("/login", headers={"Accept-Language": "zh-CN"})
        assert 'lang="zh-CN"' in chinese.text  # the browser's own choice still wins
    async with Client(
        app=create_app(made_with(default_locale="zh_Hans_CN")), base_url="http://testserver.local"
    ) as client:
        assert "密码" in (await client.get("/login", headers={"Accept-Language": ""})).text


async def test_default_time_zone_is_offered_for_a_new_event_and_taken_when_the_api_names_none(db) -> None:
    client = await logged_in(made_with(default_timezone="Asia/Urumqi"))
    try:
        form = await client.get("/organiser/events/new")
        assert 'value="Asia/Urumqi"' in form.text
        created = await client.api(
            "POST",
            "/api/events",
            json={
                "title": "时区测试",
                "date": "2026-07-01",
                "start_time": "09:00",
                "end_time": "10:00",
                "slug": "tz-test",
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["timezone"] == "Asia/Urumqi"
    finally:
        await client.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"default_locale": "fr"}, "SHOWCASE_DEFAULT_LOCALE"),
        ({"default_timezone": "Mars/Olympus"}, "SHOWCASE_TIMEZONE"),
    ],
)
def test_a_setting_that_cannot_work_stops_the_start_and_names_itself(changes: dict, named: str) -> None:
    from app import create_app

    with pytest.raises(ValueError, match=named):
        create_app(made_with(**changes))


def test_an_smtp_url_that_names_no_server_stops_the_start() -> None:
    from app import check_settings

    with pytest.raises(ValueError, match="SHOWCASE_SMTP_URL"):
        check_settings(made_with(smtp_url="mail.example.org:25"))
    check_settings(made_with(smtp_url="smtp://user:pw@mail.example.org:587?starttls=1"))
