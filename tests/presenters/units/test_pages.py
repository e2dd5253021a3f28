"""The tree of units over HTTP on the configured engine: organisers and admins build it, move
and merge units without losing a branch or an application, and import it from a spreadsheet."""

from __future__ import annotations

import re

from presenters.tables import Application, Branch, Unit
from tests.conftest import make_user, text_of
from tests.presenters.review.test_review import apply, log_in_as, open_call


async def units(client) -> dict[str, dict]:
    rows = await client.run(lambda: Unit.select())
    return {r["name"]: r for r in rows}


async def add(client, name: str, parent: int | None = None, short: str = "", expect: int = 200):
    response = await client.form(
        "/organiser/units/", {"name": name, "short_name": short, "parent": "" if parent is None else str(parent)}
    )
    assert response.status_code == expect, response.text
    return response


async def test_organiser_builds_the_tree_and_sees_it_indented_in_order(organiser):
    await add(organiser, "国家税务总局长沙市税务局", short="市局")
    city = (await units(organiser))["国家税务总局长沙市税务局"]["id"]
    await add(organiser, "天心区税务局", city, "天心区")
    await add(organiser, "芙蓉区税务局", city, "芙蓉区")
    fu = (await units(organiser))["芙蓉区税务局"]["id"]
    await add(organiser, "定王台税务分局", fu)
    page = await organiser.get("/organiser/units/")
    assert page.status_code == 200
    text = text_of(page.text)
    # depth-first, siblings by order then name: 天心 sorts before 芙蓉 by name (both order 0)
    order = [text.index(n) for n in ("国家税务总局长沙市税务局", "天心区税务局", "芙蓉区税务局", "定王台税务分局")]
    assert order == sorted(order)
    assert re.search(r'class="depth-2"><a href="/organiser/units/\d+">定王台税务分局', page.text)


async def test_same_name_under_the_same_parent_is_refused_in_chinese_and_nothing_added(organiser):
    await add(organiser, "市局")
    city = (await units(organiser))["市局"]["id"]
    await add(organiser, "芙蓉区税务局", city)
    again = await add(organiser, "芙蓉区税务局", city, expect=400)
    assert "同一上级单位下已有同名单位" in text_of(again.text)
    assert len(await units(organiser)) == 2


async def test_hostile_names_and_parents_get_a_400_and_store_nothing(organiser):
    for data in (
        {"name": "", "parent": ""},
        {"name": "长" * 10_000, "parent": ""},
        {"name": "局", "parent": "abc"},
        {"name": "局", "parent": "99999"},
        {"name": "局", "parent": "", "short_name": "短" * 31},
        {"name": "局", "parent": "", "position": "=1+1"},
    ):
        response = await organiser.form("/organiser/units/", data)
        assert response.status_code == 400, (data, response.status_code)
    assert await units(organiser) == {}
    stored = await add(organiser, '=HYPERLINK("x")\u200b\u202e局')
    assert stored.status_code == 200
    assert list(await units(organiser)) == ['=HYPERLINK("x")局']  # controls out, text kept as text


async def test_rename_carries_to_branches_and_a_move_under_its_own_subunit_is_refused(organiser, demo):
    tree = await units(organiser)
    fu = tree["芙蓉区税务局"]
    renamed = await organiser.form(
        f"/organiser/units/{fu['id']}",
        {"name": "长沙市芙蓉区税务局", "short_name": "芙蓉", "parent": str(fu["parent"]), "version": "1"},
    )
    assert renamed.status_code == 200
    branches = await organiser.run(lambda: Branch.select().where(Branch.org_unit == fu["id"]))
    assert branches and {b["unit"] for b in branches} == {"长沙市芙蓉区税务局"}
    city = tree["国家税务总局长沙市税务局"]
    loop = await organiser.form(
        f"/organiser/units/{city['id']}", {"name": city["name"], "parent": str(fu["id"]), "version": "1"}
    )
    assert loop.status_code == 400 and "不能移到自己或自己的下级单位之下" in text_of(loop.text)
    assert (await units(organiser))["国家税务总局长沙市税务局"]["parent"] is None


async def test_two_organisers_edit_one_unit_the_second_save_is_refused(organiser, demo):
    fu = (await units(organiser))["芙蓉区税务局"]
    form = {"name": "芙蓉区税务局（一）", "parent": str(fu["parent"]), "version": "1"}
    assert (await organiser.form(f"/organiser/units/{fu['id']}", form)).status_code == 200
    late = await organiser.form(f"/organiser/units/{fu['id']}", {**form, "name": "芙蓉区税务局（二）"})
    assert late.status_code == 409
    assert (await units(organiser))["芙蓉区税务局（一）"]["version"] == 2


