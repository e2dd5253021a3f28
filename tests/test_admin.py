"""The admin manages users and roles; the roles take effect on the next request."""

from __future__ import annotations

import re

from tests.conftest import make_user, text_of


async def log_in(client, username: str, password: str = "correct-horse-1"):
    await client.form("/logout")
    return await client.form("/login", {"username": username, "password": password})


async def test_admin_creates_a_screener_who_can_then_screen_and_loses_it_again(client):
    await client.run(make_user, "boss", "admin")
    await log_in(client, "boss")
    made = await client.form("/admin/users/", {"username": "chushen1", "roles": "screener"})
    assert made.status_code == 200 and str(made.url).split("#")[0].endswith("/admin/users/")  # redirected: a reload makes nothing
    password = re.search(r'<code class="password">([^<]+)</code>', made.text).group(1)
    assert len(password) == 16 and "chushen1" in text_of(made.text) and not set(password) & set("Il1O0")
    assert "class=\"password\"" not in (await client.get("/admin/users/")).text  # shown once only

    await log_in(client, "chushen1", password)
    assert (await client.get("/review/")).status_code == 200
    assert (await client.get("/admin/users/")).status_code == 403

    await log_in(client, "boss")
    from piccolo.apps.user.tables import BaseUser

    uid = (await client.run(lambda: BaseUser.select(BaseUser.id).where(BaseUser.username == "chushen1").first()))["id"]
    assert (await client.form(f"/admin/users/{uid}/roles", {"roles": "staff"})).status_code == 200
    await log_in(client, "chushen1", password)
    assert (await client.get("/review/")).status_code == 403  # the role is gone at once

    await log_in(client, "boss")
    await client.form(f"/admin/users/{uid}/active", {"active": "no"})
    refused = await log_in(client, "chushen1", password)
    assert refused.status_code == 400  # switched off: the login fails


async def test_bad_usernames_and_self_lockout_are_refused(client):
    await client.run(make_user, "boss", "admin")
    await log_in(client, "boss")
    assert (await client.form("/admin/users/", {"username": "a b"})).status_code == 400
    assert (await client.form("/admin/users/", {"username": "boss"})).status_code == 409
    from piccolo.apps.user.tables import BaseUser

    me = (await client.run(lambda: BaseUser.select(BaseUser.id).where(BaseUser.username == "boss").first()))["id"]
    kept = await client.form(f"/admin/users/{me}/roles", {"roles": "organiser"})
    assert kept.status_code == 409 and "管理员" in text_of(kept.text)
    assert (await client.get("/admin/users/")).status_code == 200  # still admin
    assert (await client.form(f"/admin/users/{me}/active", {"active": "no"})).status_code == 409
