"""The agenda generator plans from one call's approved applications: the organiser picks the
call, the page lists exactly the methods approved in it (with area, unit, branch and status),
never the rejected or pending ones nor the rest of the pool, unless the organiser asks for
every method in the pool. Bad ?call= values answer 4xx with a message, never 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import text_of

OLD_CALL = "2025年支部工作法征集"
NEW_CALL = "2026年支部工作法征集"
EMPTY_CALL = "2027年党建品牌征集"
ARCHIVED_CALL = "2024年试点征集"
DEMO_METHODS = ("“37℃学习法”", "“三小”工作法", "“五微”工作法", "青年党员成长“三三制”工作法")


def application(title: str, branch: str, unit: str, area: int) -> dict:
    return {
        "branch_name": branch,
        "unit": unit,
        "secretary": "彭强",
        "contact": "13800001111",
        "title": title,
        "area": area,
        "summary": f"{title}的简介。",
        "highlights": "",
    }


async def reviewed(call_id: int, values: dict, outcome: str) -> int:
    """An application moved through the real review queries to ``outcome``."""
    from presenters.review import queries as rq

    row = await rq.submit(call_id, values)
    steps = {
        "submitted": [],
        "screened": [("screen", "screener")],
        "approved": [("screen", "screener"), ("approve", "approver")],
        "rejected": [("reject_at_screening", "screener")],
        "returned": [("return_at_screening", "screener")],
    }[outcome]
    for version, (action, role) in enumerate(steps, start=1):
        assert await rq.move(row["id"], version, action, {role}, role, "审核意见") is None
    return row["id"]


async def make_calls() -> dict[str, int]:
    """Next to the demo pool: an older call with one approved method, a newer call with two
    approved, one rejected, one returned, one submitted and one screened (waiting for
    approval), a newest call with nothing approved yet, and an archived call."""
    from presenters.review import queries as rq
    from presenters.tables import Area

    areas = {r["name"]: r["id"] for r in await Area.select(Area.id, Area.name)}
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    old = await rq.create_call(OLD_CALL, "", [], now - 400 * day, now - 300 * day)
    new = await rq.create_call(NEW_CALL, "", [], now - 10 * day, now + 10 * day)
    empty = await rq.create_call(EMPTY_CALL, "", [], now - day, now + 30 * day)
    archived = await rq.create_call(ARCHIVED_CALL, "", [], now - 800 * day, now - 700 * day)
    edu, merge, culture = areas["党员教育"], areas["党业融合"], areas["文化建设"]
    await reviewed(old, application("“老旧方法”工作法", "丁字税务分局党支部", "望城区税务局", culture), "approved")
    await reviewed(new, application("“红色引擎”工作法", "侯家塘税务分局党支部", "雨花区税务局", edu), "approved")
    await reviewed(new, application("“四心”服务法", "第二税务所党支部", "岳麓区税务局", merge), "approved")
    await reviewed(new, application("被否决的方法", "第三税务所党支部", "浏阳市税务局", edu), "rejected")
    await reviewed(new, application("退回修改的方法", "第四税务所党支部", "宁乡市税务局", edu), "returned")
    await reviewed(new, application("刚刚提交的方法", "第五税务所党支部", "望城区税务局", edu), "submitted")
    await reviewed(new, application("初审通过的方法", "第六税务所党支部", "芙蓉区税务局", edu), "screened")
    await reviewed(empty, application("尚在初审的方法", "第七税务所党支部", "开福区税务局", edu), "submitted")
    await reviewed(archived, application("归档征集的方法", "第八税务所党支部", "天心区税务局", edu), "approved")
    await rq.set_call_archived(archived, True)
    return {"old": old, "new": new, "empty": empty, "archived": archived}


@pytest.fixture
async def calls(organiser, demo) -> dict[str, int]:
    return await organiser.run(make_calls)


async def the_event(client) -> int:
    return (await client.get("/api/events/")).json()[0]["id"]


def listed(html: str) -> dict[str, str]:
    """The methods the page offers, by title: the visible text of each choice's label."""
    rows = re.findall(r'<label class="check method-choice">(.*?)</label>', html, re.S)
    found = {}
    for row in rows:
        assert 'name="method_ids"' in row
        title = text_of(re.search(r"<strong>(.*?)</strong>", row, re.S).group(1)).strip()
        found[title] = text_of(row).strip()
    return found


