"""The admin manages users and roles; the roles take effect on the next request."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_user, text_of


async def log_in(client, username: str, password: str = "correct-horse-1"):
    await client.form("/logout")
    return await client.form("/login", {"username": username, "password": password})


async def test_admin_creates_a_screener_who_can_then_screen_and_loses_it_again(client):
    await client.run(make_user, "boss", "admin")
    await log_in(client, "boss")
    made = await client.form("/admin/users/", {"username": "chushen1", "roles": "screener"})
    assert made.status_code == 200 and str(made.url).split("#")[0].endswith(
        "/admin/users/"
    )  # redirected: a reload makes nothing
    password = re.search(r'<code class="password">([^<]+)</code>', made.text).group(1)
    assert len(password) == 16 and "chushen1" in text_of(made.text) and not set(password) & set("Il1O0")
    assert 'class="password"' not in (await client.get("/admin/users/")).text  # shown once only

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


# -- the commands an organisation has before anyone can log in ---------------------------------


def manage(*args: str):
    """``python manage.py …`` as the organisation runs it: another process, the same database."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "manage.py", *args], cwd=root, capture_output=True, text=True, timeout=120)


async def roles_of(client, username: str) -> set[str]:
    from piccolo.apps.user.tables import BaseUser

    from accounts.tables import UserRole

    async def read():
        user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
        return {r["role"] for r in await UserRole.select(UserRole.role).where(UserRole.user == user["id"])}

    return await client.run(read)


async def test_setup_on_an_empty_database_prints_an_admin_login_that_works(client):
    first = manage("setup", "--no-demo")
    assert first.returncode == 0, first.stderr
    found = re.search(r"username 'admin', password '([^']+)'", first.stdout)
    assert found, first.stdout
    assert await roles_of(client, "admin") == {"admin"}
    login = await client.form("/login", {"username": "admin", "password": found.group(1)})
    assert login.status_code == 200 and str(login.url).endswith("/admin/users/")
    again = manage("setup", "--no-demo")
    assert again.returncode == 0 and "username 'admin'" not in again.stdout  # shown once only


async def test_create_admin_makes_a_new_admin_and_refuses_a_taken_name(client):
    made = manage("create-admin", "zhangsan")
    assert made.returncode == 0, made.stderr
    password = re.search(r"password '([^']+)'", made.stdout).group(1)
    assert await roles_of(client, "zhangsan") == {"admin"}
    assert (await log_in(client, "zhangsan", password)).status_code == 200
    assert (await client.get("/admin/users/")).status_code == 200
    taken = manage("create-admin", "zhangsan")
    assert taken.returncode != 0 and "zhangsan" in taken.stderr
    odd = manage("create-admin", "a b")
    assert odd.returncode != 0 and "3–40" in odd.stderr
    assert (await log_in(client, "zhangsan", password)).status_code == 200  # the first password still works


async def test_reset_password_keeps_the_roles(client):
    await client.run(make_user, "chushen1", "screener")
    reset = manage("reset-password", "chushen1")
    assert reset.returncode == 0, reset.stderr
    password = re.search(r"New password for chushen1: (\S+)", reset.stdout).group(1)
    assert await roles_of(client, "chushen1") == {"screener"}  # not made an organiser
    assert (await log_in(client, "chushen1", password)).status_code == 200
    assert (await log_in(client, "chushen1")).status_code == 400  # the old password is gone


async def test_reset_password_of_an_unknown_name_creates_nothing(client):
    from piccolo.apps.user.tables import BaseUser

    refused = manage("reset-password", "nobody")
    assert refused.returncode != 0 and "nobody" in refused.stderr
    assert await client.run(lambda: BaseUser.exists().where(BaseUser.username == "nobody")) is False


# -- a new password or switching off ends the person's logins at once ---------------------------


async def logged_in_elsewhere(client, username: str) -> tuple[str, str]:
    """The person's browser cookie and a scanner token, both used once (so this process
    remembers them), then handed back: the test plays the person with them later."""
    await log_in(client, username)
    cookie = client.cookies["showcase_session"]
    token = (await client.api("POST", "/api/tokens")).json()["token"]
    assert (await client.get("/staff/", follow_redirects=False)).status_code == 200
    assert (
        await client.post(
            "/api/events/999999/checkins", json={"code": "x" * 32}, headers={"Authorization": f"Bearer {token}"}
        )
    ).status_code == 404
    client.cookies.delete("showcase_session")  # walk away without logging out
    return cookie, token


