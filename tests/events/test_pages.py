"""Organiser pages and the public agenda through AsyncTestClient: HTML forms, Chinese, errors."""

from tests.conftest import text_of


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
        "/login", {"username": "organiser", "password": "correct-horse-1", "next": "//evil.example/x"}, follow_redirects=False
    )
    assert response.headers["location"] == "/organiser/"


async def test_form_post_without_csrf_changes_nothing(organiser):
    response = await organiser.post("/organiser/events/new", data={"title": "x"})
    assert response.status_code == 403
    assert "税心" not in (await organiser.get("/organiser/")).text


async def test_create_event_through_form_and_see_dashboard(organiser):
    response = await organiser.form("/organiser/events/new", {
        "title": "税心向党·书记说", "theme": "主题党日", "date": "2026-07-01", "start_time": "09:00", "end_time": "11:30",
        "timezone": "Asia/Shanghai", "venue": "长沙市税务局", "description": "", "theme_color": "#b71c1c", "slug": "shuixin-2026",
    })
    assert response.status_code == 200
    page = text_of(response.text)
    assert "税心向党·书记说" in page
    assert "2026年7月1日" in page
    assert "议程" in page


async def test_event_form_errors_are_shown_per_field_in_chinese(organiser):
    response = await organiser.form("/organiser/events/new", {
        "title": "", "date": "2026/07/01", "start_time": "9点", "end_time": "08:00", "timezone": "Asia/Shanghai",
        "theme_color": "#b71c1c", "slug": "x y",
    })
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
    response = await organiser.form(f"/organiser/events/{event_id}/items", {"kind": "break", "duration": "0", "title": ""})
    assert response.status_code == 400
    assert "1" in text_of(response.text) and "480" in text_of(response.text)
    response = await organiser.form(f"/organiser/events/{event_id}/items", {"kind": "remarks", "duration": "15", "title": "领导讲话"})
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
    plan = {"method_ids": [str(methods[0]["id"]), str(methods[1]["id"])], "talk_minutes": "15", "qa_minutes": "5",
            "break_every": "0", "break_minutes": "10", "opening_minutes": "0", "closing_minutes": "0"}
    unconfirmed = await organiser.form(f"/organiser/events/{event_id}/generate", plan)
    assert unconfirmed.status_code == 400 and "替换当前议程" in text_of(unconfirmed.text)
    assert len((await organiser.get(f"/api/events/{event_id}/agenda")).json()["items"]) == 8  # untouched
    response = await organiser.form(f"/organiser/events/{event_id}/generate", {**plan, "replace": "yes"})
    assert response.status_code == 200
    agenda = (await organiser.get(f"/api/events/{event_id}/agenda")).json()
    assert [(i["kind"], i["start"]) for i in agenda["items"]] == [("presentation", "09:00"), ("presentation", "09:20")]
    empty = await organiser.form(f"/organiser/events/{event_id}/generate", {"talk_minutes": "15", "break_minutes": "10", "replace": "yes"})
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
