"""The city's programme office: every bureau's pipeline side by side, by stage and by area,
drill-down to a bureau and to an application, and the "recommended to the city" mark that
puts a method first in the generator's and the weekly case's pick lists."""

from __future__ import annotations

import random
import re

from presenters.tables import Application, Area, Unit
from tests.conftest import text_of
from tests.presenters.review.test_review import FORM, log_in_as, open_call

STAGES = ["submitted", "returned", "screened", "approved", "rejected"]  # the columns, in the page's order


async def a_round(client, n: int = 40) -> list[dict]:
    """n applications over three bureaus and one sub-unit, at random stages and areas."""
    from presenters.review import queries as rq
    from presenters.units import queries as uq

    call, _area = await open_call(client)

    async def make():
        units = {r["name"]: r["id"] for r in await Unit.select(Unit.id, Unit.name)}
        sub = await uq.add_unit("定王台税务分局", "定王台", units["芙蓉区税务局"])
        places = [
            ("芙蓉区税务局", units["芙蓉区税务局"]),
            ("定王台税务分局", sub),
            ("天心区税务局", units["天心区税务局"]),
            ("雨花区税务局", units["雨花区税务局"]),
        ]
        areas = [a["id"] for a in await Area.select(Area.id).order_by(Area.position)]
        rnd = random.Random(11)
        for i in range(n):
            name, unit = rnd.choice(places)
            values = {**FORM, "title": f"工作法{i:02d}", "unit": name, "org_unit": unit, "area": rnd.choice(areas)}
            row = await rq.submit(call, values)
            await Application.update({Application.stage: rnd.choice(STAGES)}).where(Application.id == row["id"])
        return await Application.select(
            Application.id,
            Application.title,
            Application.stage,
            Application.org_unit,
            Application.area.name.as_alias("area"),
        )

    return await client.run(make)


def table_rows(html: str, heading: str) -> dict[str, list[int]]:
    """The rows of the table after ``heading``: first cell's text -> the numbers."""
    part = html[html.index(heading) :]
    part = part[: part.index("</table>")]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S)[1:]:
        cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if cells and all(c.isdecimal() for c in cells[1:]):
            rows[cells[0]] = [int(c) for c in cells[1:]]
    return rows


async def test_every_bureau_side_by_side_counts_as_an_independent_count(organiser, demo):
    made = await a_round(organiser)
    units = {r["id"]: r["name"] for r in await organiser.run(lambda: Unit.select(Unit.id, Unit.name))}
    bureau = {name: name for name in units.values()} | {"定王台税务分局": "芙蓉区税务局"}
    expected: dict[str, list[int]] = {}
    for row in made:
        counts = expected.setdefault(bureau[units[row["org_unit"]]], [0] * 6)
        counts[STAGES.index(row["stage"])] += 1
        counts[5] += 1
    page = await organiser.get("/organiser/calls/overview")
    assert page.status_code == 200
    assert table_rows(page.text, "各局进度对比") == expected
    by_area = table_rows(page.text[page.text.index("各局进度对比") :], "按领域")
    for name, counts in expected.items():
        assert sum(by_area[name]) == counts[5]


async def test_drill_down_to_a_bureau_then_its_sub_unit_then_an_application(organiser, demo):
    made = await a_round(organiser)
    fu = (await organiser.run(lambda: Unit.select(Unit.id).where(Unit.name == "芙蓉区税务局").first()))["id"]
    page = await organiser.get("/organiser/calls/overview")
    assert f'href="/organiser/calls/overview?unit={fu}"' in page.text
    bureau = await organiser.get(f"/organiser/calls/overview?unit={fu}")
    assert bureau.status_code == 200
    rows = table_rows(bureau.text, "芙蓉区税务局下属单位进度对比")
    sub = (await organiser.run(lambda: Unit.select(Unit.id).where(Unit.name == "定王台税务分局").first()))["id"]
    mine = [r for r in made if r["org_unit"] in (fu, sub)]
    assert sum(r[5] for r in rows.values()) == len(mine)
    assert set(rows) <= {"芙蓉区税务局", "定王台税务分局"}
    listed = set(re.findall(r'href="/organiser/calls/applications/(\d+)"', bureau.text))
    assert listed == {str(r["id"]) for r in mine}
    assert (await organiser.get("/organiser/calls/overview?unit=abc")).status_code == 200  # no such filter: all
    assert (await organiser.get("/organiser/calls/overview?unit=99999")).status_code == 404


async def test_a_bureau_organiser_cannot_drill_into_a_sibling_bureau(client, demo):
    await a_round(client, 12)
    ids = {r["name"]: r["id"] for r in await client.run(lambda: Unit.select(Unit.id, Unit.name))}
    await log_in_as(client, "org-fr", f"organiser@{ids['芙蓉区税务局']}")
    assert (await client.get(f"/organiser/calls/overview?unit={ids['天心区税务局']}")).status_code == 404
    assert (await client.get(f"/organiser/calls/applications.csv?unit={ids['天心区税务局']}")).status_code == 404
    page = await client.get("/organiser/calls/overview")
    assert "天心区税务局" not in table_rows(page.text, "各局进度对比")


async def test_recommending_an_approved_method_puts_it_first_for_the_city(organiser, demo):
    made = await a_round(organiser)
    pending = next(r for r in made if r["stage"] != "approved")

    # approval puts the method into the pool: approve two the real way
    from presenters.review import queries as rq

    async def approve_two():
        ids = []
        for row in await Application.select().where(Application.stage == "submitted").limit(2):
            await rq.move(row["id"], row["version"], "screen", {"screener"}, "s", "")
            await rq.move(row["id"], row["version"] + 1, "approve", {"approver"}, "a", "")
            ids.append(row["id"])
        return ids

    first, second = await organiser.run(approve_two)
    refused = await organiser.form(f"/organiser/calls/applications/{pending['id']}/recommend", {"recommended": "yes"})
    assert refused.status_code == 409
    done = await organiser.form(f"/organiser/calls/applications/{second}/recommend", {"recommended": "yes"})
    assert done.status_code == 200 and "已推荐至市局" in text_of(done.text)
    title = (
        await organiser.run(lambda: Application.select(Application.title).where(Application.id == second).first())
    )["title"]
    featured = await organiser.get("/organiser/featured/")
    options = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', featured.text)
    assert options[0].startswith("★ " + title)
    events = await organiser.get("/organiser/")
    event_id = re.search(r"/organiser/events/(\d+)", events.text).group(1)
    generate = await organiser.get(f"/organiser/events/{event_id}/generate")
    titles = re.findall(r"<strong>([^<]+)</strong>", generate.text)
    assert titles[0] == title and "★ 已推荐至市局" in text_of(generate.text)
    back = await organiser.form(f"/organiser/calls/applications/{second}/recommend", {"recommended": "no"})
    assert back.status_code == 200 and "已推荐至市局" not in text_of(back.text)
