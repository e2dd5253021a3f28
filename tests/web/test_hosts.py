"""Links and QR codes come from SHOWCASE_BASE_URL, never from the request's Host header, and
requests for hosts we do not serve are refused: a forged Host can neither change a printed
code nor make the server render a fresh copy of a handout for it."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests import pdftools
from tests.conftest import Client, text_of

BASE = "http://testserver.local"  # SHOWCASE_BASE_URL in tests/conftest.py
FORGED = {"Host": "evil.example"}


async def demo_event_id(client) -> int:
    from demo import load_demo
    from events.tables import Event

    await client.run(load_demo)
    return (await client.run(lambda: Event.select(Event.id).first()))["id"]


async def app_client(db, **settings) -> Client:
    from app import create_app
    from settings import Settings

    return Client(app=create_app(Settings(**settings)), base_url="http://testserver.local")


def test_allowed_hosts_default_to_the_base_url_and_loopback():
    from settings import Settings

    configured = Settings(base_url="https://showcase.example.cn/", allowed_hosts="")
    assert configured.allowed_host_names == frozenset({"showcase.example.cn", "localhost", "127.0.0.1", "::1"})
    assert configured.public_base_url == "https://showcase.example.cn"
    unset = Settings(base_url="", allowed_hosts="", host="192.168.1.20", port=8080)
    assert unset.public_base_url == "http://192.168.1.20:8080"
    assert "192.168.1.20" in unset.allowed_host_names
    listed = Settings(base_url="https://a.example", allowed_hosts=" A.example , b.example:8443 ")
    assert listed.allowed_host_names == frozenset({"a.example", "b.example"})
    assert Settings(allowed_hosts="*").allowed_host_names is None  # the check is off


def test_host_header_parsing_ignores_port_and_case():
    from web.hosts import host_allowed

    allowed = frozenset({"showcase.example.cn", "::1", "127.0.0.1"})
    assert host_allowed("Showcase.Example.CN:8000", allowed)
    assert host_allowed("[::1]:8000", allowed) and host_allowed("127.0.0.1", allowed)
    assert not host_allowed("evil.example", allowed)
    assert not host_allowed("showcase.example.cn.evil.example", allowed)
    assert not host_allowed("showcase.example.cn@evil.example", allowed)
    assert host_allowed("evil.example", None)  # SHOWCASE_ALLOWED_HOSTS=*


async def test_forged_host_is_refused_with_400(organiser):
    event_id = await demo_event_id(organiser)
    for url in (
        "/",
        "/e/shuixin-2026",
        "/e/shuixin-2026/agenda.ics",
        "/e/shuixin-2026/programme.pdf",
        f"/organiser/events/{event_id}/handouts/tickets.pdf",
        "/api/events/",
    ):
        response = await organiser.get(url, headers=FORGED)
        assert response.status_code == 400, url
        assert "evil.example" not in response.text and "主机" in response.text
    assert (await organiser.get("/e/shuixin-2026", headers={"Host": "testserver.local:8000"})).status_code == 200
    assert (await organiser.get("/healthz", headers=FORGED)).status_code in (200, 503)  # probes use any address


async def test_forged_host_cannot_change_printed_codes_or_calendar_links(db):
    pdftools.need_tools()
    async with await app_client(db, allowed_hosts="*") as client:  # even with the host check off
        await demo_event_id(client)
        honest = await client.get("/e/shuixin-2026/programme.pdf")
        forged = await client.get("/e/shuixin-2026/programme.pdf", headers=FORGED)
        assert honest.status_code == forged.status_code == 200
        assert forged.headers["etag"] == honest.headers["etag"]  # the cached copy: no fresh render
        assert pdftools.qr_codes(forged.content)[0] == [f"{BASE}/e/shuixin-2026/checkin"]
        ics = (await client.get("/e/shuixin-2026/agenda.ics", headers=FORGED)).content
        urls = {str(e["URL"]) for e in Calendar.from_ical(ics).walk("VEVENT") if "URL" in e}
        assert urls and all(u.startswith(f"{BASE}/e/shuixin-2026") for u in urls), urls
        assert b"evil.example" not in ics
        schedule = await client.get("/e/shuixin-2026/schedule.json", headers=FORGED)
        assert "evil.example" not in schedule.text and BASE in schedule.text


async def test_links_come_from_the_listening_address_when_no_base_url_is_set(db):
    async with await app_client(db, base_url="", allowed_hosts="", host="10.1.2.3", port=8123) as client:
        await demo_event_id(client)
        refused = await client.get("/e/shuixin-2026/agenda.ics")  # testserver.local is not this server's name
        assert refused.status_code == 400
        ics = await client.get("/e/shuixin-2026/agenda.ics", headers={"Host": "10.1.2.3:8123"})
        assert ics.status_code == 200 and b"http://10.1.2.3:8123/e/shuixin-2026" in ics.content


@pytest.mark.parametrize(
    "base_url, warns",
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://0.0.0.0:8000", True),
        ("https://showcase.example.cn", False),
        ("http://192.168.1.20:8000", False),
    ],
)
async def test_print_tab_warns_when_codes_point_at_an_address_phones_cannot_reach(db, base_url, warns):
    from tests.conftest import make_user

    async with await app_client(db, base_url=base_url, allowed_hosts="*") as client:
        event_id = await demo_event_id(client)
        await client.run(make_user, "organiser", "organiser")
        await client.form("/login", {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"})
        for url in (f"/organiser/events/{event_id}/handouts/", f"/organiser/events/{event_id}/attendance"):
            page = text_of((await client.get(url)).text)
            assert ("手机无法访问这个地址" in page) is warns, (url, page)
            if warns:
                assert base_url in page and "SHOWCASE_BASE_URL" in page and "管理员" in page