async def is_let_in(client, cookie: str, token: str) -> tuple[bool, bool]:
    client.cookies.set("showcase_session", cookie)
    page = await client.get("/staff/", follow_redirects=False)
    scan = await client.post(
        "/api/events/999999/checkins", json={"code": "x" * 32}, headers={"Authorization": f"Bearer {token}"}
    )
    return page.status_code == 200, scan.status_code != 401


@pytest.mark.parametrize("how", ["password", "switch-off"])
async def test_a_new_password_or_switching_off_ends_the_logins_and_tokens_at_once(client, how):
    from piccolo.apps.user.tables import BaseUser

    from accounts.tables import LoginSession

    uid = await client.run(make_user, "door1", "staff")
    await client.run(make_user, "boss", "admin")
    cookie, token = await logged_in_elsewhere(client, "door1")
    await log_in(client, "boss")
    if how == "password":
        done = await client.form(f"/admin/users/{uid}/password")
    else:
        done = await client.form(f"/admin/users/{uid}/active", {"active": "no"})
    assert done.status_code == 200
    assert await client.run(lambda: LoginSession.count().where(LoginSession.user == uid)) == 0
    assert await is_let_in(client, cookie, token) == (False, False)
    if how == "switch-off":
        assert await client.run(lambda: BaseUser.select(BaseUser.active).where(BaseUser.id == uid).first()) == {
            "active": False
        }


async def test_a_password_reset_in_another_process_ends_the_logins_here_at_once(client):
    """This process has just let the person in (and remembers it); the reset is made by
    manage.py, another process: the very next request is refused all the same."""
    await client.run(make_user, "door1", "staff")
    cookie, token = await logged_in_elsewhere(client, "door1")
    assert await is_let_in(client, cookie, token) == (True, True)
    assert manage("reset-password", "door1").returncode == 0
    assert await is_let_in(client, cookie, token) == (False, False)


async def test_switching_off_in_another_process_ends_the_logins_here_at_once(client):
    from piccolo.apps.user.tables import BaseUser

    uid = await client.run(make_user, "door1", "staff")
    cookie, token = await logged_in_elsewhere(client, "door1")
    # what another process's admin page writes, without this process hearing of it
    await client.run(lambda: BaseUser.update({BaseUser.active: False}).where(BaseUser.id == uid))
    assert await is_let_in(client, cookie, token) == (False, False)


async def test_an_admin_giving_themselves_a_new_password_stays_logged_in_here_only(client):
    from accounts.tables import LoginSession

    me = await client.run(make_user, "boss", "admin")
    await log_in(client, "boss")
    elsewhere = client.cookies["showcase_session"]
    client.cookies.delete("showcase_session")
    await log_in(client, "boss")
    renewed = await client.form(f"/admin/users/{me}/password")
    assert renewed.status_code == 200 and '<code class="password">' in renewed.text
    assert await client.run(lambda: LoginSession.count().where(LoginSession.user == me)) == 1
    here = client.cookies["showcase_session"]
    client.cookies.set("showcase_session", elsewhere)
    assert (await client.get("/admin/users/", follow_redirects=False)).status_code in (302, 303, 401)
    client.cookies.set("showcase_session", here)
    assert (await client.get("/admin/users/")).status_code == 200


async def test_login_checks_arriving_together_share_one_read_and_later_ones_read_again(monkeypatch):
    """Dozens of scans a second on one token must not each read the login's row (that cut the
    check-in API to a quarter of its rate), yet a request arriving after a read has finished
    never uses it: a login ended in between fails at once."""
    import asyncio

    from accounts import queries as auth

    reads: list[int] = []
    holds = {"value": True}

    async def counted(user_id: int, sid: str) -> bool:
        reads.append(user_id)
        await asyncio.sleep(0.01)
        return holds["value"]

    monkeypatch.setattr(auth, "_login_holds", counted)
    together = await asyncio.gather(*(auth._login_holds_now(7, "login-a") for _ in range(20)))
    assert together == [True] * 20 and len(reads) == 1
    holds["value"] = False  # the login ends (a new password, switched off)
    assert await auth._login_holds_now(7, "login-a") is False and len(reads) == 2
    waiter = asyncio.ensure_future(auth._login_holds_now(7, "login-b"))
    other = asyncio.ensure_future(auth._login_holds_now(7, "login-b"))
    await asyncio.sleep(0)
    waiter.cancel()  # one phone gives up: the read it shared goes on for the others
    assert await other is False and len(reads) == 3