async def test_merge_moves_branches_applications_and_subunits_then_the_old_unit_is_gone(organiser, demo):
    call, area = await open_call(organiser)
    await log_in_as(organiser, "applicant-helper", "organiser")
    await apply(organiser, call, area, unit="芙蓉区税务局")
    await apply(organiser, call, area, unit="芙蓉区税务局", title="“五微”工作法")

    # An old spelling became its own unit (as the migration makes them): fold it into the real one.
    tree = await units(organiser)
    city, fu = tree["国家税务总局长沙市税务局"]["id"], tree["芙蓉区税务局"]["id"]
    await add(organiser, "芙蓉区局", city)
    old = (await units(organiser))["芙蓉区局"]["id"]
    await add(organiser, "定王台税务分局", old)

    async def point_at_old():
        await Branch.update({Branch.org_unit: old, Branch.unit: "芙蓉区局"}).where(Branch.org_unit == fu)
        await Application.update({Application.org_unit: old, Application.unit: "芙蓉区局"}).where(
            Application.unit == "芙蓉区税务局"
        )
        return await Branch.count().where(Branch.org_unit == old), await Application.count().where(
            Application.org_unit == old
        )

    branches, applications = await organiser.run(point_at_old)
    assert branches == 1 and applications == 2

    unconfirmed = await organiser.form(f"/organiser/units/{old}/merge", {"target": str(fu)})
    assert unconfirmed.status_code == 400 and "芙蓉区局" in (await units(organiser))
    merged = await organiser.form(f"/organiser/units/{old}/merge", {"target": str(fu), "confirm": "yes"})
    assert merged.status_code == 200
    after = await units(organiser)
    assert "芙蓉区局" not in after and after["定王台税务分局"]["parent"] == fu

    async def counts():
        return (
            await Branch.count().where((Branch.org_unit == fu) & (Branch.unit == "芙蓉区税务局")),
            await Application.count().where((Application.org_unit == fu) & (Application.unit == "芙蓉区税务局")),
            await Branch.count(),
            await Application.count(),
        )

    assert await organiser.run(counts) == (1, 2, 7, 2)


async def test_merge_into_its_own_subunit_is_refused(organiser, demo):
    tree = await units(organiser)
    city, fu = tree["国家税务总局长沙市税务局"]["id"], tree["芙蓉区税务局"]["id"]
    refused = await organiser.form(f"/organiser/units/{city}/merge", {"target": str(fu), "confirm": "yes"})
    assert refused.status_code == 400
    assert len(await units(organiser)) == 10


async def test_only_an_empty_unit_is_deleted(organiser, demo):
    tree = await units(organiser)
    busy = await organiser.form(f"/organiser/units/{tree['芙蓉区税务局']['id']}/delete")
    assert busy.status_code == 409 and "只能删除空的单位" in text_of(busy.text)
    await add(organiser, "临时单位", tree["国家税务总局长沙市税务局"]["id"])
    empty = (await units(organiser))["临时单位"]["id"]
    assert (await organiser.form(f"/organiser/units/{empty}/delete")).status_code == 200
    assert "临时单位" not in await units(organiser)
    assert (await organiser.get(f"/organiser/units/{empty}")).status_code == 404


async def test_admin_may_edit_the_tree_reviewers_and_strangers_may_not(client, demo):
    assert (await client.get("/organiser/units/", follow_redirects=False)).status_code in (302, 303, 401)
    await log_in_as(client, "screener1", "screener")
    assert (await client.get("/organiser/units/")).status_code == 403
    assert (await client.form("/organiser/units/", {"name": "偷偷加的"})).status_code == 403
    await log_in_as(client, "admin1", "admin")
    page = await client.get("/organiser/units/")
    assert page.status_code == 200 and "芙蓉区税务局" in text_of(page.text)
    assert '<a href="/organiser/units/">' in page.text  # in the admin's menu
    assert "偷偷加的" not in await units(client)


CSV = (
    "单位名称,简称,上级单位\n"
    "国家税务总局长沙市税务局,市局,\n"
    "雨花区税务局,雨花区,市局\n"
    "侯家塘税务分局,,雨花区\n"
    "无主单位,,不存在的上级\n"
    ",,市局\n"
).encode("gbk")


async def test_import_page_says_which_columns_it_reads_before_a_file_is_chosen(organiser):
    page = await organiser.get("/organiser/units/import")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "单位名称" in text and "简称" in text and "上级单位" in text


async def test_import_previews_every_row_with_its_errors_then_adds_the_good_ones_once(organiser):
    preview = await organiser.post(
        "/organiser/units/import",
        files={"file": ("units.csv", CSV, "text/csv")},
        data={"_csrf_token": await organiser.csrf()},
    )
    assert preview.status_code == 200, preview.text
    text = text_of(preview.text)
    assert "共 5 行，其中 3 行可以导入" in text
    assert "上级单位既不在单位树中，也不在文件的前面几行" in text and "缺少单位名称" in text
    payload = re.search(r'name="payload" value="([^"]*)"', preview.text).group(1)
    import html

    body = {"payload": html.unescape(payload)}
    assert (await organiser.form("/organiser/units/import/confirm", body)).status_code == 200
    tree = await units(organiser)
    assert set(tree) == {"国家税务总局长沙市税务局", "雨花区税务局", "侯家塘税务分局"}
    assert tree["侯家塘税务分局"]["parent"] == tree["雨花区税务局"]["id"]
    assert tree["雨花区税务局"]["parent"] == tree["国家税务总局长沙市税务局"]["id"]
    again = await organiser.form("/organiser/units/import/confirm", body)
    assert again.status_code == 200 and len(await units(organiser)) == 3  # confirmed twice: added once


async def test_import_of_a_file_without_the_name_column_says_what_it_needs(organiser):
    bad = await organiser.post(
        "/organiser/units/import",
        files={"file": ("units.csv", "名字,上级\n甲,乙\n".encode(), "text/csv")},
        data={"_csrf_token": await organiser.csrf()},
    )
    assert bad.status_code == 400 and "单位名称" in text_of(bad.text)
    forged = await organiser.form("/organiser/units/import/confirm", {"payload": "{not json"})
    assert forged.status_code == 400
    assert await units(organiser) == {}


async def test_admin_only_user_made_by_manage_is_not_an_organiser(client):
    await client.run(make_user, "admin2", "admin")
    await client.form("/login", {"username": "admin2", "password": "correct-horse-1"})
    assert (await client.get("/organiser/")).status_code == 403
