"""Organiser pages and the public agenda through AsyncTestClient: HTML forms, Chinese, errors."""

import re

from events import days
from tests.conftest import make_user, text_of


async def test_organiser_pages_redirect_to_login(client):
    response = await client.get("/organiser/", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=")


async def test_wrong_password_is_400_in_chinese(client):
    from tests.conftest import make_user

    await client.run(make_user, "organiser", "organiser")
    response = await client.form("/login", {"username": "organiser", "password": "nope-nope"})
    assert response.status_code == 400
    assert "用户名或密码" in response.text


async def test_login_with_foreign_next_stays_on_site(client):
    from tests.conftest import make_user

    await client.run(make_user, "organiser", "organiser")
    response = await client.form(
        "/login",
        {"username": "organiser", "password": "correct-horse-1", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/organiser/"


async def test_form_post_without_csrf_changes_nothing(organiser):
    response = await organiser.post("/organiser/events/new", data={"title": "x"})
    assert response.status_code == 403
    assert "税心" not in (await organiser.get("/organiser/")).text


async def test_create_event_through_form_and_see_dashboard(organiser):
    response = await organiser.form(
        "/organiser/events/new",
        {
            "title": "税心向党·书记说",
            "theme": "主题党日",
            "date": "2026-07-01",
            "start_time": "09:00",
            "end_time": "11:30",
            "timezone": "Asia/Shanghai",
            "venue": "长沙市税务局",
            "description": "",
            "theme_color": "#b71c1c",
            "slug": "shuixin-2026",
        },
    )
    assert response.status_code == 200
    page = text_of(response.text)
    assert "税心向党·书记说" in page
    assert "2026年7月1日" in page
    assert "议程" in page


async def test_event_form_errors_are_shown_per_field_in_chinese(organiser):
    response = await organiser.form(
        "/organiser/events/new",
        {
            "title": "",
            "date": "2026/07/01",
            "start_time": "9点",
            "end_time": "08:00",
            "timezone": "Asia/Shanghai",
            "theme_color": "#b71c1c",
            "slug": "x y",
        },
    )
    assert response.status_code == 400
    page = text_of(response.text)
    assert "2026-07-01" in page  # the date hint
    assert "HH:MM" in page
    assert "此项" in page or "必填" in page
    assert "/organiser/events/" not in str(response.url).replace("/organiser/events/new", "")


async def test_agenda_editor_add_items_and_see_times(organiser, demo):
    events = (await organiser.get("/api/events/")).json()
    event_id = events[0]["id"]
    page = (await organiser.get(f"/organiser/events/{event_id}")).text
    assert "37℃学习法" in page
    assert "09:10" in text_of(page)  # first talk after a 10-minute opening
    response = await organiser.form(
        f"/organiser/events/{event_id}/items", {"kind": "break", "duration": "0", "title": ""}
    )
    assert response.status_code == 400
    assert "1" in text_of(response.text) and "480" in text_of(response.text)
    response = await organiser.form(
        f"/organiser/events/{event_id}/items", {"kind": "remarks", "duration": "15", "title": "领导讲话"}
    )
    assert response.status_code == 200
    assert "领导讲话" in response.text


async def test_move_item_down_without_javascript(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    before = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    await organiser.form(f"/organiser/events/{event_id}/items/{before[0]['id']}/move", {"direction": "down"})
    after = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    assert [i["id"] for i in after[:2]] == [before[1]["id"], before[0]["id"]]
    assert after[0]["start"] == "09:00"


async def test_public_agenda_only_when_published(organiser, demo):
    page = await organiser.get("/e/shuixin-2026")
    assert page.status_code == 200
    text = text_of(page.text)
    for title in ("37℃学习法", "“三小”工作法", "“五微”工作法", "青年党员成长“三三制”工作法"):
        assert title in text
    assert "<title>税心向党·书记说" in page.text
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    await organiser.form(f"/organiser/events/{event_id}/status", {"status": "draft"})
    hidden = await organiser.get("/e/shuixin-2026")
    assert hidden.status_code == 404
    assert "尚未发布" in hidden.text or "不存在" in hidden.text


async def test_unknown_event_page_is_404_page_not_500(organiser):
    response = await organiser.get("/organiser/events/987654")
    assert response.status_code == 404
    assert "<html" in response.text


async def test_english_when_browser_asks_for_it(client, demo):
    page = await client.get("/e/shuixin-2026", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Agenda" in page.text and 'lang="en"' in page.text
    switched = await client.get("/lang?to=zh_Hans_CN&next=/e/shuixin-2026", headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in switched.text


async def test_generate_page_replaces_agenda(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    methods = (await organiser.get("/api/methods/")).json()
    plan = {
        "method_ids": [str(methods[0]["id"]), str(methods[1]["id"])],
        "talk_minutes": "15",
        "qa_minutes": "5",
        "break_every": "0",
        "break_minutes": "10",
        "opening_minutes": "0",
        "closing_minutes": "0",
    }
    unconfirmed = await organiser.form(f"/organiser/events/{event_id}/generate", plan)
    assert unconfirmed.status_code == 400 and "替换当前议程" in text_of(unconfirmed.text)
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8  # untouched
    response = await organiser.form(f"/organiser/events/{event_id}/generate", {**plan, "replace": "yes"})
    assert response.status_code == 200
    agenda = (await organiser.get(f"/api/events/{event_id}/agenda")).json()
    assert [(i["kind"], i["start"]) for i in agenda["items"]] == [("presentation", "09:00"), ("presentation", "09:20")]
    empty = await organiser.form(
        f"/organiser/events/{event_id}/generate", {"talk_minutes": "15", "break_minutes": "10", "replace": "yes"}
    )
    assert empty.status_code == 400
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 2


async def test_public_agenda_shows_tbd_for_a_slot_without_method(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    await organiser.api("POST", f"/api/events/{event_id}/agenda/items", {"kind": "presentation", "duration": 10})
    page = text_of((await organiser.get("/e/shuixin-2026")).text)
    assert "待定" in page and "未选择" not in page


async def test_deleting_an_event_needs_the_tick(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    assert (await organiser.form(f"/organiser/events/{event_id}/delete", {})).status_code == 400
    assert (await organiser.get(f"/api/events/{event_id}")).status_code == 200
    await organiser.form(f"/organiser/events/{event_id}/delete", {"confirm": "yes"})
    assert (await organiser.get(f"/api/events/{event_id}")).status_code == 404


# -- nothing lost --------------------------------------------------------------------------


async def test_generate_page_talk_and_qa_over_480_minutes_is_400_with_a_message(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    methods = (await organiser.get("/api/methods/")).json()
    response = await organiser.form(
        f"/organiser/events/{event_id}/generate",
        {
            "method_ids": [str(methods[0]["id"])],
            "talk_minutes": "480",
            "qa_minutes": "120",
            "break_minutes": "10",
            "replace": "yes",
        },
    )
    assert response.status_code == 400
    assert "480" in text_of(response.text)
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8


async def test_generate_page_keeps_feedback_or_refuses_naming_the_method(organiser, demo):
    from events.tables import Feedback

    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    talks = [
        i
        for i in (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
        if i["kind"] == "presentation"
    ]
    await organiser.run(lambda: Feedback.insert(Feedback(event=event_id, item=talks[0]["id"], device="d1", rating=5)))
    plan = {
        "talk_minutes": "15",
        "qa_minutes": "5",
        "break_every": "0",
        "break_minutes": "10",
        "opening_minutes": "0",
        "closing_minutes": "0",
        "replace": "yes",
    }
    refused = await organiser.form(
        f"/organiser/events/{event_id}/generate", {**plan, "method_ids": [str(talks[1]["method_id"])]}
    )
    assert refused.status_code == 409
    assert talks[0]["title"] in text_of(refused.text) and "评价" in text_of(refused.text)
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8
    kept = await organiser.form(
        f"/organiser/events/{event_id}/generate",
        {**plan, "method_ids": [str(talks[1]["method_id"]), str(talks[0]["method_id"])]},
    )
    assert kept.status_code == 200
    items = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    assert [i["id"] for i in items] == [talks[1]["id"], talks[0]["id"]]
    assert await organiser.run(lambda: Feedback.count().where(Feedback.item == talks[0]["id"])) == 1
    confirmed = await organiser.form(
        f"/organiser/events/{event_id}/generate", {**plan, "method_ids": [str(talks[1]["method_id"])], "drop": "yes"}
    )
    assert confirmed.status_code == 200
    assert [i["id"] for i in (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]] == [
        talks[1]["id"]
    ]
    assert await organiser.run(lambda: Feedback.count().where(Feedback.event == event_id)) == 0


async def test_two_organisers_editing_one_item_the_second_save_is_409(organiser, demo):
    import re

    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    item = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"][0]
    page = (await organiser.get(f"/organiser/events/{event_id}")).text
    loaded = re.search(
        rf'action="/organiser/events/{event_id}/items/{item["id"]}/update".*?name="version" value="(\d+)"', page, re.S
    ).group(1)
    form = {"kind": "opening", "title": "开场", "version": loaded}
    first = await organiser.form(f"/organiser/events/{event_id}/items/{item['id']}/update", {**form, "duration": "12"})
    assert first.status_code == 200
    second = await organiser.form(f"/organiser/events/{event_id}/items/{item['id']}/update", {**form, "duration": "30"})
    assert second.status_code == 409 and "其他人" in text_of(second.text)
    assert (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"][0]["duration"] == 12


async def test_two_organisers_editing_one_event_the_second_save_is_409(organiser, demo):
    import re

    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    page = (await organiser.get(f"/organiser/events/{event_id}/edit")).text
    loaded = re.search(r'name="version" value="(\d+)"', page).group(1)
    form = {
        "title": "税心向党·书记说",
        "date": "2026-07-01",
        "start_time": "09:00",
        "end_time": "11:30",
        "timezone": "Asia/Shanghai",
        "theme_color": "#b71c1c",
        "slug": "shuixin-2026",
        "version": loaded,
    }
    assert (
        await organiser.form(f"/organiser/events/{event_id}/edit", {**form, "venue": "一号会议室"})
    ).status_code == 200
    stale = await organiser.form(f"/organiser/events/{event_id}/edit", {**form, "venue": "二号会议室"})
    assert stale.status_code == 409 and "其他人" in text_of(stale.text)
    assert (await organiser.get(f"/api/events/{event_id}")).json()["venue"] == "一号会议室"


async def test_a_deleted_event_is_hidden_and_an_admin_restores_it_on_the_admin_page(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    await organiser.form(f"/organiser/events/{event_id}/delete", {"confirm": "yes"})
    assert "税心向党" not in text_of((await organiser.get("/organiser/")).text)
    assert (await organiser.get(f"/organiser/events/{event_id}")).status_code == 404
    assert (await organiser.get("/e/shuixin-2026")).status_code == 404
    assert "税心向党" not in text_of((await organiser.get("/")).text)
    assert (await organiser.get("/admin/events/", follow_redirects=False)).status_code in (302, 303, 401, 403)
    await organiser.run(make_user, "root", "admin")
    await organiser.form("/login", {"username": "root", "password": "correct-horse-1"})
    listing = text_of((await organiser.get("/admin/events/")).text)
    assert "税心向党·书记说" in listing
    restored = await organiser.form(f"/admin/events/{event_id}/restore")
    assert restored.status_code == 200
    # an admin-only user is not sent to pages that refuse them (the units page is theirs too)
    assert not re.search(r'href="/organiser/(?!units/)', restored.text)
    assert (await organiser.get("/e/shuixin-2026")).status_code == 200
    await organiser.form("/login", {"username": "organiser", "password": "correct-horse-1"})
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8


async def test_an_event_deleted_over_30_days_ago_cannot_be_restored_and_is_purged(organiser, demo):
    import datetime as dt

    from events.tables import AgendaItem, Event

    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    await organiser.form(f"/organiser/events/{event_id}/delete", {"confirm": "yes"})
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    await organiser.run(lambda: Event.update({Event.deleted_at: long_ago}).where(Event.id == event_id))
    await organiser.run(make_user, "root", "admin")
    await organiser.form("/login", {"username": "root", "password": "correct-horse-1"})
    assert "税心向党·书记说" not in text_of((await organiser.get("/admin/events/")).text)
    late = await organiser.form(f"/admin/events/{event_id}/restore")
    assert late.status_code == 404 and "30" in text_of(late.text)
    assert await organiser.run(days.purge_deleted_events) == 1
    assert await organiser.run(lambda: AgendaItem.count().where(AgendaItem.event == event_id)) == 0
    await organiser.form("/login", {"username": "organiser", "password": "correct-horse-1"})
    created = await organiser.api(
        "POST",
        "/api/events/",
        {"title": "新活动", "date": "2026-08-01", "start_time": "09:00", "end_time": "10:00", "slug": "shuixin-2026"},
    )
    assert created.status_code == 201 and created.json()["id"] > event_id


async def test_a_deleted_event_is_gone_from_every_page_its_links_and_the_scanner(organiser, demo):
    import re

    from events.checkin import queries as cq
    from events.tables import Attendee
    from tests.events.slides.test_slides import demo_slots, portal_link

    slots = await demo_slots(organiser)
    event_id = slots["event"]
    portal = await portal_link(organiser, event_id, slots["presenters"][0])
    await organiser.run(cq.add_attendees, event_id, [{"name": "彭强", "unit": "雨花区税务局"}])
    code = (await organiser.run(lambda: Attendee.select(Attendee.ticket_code).first()))["ticket_code"]
    assert (await organiser.get(f"/t/{code}")).status_code == 200
    await organiser.form(f"/organiser/events/{event_id}/delete", {"confirm": "yes"})
    for url in (
        "/e/shuixin-2026",
        "/e/shuixin-2026/checkin",
        "/e/shuixin-2026/feedback",
        "/e/shuixin-2026/agenda.ics",
        "/e/shuixin-2026/schedule.json",
        "/e/shuixin-2026/programme.pdf",
        f"/t/{code}",
        f"/organiser/events/{event_id}/stage",
        f"/organiser/events/{event_id}/slides/",
        f"/organiser/events/{event_id}/attendees",
        f"/api/events/{event_id}/agenda",
    ):
        assert (await organiser.get(url)).status_code == 404, url
    assert (await organiser.scan(event_id, {"code": code})).status_code == 404
    page = await organiser.get(portal)
    assert page.status_code == 200 and not re.search(rf"/summary/{slots['items'][0]}\b", page.text)
    assert (await organiser.form(f"{portal}/summary/{slots['items'][0]}", {"summary": "改"})).status_code == 404


async def test_agenda_warning_quotes_a_quoted_method_title_once(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    method = next(m for m in (await organiser.get("/api/methods/")).json() if m["title"] == "“五微”工作法")
    await organiser.api(
        "POST",
        f"/api/events/{event_id}/agenda/items",
        {"kind": "presentation", "duration": 10, "method_id": method["id"]},
    )
    page = text_of((await organiser.get(f"/organiser/events/{event_id}")).text)
    assert "“‘五微’工作法”尚未指定汇报人。" in page
    assert "““" not in page and "””" not in page
    warnings = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["warnings"]
    assert "“‘五微’工作法”尚未指定汇报人。" in [w["message"] for w in warnings]


async def test_presenter_choices_read_name_role_unit_without_nested_brackets(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    page = (await organiser.get(f"/organiser/events/{event_id}")).text
    assert ">罗亿成 · 党建工作科科长 · 宁乡市税务局</option>" in page
    assert ">曾辉 · 党委书记、局长 · 长沙市税务局第二税务分局</option>" in page
    assert ">彭强 · 支部书记 · 雨花区税务局</option>" in page
    assert "（-，" not in page and "，）" not in page


async def test_event_form_without_an_address_makes_one_from_the_chinese_title(organiser):
    form = {
        "title": "税心向党·书记说",
        "date": "2026-07-01",
        "start_time": "09:00",
        "end_time": "11:30",
        "timezone": "Asia/Shanghai",
        "theme_color": "#b71c1c",
        "slug": "",
    }
    response = await organiser.form("/organiser/events/new", form)
    assert response.status_code == 200, text_of(response.text)
    edit = (await organiser.get(f"{response.url.path}/edit")).text
    assert 'value="shui-xin-xiang-dang-shu-ji-shuo"' in edit
    again = await organiser.form("/organiser/events/new", form)
    assert again.status_code == 200, text_of(again.text)
    slugs = sorted(e["slug"] for e in (await organiser.get("/api/events/")).json())
    assert slugs == ["shui-xin-xiang-dang-shu-ji-shuo", "shui-xin-xiang-dang-shu-ji-shuo-2"]
    new_form = text_of((await organiser.get("/organiser/events/new")).text)
    assert "留空" in new_form


async def test_removing_an_agenda_item_asks_first(organiser, demo):
    event_id = (await organiser.get("/api/events/")).json()[0]["id"]
    items = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    talk = next(i for i in items if i["title"] == "“三小”工作法")
    dashboard = (await organiser.get(f"/organiser/events/{event_id}")).text
    assert f'href="/organiser/events/{event_id}/items/{talk["id"]}/delete"' in dashboard
    # One click on the old button no longer removes anything: it leads to the question.
    first = await organiser.form(f"/organiser/events/{event_id}/items/{talk['id']}/delete", {})
    assert first.status_code == 200
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == len(items)
    page = await organiser.get(f"/organiser/events/{event_id}/items/{talk['id']}/delete")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "“‘三小’工作法”" in text and "09:30" in text and "从议程中移除" in text and "取消" in text
    done = await organiser.form(f"/organiser/events/{event_id}/items/{talk['id']}/delete", {"confirm": "yes"})
    assert done.status_code == 200
    left = (await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]
    assert talk["id"] not in [i["id"] for i in left] and len(left) == len(items) - 1
    assert (await organiser.get(f"/organiser/events/{event_id}/items/{talk['id']}/delete")).status_code == 404
