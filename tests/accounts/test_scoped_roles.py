"""Roles held at a unit: the admin grants and removes them, a merge of units carries them,
and a unit with roles held at it is not deleted."""

from __future__ import annotations

from accounts.tables import UserRole
from presenters.tables import Unit
from tests.accounts.test_admin import log_in
from tests.conftest import make_user, text_of


async def unit_id(client, name: str) -> int:
    return (await client.run(lambda: Unit.select(Unit.id).where(Unit.name == name).first()))["id"]


async def grants(client, username: str) -> set[tuple[str, int | None]]:
    from piccolo.apps.user.tables import BaseUser

    async def read():
        user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
        if user is None:
            return set()
        rows = await UserRole.select(UserRole.role, UserRole.unit).where(UserRole.user == user["id"])
        return {(r["role"], r["unit"]) for r in rows}

    return await client.run(read)


async def test_admin_grants_a_role_at_a_unit_and_takes_it_back(client, demo):
    await client.run(make_user, "boss", "admin")
    await client.run(make_user, "chushen-fr", "staff")
    await log_in(client, "boss")
    fu = await unit_id(client, "芙蓉区税务局")
    page = await client.get("/admin/users/")
    assert "芙蓉区税务局" in text_of(page.text)  # the units are offered
    from piccolo.apps.user.tables import BaseUser

    uid = (await client.run(lambda: BaseUser.select(BaseUser.id).where(BaseUser.username == "chushen-fr").first()))[
        "id"
    ]
    done = await client.form(f"/admin/users/{uid}/grants", {"role": "screener", "unit": str(fu)})
    assert done.status_code == 200
    assert await grants(client, "chushen-fr") == {("staff", None), ("screener", fu)}
    assert "初审（党建工作部门） · 芙蓉区税务局" in text_of(done.text)
    # the global roles' form leaves roles held at units alone
    await client.form(f"/admin/users/{uid}/roles", {"roles": "staff"})
    assert ("screener", fu) in await grants(client, "chushen-fr")

    for bad in ({"role": "admin", "unit": str(fu)}, {"role": "screener", "unit": "99999"}, {"role": "screener"}):
        refused = await client.form(f"/admin/users/{uid}/grants", bad)
        assert refused.status_code == 400 and "请选择角色及其所在单位" in text_of(refused.text), bad
    assert await grants(client, "chushen-fr") == {("staff", None), ("screener", fu)}

    async def grant_row():
        return (await UserRole.select(UserRole.id).where(UserRole.unit == fu).first())["id"]

    gone = await client.form(f"/admin/users/{uid}/grants/{await client.run(grant_row)}/delete")
    assert gone.status_code == 200 and await grants(client, "chushen-fr") == {("staff", None)}


async def test_admin_creates_a_reviewer_at_a_unit(client, demo):
    await client.run(make_user, "boss", "admin")
    await log_in(client, "boss")
    tx = await unit_id(client, "天心区税务局")
    made = await client.form(
        "/admin/users/", {"username": "fushen-tx", "roles": ["approver", "staff"], "unit": str(tx)}
    )
    assert made.status_code == 200
    assert await grants(client, "fushen-tx") == {("approver", tx), ("staff", None)}
    bad = await client.form("/admin/users/", {"username": "nobody1", "roles": "approver", "unit": "abc"})
    assert bad.status_code == 400 and await grants(client, "nobody1") == set()


async def test_merging_units_carries_roles_and_a_unit_with_roles_is_not_deleted(organiser, demo):
    fu, tx = await unit_id(organiser, "芙蓉区税务局"), await unit_id(organiser, "天心区税务局")
    await organiser.run(make_user, "r1", f"screener@{fu}", f"approver@{tx}")
    await organiser.run(make_user, "r2", f"screener@{fu}", f"screener@{tx}")
    await organiser.form("/organiser/units/", {"name": "空单位", "parent": ""})
    empty = await unit_id(organiser, "空单位")
    await organiser.run(make_user, "r3", f"screener@{empty}")
    refused = await organiser.form(f"/organiser/units/{empty}/delete")
    assert refused.status_code == 409
    merged = await organiser.form(f"/organiser/units/{fu}/merge", {"target": str(tx), "confirm": "yes"})
    assert merged.status_code == 200
    assert await grants(organiser, "r1") == {("screener", tx), ("approver", tx)}
    assert await grants(organiser, "r2") == {("screener", tx)}  # held there already: not twice
