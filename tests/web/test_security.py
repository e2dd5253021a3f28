"""Secure by default: security headers on every response, strict scripts, cookie flags,
a session renewed at login, login attempts limited, and forged cross-site posts refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Client, make_user, text_of

ROOT = Path(__file__).resolve().parents[2]


async def demo_event_id(client) -> int:
    from demo import load_demo
    from events.tables import Event

    await client.run(load_demo)
    return (await client.run(lambda: Event.select(Event.id).first()))["id"]


async def test_every_kind_of_response_carries_the_security_headers(organiser):
    event_id = await demo_event_id(organiser)
    pages = [
        "/",
        "/login",
        "/e/shuixin-2026",
        "/e/shuixin-2026/checkin",
        "/organiser/",
        f"/organiser/events/{event_id}",
        f"/organiser/events/{event_id}/stage",
        f"/organiser/events/{event_id}/projector",
        "/no-such-page",
        f"/organiser/events/{event_id}/door/qr",
    ]
    for url in pages:
        response = await organiser.get(url)
        policy = response.headers.get("content-security-policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives.get("script-src") == "'self'", (url, policy)  # no inline scripts, no eval
        assert directives.get("frame-ancestors") == "'none'" and directives.get("object-src") == "'none'", url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "same-origin", url
        assert response.headers["x-frame-options"] == "DENY", url
        assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS
    for url in (
        "/api/events/",
        "/assets/css/app.css",
        "/healthz",
        f"/organiser/events/{event_id}/handouts/booklet.pdf",
    ):
        response = await organiser.get(url)
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "same-origin", url


def test_no_template_has_an_inline_script_or_event_handler():
    """What makes script-src 'self' possible: every script is a file under assets/."""
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{path.name}: {tag}")
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=\s*[\"']", text)]
        found += [f"{path.name}: javascript: URL" for _ in re.findall(r"javascript:", text)]
    assert found == []


async def test_session_cookie_flags_and_a_new_session_at_login(client):
    await client.run(make_user, "organiser", "organiser")
    await client.run(make_user, "other", "organiser")
    first = await client.form(
        "/login",
        {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"},
        follow_redirects=False,
    )
    cookie = first.headers["set-cookie"]
    assert "showcase_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie
    before = client.cookies["showcase_session"]
    again = await client.form(
        "/login", {"username": "other", "password": "correct-horse-1", "next": "/organiser/"}, follow_redirects=False
    )
    assert again.status_code in (302, 303)
    assert client.cookies["showcase_session"] != before  # a login never keeps the session it found


async def test_behind_https_cookies_are_secure_and_hsts_is_sent(db):
    from app import create_app
    from settings import Settings

    async with Client(app=create_app(Settings(secure_cookies=True)), base_url="https://testserver.local") as client:
        await client.run(make_user, "organiser", "organiser")
        login = await client.form(
            "/login", {"username": "organiser", "password": "correct-horse-1", "next": "/"}, follow_redirects=False
        )
        assert "Secure" in login.headers["set-cookie"]
        assert login.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in (await client.get("/login")).headers.get("set-cookie", "Secure")  # the CSRF cookie too


async def test_login_attempts_are_limited_even_with_the_right_password(client):
    await client.run(make_user, "organiser", "organiser")
    from settings import Settings

    limit = Settings().login_attempts_per_minute
    for _ in range(limit):
        wrong = await client.form("/login", {"username": "organiser", "password": "guess"})
        assert wrong.status_code == 400
    blocked = await client.form(
        "/login", {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"}
    )
    assert blocked.status_code == 429 and "请求过于频繁" in text_of(blocked.text)
    assert "showcase_session" not in client.cookies or "/login" in str((await client.get("/organiser/")).url)


@pytest.mark.parametrize("with_header", [False, True])
async def test_a_forged_cross_site_post_changes_nothing(organiser, with_header):
    """Another site can make the browser post with the organiser's cookie, but cannot read
    the CSRF cookie to put the token in the form or header: refused, nothing changed."""
    from events.tables import Event

    event_id = await demo_event_id(organiser)
    headers = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}
    if with_header:
        headers["x-csrftoken"] = "forged-token"
    deleted = await organiser.post(f"/organiser/events/{event_id}/delete", data={"confirm": "yes"}, headers=headers)
    assert deleted.status_code == 403
    staged = await organiser.post(
        f"/organiser/events/{event_id}/stage", data={"action": "next", "v": "0"}, headers=headers
    )
    assert staged.status_code == 403
    api = await organiser.post(
        "/api/events/",
        json={"title": "伪造", "date": "2026-07-01", "start_time": "09:00", "end_time": "10:00", "slug": "forged"},
        headers=headers,
    )
    assert api.status_code == 403
    assert await organiser.run(lambda: Event.count()) == 1
    assert await organiser.run(lambda: Event.exists().where(Event.slug == "forged")) is False


async def test_logging_out_ends_the_login_for_a_copied_cookie_and_its_api_token(client):
    await client.run(make_user, "organiser", "organiser")
    await client.form("/login", {"username": "organiser", "password": "correct-horse-1", "next": "/organiser/"})
    stolen = client.cookies["showcase_session"]
    token = (await client.api("POST", "/api/tokens")).json()["token"]
    assert (await client.get("/organiser/", follow_redirects=False)).status_code == 200
    await client.form("/logout")
    client.cookies.set("showcase_session", stolen)  # the old cookie, kept by someone else
    again = await client.get("/organiser/", follow_redirects=False)
    assert again.status_code in (302, 303, 401) and "/login" in again.headers.get("location", "/login")
    scan = await client.post(
        "/api/events/1/checkins", json={"code": "x" * 32}, headers={"Authorization": f"Bearer {token}"}
    )
    assert scan.status_code == 401


@pytest.mark.parametrize(
    "url", ["/p/%C2%B2-" + "a" * 28, "/a/%C2%B2-" + "a" * 28, "/p/1-" + "%C3%A9" * 22, "/a/1-" + "%C3%A9" * 22]
)
async def test_odd_digits_and_letters_in_private_links_are_not_found_not_errors(client, url):
    from demo import load_demo

    await client.run(load_demo)
    assert (await client.get(url)).status_code == 404


async def test_odd_digits_in_forms_are_refused_not_errors(organiser):
    event_id = await demo_event_id(organiser)
    for data in ({"action": "extend", "minutes": "²", "v": "0"}, {"action": "skip", "item": "①", "v": "0"}):
        response = await organiser.form(f"/organiser/events/{event_id}/stage", data)
        assert response.status_code == 400, data
    overall = await organiser.form("/e/shuixin-2026/feedback/overall", {"choice": "²", "rating": "5"})
    assert overall.status_code in (400, 403)


async def limited_client(db, **settings):
    from app import create_app
    from settings import Settings

    return Client(app=create_app(Settings(**settings)), base_url="http://testserver.local")


async def test_made_up_device_cookies_do_not_lift_the_ceiling_of_an_address(db):
    async with await limited_client(db, address_posts_per_minute=5) as client:
        statuses = []
        for n in range(7):
            client.cookies.set("showcase_device", f"made-up-device-{n:08d}-xxxx")
            statuses.append((await client.form("/e/no-such-day/checkin", {"name": "假"})).status_code)
        assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]


async def test_public_forms_are_limited_per_address(db):
    async with await limited_client(db, public_form_posts_per_minute=3) as client:
        statuses = [(await client.form("/calls/999999", {"title": "刷"})).status_code for _ in range(5)]
        assert statuses[3:] == [429, 429] and 429 not in statuses[:3]


async def test_live_streams_beyond_the_process_cap_are_refused_with_503(db):
    from demo import load_demo

    async with await limited_client(db, live_streams_max=0) as client:
        await client.run(load_demo)
        refused = await client.get("/e/shuixin-2026/live")
        assert refused.status_code == 503 and "实时" in text_of(refused.text)