def method_ids(html: str) -> dict[str, str]:
    """The checkbox value of each listed method, by title."""
    rows = re.findall(r'<label class="check method-choice">(.*?)</label>', html, re.S)
    return {
        text_of(re.search(r"<strong>(.*?)</strong>", r, re.S).group(1)).strip(): re.search(
            r'name="method_ids" value="(\d+)"', r
        ).group(1)
        for r in rows
    }


def selected_call(html: str) -> str:
    select = re.search(r'<select name="call".*?</select>', html, re.S).group(0)
    return text_of(re.search(r"<option[^>]*selected[^>]*>(.*?)</option>", select, re.S).group(1)).strip()


async def test_the_newest_call_with_approved_methods_is_chosen_and_only_they_are_listed(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate")
    assert page.status_code == 200
    methods = listed(page.text)
    # the newest call has nothing approved yet: the one before it is chosen
    assert NEW_CALL in selected_call(page.text)
    assert set(methods) == {"“红色引擎”工作法", "“四心”服务法"}
    engine = methods["“红色引擎”工作法"]
    assert "党员教育" in engine and "雨花区税务局" in engine and "侯家塘税务分局党支部" in engine
    assert "已审定" in engine
    four = methods["“四心”服务法"]
    assert "党业融合" in four and "岳麓区税务局" in four and "第二税务所党支部" in four and "已审定" in four
    text = text_of(page.text)
    for absent in ("被否决的方法", "退回修改的方法", "刚刚提交的方法", "初审通过的方法", "“老旧方法”工作法"):
        assert absent not in text, absent
    for absent in DEMO_METHODS:  # named only in the note on the current agenda's other methods
        assert absent not in methods, absent
    assert "当前议程中还有不在此列表中的工作法" in text
    # every call in use is offered, with how many methods it has approved; the archived one is not
    select = re.search(r'<select name="call".*?</select>', page.text, re.S).group(0)
    assert f"{OLD_CALL}（已审定1项）" in text_of(select) and f"{NEW_CALL}（已审定2项）" in text_of(select)
    assert EMPTY_CALL in select and ARCHIVED_CALL not in select
    assert "全部工作法（工作法库共8项）" in text_of(select)
    # a plain GET form: changing the call works without JavaScript
    chooser = re.search(r"<form([^>]*)>(?:(?!</form>).)*<select name=\"call\"", page.text, re.S).group(1)
    assert 'method="get"' in chooser and f'action="/organiser/events/{event_id}/generate"' in chooser


async def test_choosing_a_call_lists_its_approved_methods(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate?call={calls['old']}")
    assert page.status_code == 200
    assert OLD_CALL in selected_call(page.text)
    methods = listed(page.text)
    assert set(methods) == {"“老旧方法”工作法"}
    assert "文化建设" in methods["“老旧方法”工作法"] and "望城区税务局" in methods["“老旧方法”工作法"]


async def test_a_call_with_nothing_approved_says_so_and_offers_the_pool(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate?call={calls['empty']}")
    assert page.status_code == 200
    assert listed(page.text) == {}
    text = text_of(page.text)
    assert "这次征集还没有审定通过的工作法" in text
    assert f'href="/organiser/events/{event_id}/generate?call=all"' in page.text


async def test_every_method_in_the_pool_when_asked_with_where_it_came_from(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate?call=all")
    assert page.status_code == 200
    assert "全部工作法" in selected_call(page.text)
    methods = listed(page.text)
    approved = {"“红色引擎”工作法", "“四心”服务法", "“老旧方法”工作法", "归档征集的方法"}
    assert set(methods) == {*DEMO_METHODS, *approved}
    assert "已审定" in methods["“红色引擎”工作法"] and NEW_CALL in methods["“红色引擎”工作法"]
    assert ARCHIVED_CALL in methods["归档征集的方法"]
    demo_row = methods["“37℃学习法”"]
    assert "芙蓉区税务局" in demo_row and "党员教育" in demo_row and "工作法库" in demo_row
    assert "已审定" not in demo_row
    # the demo agenda's methods are ticked, as before
    checked = re.findall(r'name="method_ids" value="(\d+)" checked', page.text)
    assert len(checked) == 4


async def test_generating_from_the_chosen_call(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate")
    ids = method_ids(page.text)
    assert f'<input type="hidden" name="call" value="{calls["new"]}">' in page.text
    plan = {
        "call": str(calls["new"]),
        "method_ids": [ids["“四心”服务法"], ids["“红色引擎”工作法"]],
        "talk_minutes": "15",
        "qa_minutes": "5",
        "break_every": "0",
        "break_minutes": "10",
        "opening_minutes": "0",
        "closing_minutes": "0",
        "replace": "yes",
    }
    response = await organiser.form(f"/organiser/events/{event_id}/generate", plan)
    assert response.status_code == 200
    items = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    assert [(i["kind"], i["method_title"], i["start"]) for i in items] == [
        ("presentation", "“四心”服务法", "09:00"),
        ("presentation", "“红色引擎”工作法", "09:20"),
    ]
    # the approved branch's presenter is proposed (the demo's 彭强 of 侯家塘税务分局党支部)
    assert items[1]["presenter"] == "彭强"
    again = await organiser.get(f"/organiser/events/{event_id}/generate")
    checked = set(re.findall(r'name="method_ids" value="(\d+)" checked', again.text))
    assert checked == {ids["“红色引擎”工作法"], ids["“四心”服务法"]}
    assert "已在议程" in listed(again.text)["“红色引擎”工作法"]


async def test_a_method_outside_the_chosen_call_is_refused_and_nothing_changes(organiser, calls):
    event_id = await the_event(organiser)
    pool = method_ids((await organiser.get(f"/organiser/events/{event_id}/generate?call=all")).text)
    plan = {
        "call": str(calls["new"]),
        "method_ids": [pool["“红色引擎”工作法"], pool["“37℃学习法”"]],
        "talk_minutes": "15",
        "break_minutes": "10",
        "replace": "yes",
    }
    refused = await organiser.form(f"/organiser/events/{event_id}/generate", plan)
    assert refused.status_code == 400
    assert "不在这次征集审定通过的工作法中" in text_of(refused.text)
    assert set(listed(refused.text)) == {"“红色引擎”工作法", "“四心”服务法"}  # the call's list again
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8
    # the same choice from the whole pool is fine
    pooled = await organiser.form(f"/organiser/events/{event_id}/generate", {**plan, "call": "all"})
    assert pooled.status_code == 200
    titles = [i["method_title"] for i in (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]]
    assert [t for t in titles if t in ("“红色引擎”工作法", "“37℃学习法”")] == ["“红色引擎”工作法", "“37℃学习法”"]


@pytest.mark.parametrize(
    "value, status, message",
    [
        ("abc", 400, "请从列表中选择一次征集"),
        ("-3", 400, "请从列表中选择一次征集"),
        ("1.5", 400, "请从列表中选择一次征集"),
        ("99999", 404, "没有这次征集"),
        ("99999999999999999999999", 404, "没有这次征集"),
        ("archived", 400, "这次征集已归档"),
    ],
)
async def test_a_bad_call_is_4xx_with_a_message_and_the_default_list(organiser, calls, value, status, message):
    event_id = await the_event(organiser)
    value = str(calls["archived"]) if value == "archived" else value
    page = await organiser.get(f"/organiser/events/{event_id}/generate?call={value}")
    assert page.status_code == status
    assert message in text_of(page.text)
    assert set(listed(page.text)) == {"“红色引擎”工作法", "“四心”服务法"}  # the default call's, to go on with
    posted = await organiser.form(
        f"/organiser/events/{event_id}/generate",
        {"call": value, "method_ids": ["1"], "talk_minutes": "15", "break_minutes": "10", "replace": "yes"},
    )
    assert posted.status_code == status and message in text_of(posted.text)
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8


async def test_a_bad_call_in_english(organiser, calls):
    event_id = await the_event(organiser)
    page = await organiser.get(
        f"/organiser/events/{event_id}/generate?call=abc", headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert page.status_code == 400 and "Choose a call from the list." in text_of(page.text)


async def test_without_approved_applications_the_pool_is_shown_as_before(organiser, demo):
    event_id = await the_event(organiser)
    page = await organiser.get(f"/organiser/events/{event_id}/generate")
    assert page.status_code == 200
    assert set(listed(page.text)) == set(DEMO_METHODS)
    assert "还没有审定通过的申报" in text_of(page.text)
    assert "全部工作法" in selected_call(page.text)
