"""Each review step taken by the right unit: a role held at a bureau reaches that bureau's
subtree and nothing else; someone else's application is a 404, and counts are the viewer's."""

from __future__ import annotations

import csv
import io
import re

from presenters.tables import Application, Unit
from tests.conftest import text_of
from tests.presenters.review.test_review import FORM, log_in_as, open_call


async def unit_id(client, name: str) -> int:
    return (await client.run(lambda: Unit.select(Unit.id).where(Unit.name == name).first()))["id"]


async def applications(client) -> dict[str, dict]:
    rows = await client.run(lambda: Application.select())
    return {r["title"]: r for r in rows}


async def round_of_three(client) -> dict[str, dict]:
    """Two applications from 芙蓉区 (one under a sub-unit), one from 天心区 (typed by its short name)."""
    call, area = await open_call(client)
    if await client.run(lambda: Unit.count().where(Unit.name == "定王台税务分局")) == 0:
        await add_subunit(client)
    for title, unit in (("芙蓉甲法", "芙蓉区税务局"), ("芙蓉乙法", "定王台税务分局"), ("天心丙法", "天心区")):
        sent = await client.form(f"/calls/{call}", {**FORM, "title": title, "unit": unit, "area": str(area)})
        assert sent.status_code == 200, text_of(sent.text)[-300:]
    return await applications(client)


async def add_subunit(client) -> None:
    from presenters.units import queries as uq

    fu = await unit_id(client, "芙蓉区税务局")
    await client.run(uq.add_unit, "定王台税务分局", "定王台", fu)


async def test_the_form_takes_a_unit_from_the_tree_by_name_or_short_name_and_refuses_others(client, demo):
    call, area = await open_call(client)
    page = await client.get(f"/calls/{call}")
    assert re.search(r'<datalist id="unit-list">.*<option value="芙蓉区税务局">芙蓉区</option>', page.text, re.S)
    unknown = await client.form(f"/calls/{call}", {**FORM, "unit": "不存在的局", "area": str(area)})
    assert unknown.status_code == 400 and "这个单位不在列表中" in text_of(unknown.text)
    assert await applications(client) == {}
    short = await client.form(f"/calls/{call}", {**FORM, "unit": " 天心区 ", "area": str(area)})
    assert short.status_code == 200
    (row,) = (await applications(client)).values()
    assert row["unit"] == "天心区税务局" and row["org_unit"] == await unit_id(client, "天心区税务局")


async def test_a_bureau_screener_sees_and_moves_only_their_bureau(client, demo):
    await add_subunit(client)
    apps = await round_of_three(client)
    fu, tx = await unit_id(client, "芙蓉区税务局"), await unit_id(client, "天心区税务局")
    await log_in_as(client, "chushen-fr", f"screener@{fu}")
    queue = text_of((await client.get("/review/")).text)
    assert "芙蓉甲法" in queue and "芙蓉乙法" in queue and "天心丙法" not in queue  # the sub-unit's too
    theirs = apps["天心丙法"]
    assert (await client.get(f"/review/{theirs['id']}")).status_code == 404
    moved = await client.form(f"/review/{theirs['id']}", {"action": "screen", "version": "1"})
    assert moved.status_code == 404
    bulk = await client.form(
        "/review/bulk", {"ids": [str(apps["芙蓉甲法"]["id"]), str(theirs["id"])], "action": "screen"}
    )
    assert bulk.status_code == 200 and "failed=1" in str(bulk.url)
    after = await applications(client)
    assert after["芙蓉甲法"]["stage"] == "screened" and after["天心丙法"]["stage"] == "submitted"
    # the unit filter offers only their own units
    assert "天心区税务局" not in (await client.get("/review/")).text

    await log_in_as(client, "chushen-tx", f"screener@{tx}")
    queue = text_of((await client.get("/review/")).text)
    assert "天心丙法" in queue and "芙蓉乙法" not in queue
    assert (await client.get(f"/review/{apps['芙蓉乙法']['id']}")).status_code == 404


async def test_an_approver_at_one_bureau_and_a_screener_at_another_takes_each_step_only_there(client, demo):
    apps = await round_of_three(client)
    fu, tx = await unit_id(client, "芙蓉区税务局"), await unit_id(client, "天心区税务局")
    await log_in_as(client, "both", f"screener@{tx}", f"approver@{fu}")
    # 芙蓉甲法 is submitted: this person may not screen it (their screening is at 天心区)
    refused = await client.form(f"/review/{apps['芙蓉甲法']['id']}", {"action": "screen", "version": "1"})
    assert refused.status_code in (403, 404)
    assert (
        await client.form(f"/review/{apps['天心丙法']['id']}", {"action": "screen", "version": "1"})
    ).status_code == 200
    # …nor approve what they screened at 天心区: approving there is not theirs
    refused = await client.form(f"/review/{apps['天心丙法']['id']}", {"action": "approve", "version": "2"})
    assert refused.status_code == 403
    assert (await applications(client))["天心丙法"]["stage"] == "screened"


async def test_a_role_at_the_city_reaches_every_bureau(client, demo):
    apps = await round_of_three(client)
    city = await unit_id(client, "国家税务总局长沙市税务局")
    await log_in_as(client, "chushen-city", f"screener@{city}")
    queue = text_of((await client.get("/review/")).text)
    assert all(title in queue for title in apps)
    assert (await client.get(f"/review/{apps['天心丙法']['id']}")).status_code == 200


async def test_a_bureau_organiser_counts_and_exports_only_their_bureau(client, demo):
    apps = await round_of_three(client)
    fu = await unit_id(client, "芙蓉区税务局")
    await log_in_as(client, "org-fr", f"organiser@{fu}")
    overview = await client.get("/organiser/calls/overview")
    assert overview.status_code == 200
    text = text_of(overview.text)
    assert "芙蓉甲法" in text and "天心丙法" not in text
    exported = await client.get("/organiser/calls/applications.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert sorted(r[6] for r in rows[1:]) == ["芙蓉乙法", "芙蓉甲法"]  # its sub-unit's too
    assert (await client.get(f"/organiser/calls/applications/{apps['天心丙法']['id']}")).status_code == 404
    assert (await client.get(f"/organiser/calls/applications/{apps['芙蓉甲法']['id']}")).status_code == 200
    calls = text_of((await client.get("/organiser/calls/")).text)
    assert "天心丙法" not in calls


async def test_a_grant_taken_away_takes_the_queue_with_it(client, demo):
    await round_of_three(client)
    fu = await unit_id(client, "芙蓉区税务局")
    await log_in_as(client, "chushen-fr", f"screener@{fu}")
    assert "芙蓉甲法" in text_of((await client.get("/review/")).text)
    from accounts import queries as accounts
    from accounts.tables import UserRole

    tx = await unit_id(client, "天心区税务局")

    async def revoke():
        await UserRole.update({UserRole.unit: tx}).where(UserRole.unit == fu)
        accounts.forget_users()

    await client.run(revoke)
    assert "芙蓉甲法" not in text_of((await client.get("/review/")).text)
