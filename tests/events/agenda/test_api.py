"""The events JSON API through AsyncTestClient, on the configured engine (SQLite or PostgreSQL)."""

import pytest

from events import days

EVENT = {
    "title": "税心向党·书记说",
    "date": "2026-07-01",
    "start_time": "09:00",
    "end_time": "10:00",
    "slug": "shuixin-2026",
    "theme": "主题党日",
    "venue": "长沙市税务局",
    "timezone": "Asia/Shanghai",
}


async def make_method(client, title="37℃学习法", unit="芙蓉区税务局", branch="党建工作科党支部", presenter=None):
    b = (await client.api("POST", "/api/branches/", {"name": branch, "unit": unit})).json()
    m = (await client.api("POST", "/api/methods/", {"title": title, "branch_id": b["id"]})).json()
    p = None
    if presenter:
        p = (
            await client.api("POST", "/api/presenters/", {"name": presenter, "role": "支部书记", "branch_id": b["id"]})
        ).json()
    return m, p


async def test_api_requires_login(client):
    response = await client.get("/api/events/")
    assert response.status_code == 401


async def test_api_staff_role_cannot_plan(client):
    from tests.conftest import make_user

    await client.run(make_user, "doorman", "staff")
    await client.form("/login", {"username": "doorman", "password": "correct-horse-1"})
    assert (await client.get("/api/events/")).status_code == 403


async def test_create_event_and_read_back(organiser):
    response = await organiser.api("POST", "/api/events/", EVENT)
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["title"] == "税心向党·书记说"
    assert event["start_time"] == "09:00"
    assert event["public_url"].endswith("/e/shuixin-2026")
    again = await organiser.get(f"/api/events/{event['id']}")
    assert again.json() == event


async def test_agenda_times_and_reorder(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    m1, p1 = await make_method(organiser, presenter="甲")
    m2, p2 = await make_method(
        organiser, title="“三小”工作法", unit="天心区税务局", branch="文源税务所党支部", presenter="乙"
    )
    base = f"/api/events/{event['id']}/agenda"
    await organiser.api(
        "POST",
        f"{base}/items",
        {"kind": "presentation", "duration": 20, "method_id": m1["id"], "presenter_id": p1["id"]},
    )
    await organiser.api("POST", f"{base}/items", {"kind": "break", "duration": 10})
    agenda = (
        await organiser.api(
            "POST",
            f"{base}/items",
            {"kind": "presentation", "duration": 25, "method_id": m2["id"], "presenter_id": p2["id"]},
        )
    ).json()
    assert [(i["title"], i["start"], i["end"]) for i in agenda["items"]] == [
        ("37℃学习法", "09:00", "09:20"),
        (agenda["items"][1]["title"], "09:20", "09:30"),
        ("“三小”工作法", "09:30", "09:55"),
    ]
    assert agenda["warnings"] == []
    ids = [i["id"] for i in agenda["items"]]
    reordered = (await organiser.api("PUT", f"{base}/order", {"item_ids": [ids[2], ids[1], ids[0]]})).json()
    assert [(i["id"], i["start"]) for i in reordered["items"]] == [
        (ids[2], "09:00"),
        (ids[1], "09:25"),
        (ids[0], "09:35"),
    ]
    changed = (await organiser.api("PUT", f"{base}/items/{ids[1]}", {"kind": "break", "duration": 30})).json()
    assert changed["ends"] == "10:15"
    assert [w["code"] for w in changed["warnings"]] == ["overrun"]
    assert "15" in changed["warnings"][0]["message"]


async def test_agenda_warns_presenter_twice_and_missing_presenter(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    m1, p1 = await make_method(organiser, presenter="彭强")
    m2, _ = await make_method(organiser, title="“五微”工作法")
    base = f"/api/events/{event['id']}/agenda"
    await organiser.api(
        "POST",
        f"{base}/items",
        {"kind": "presentation", "duration": 10, "method_id": m1["id"], "presenter_id": p1["id"]},
    )
    await organiser.api(
        "POST",
        f"{base}/items",
        {"kind": "presentation", "duration": 10, "method_id": m2["id"], "presenter_id": p1["id"]},
    )
    agenda = (
        await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": m2["id"]})
    ).json()
    codes = sorted(w["code"] for w in agenda["warnings"])
    assert codes == ["missing_presenter", "presenter_twice"]


async def test_generate_from_methods(organiser):
    event = (await organiser.api("POST", "/api/events/", {**EVENT, "end_time": "12:00"})).json()
    methods = [
        (await make_method(organiser, title=f"工作法{i}", branch=f"第{i}党支部", presenter=f"书记{i}"))[0]
        for i in range(4)
    ]
    agenda = (
        await organiser.api(
            "POST",
            f"/api/events/{event['id']}/agenda/generate",
            {
                "method_ids": [m["id"] for m in methods],
                "talk_minutes": 15,
                "qa_minutes": 5,
                "break_every": 2,
                "break_minutes": 10,
                "opening_minutes": 10,
                "closing_minutes": 10,
            },
        )
    ).json()
    assert [i["kind"] for i in agenda["items"]] == [
        "opening",
        "presentation",
        "presentation",
        "break",
        "presentation",
        "presentation",
        "closing",
    ]
    assert agenda["items"][-1]["end"] == "10:50"
    assert all(i["presenter"] for i in agenda["items"] if i["kind"] == "presentation")
    assert agenda["warnings"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"date": "01/07/2026"}, "date"),
        ({"date": "2026-13-01"}, "date"),
        ({"start_time": "9am"}, "start_time"),
        ({"end_time": "08:00"}, "end_time"),
        ({"slug": "Bad Slug!"}, "slug"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"theme_color": "red"}, "theme_color"),
        ({"title": 42}, "title"),
    ],
)
async def test_create_event_bad_input_is_400_and_stores_nothing(organiser, change, field):
    response = await organiser.api("POST", "/api/events/", {**EVENT, **change})
    assert response.status_code == 400, response.text
    assert field in response.text
    assert (await organiser.get("/api/events/")).json() == []


async def test_slug_taken_is_409_and_first_event_unchanged(organiser):
    first = (await organiser.api("POST", "/api/events/", EVENT)).json()
    response = await organiser.api("POST", "/api/events/", {**EVENT, "title": "另一个活动"})
    assert response.status_code == 409
    assert [e["title"] for e in (await organiser.get("/api/events/")).json()] == [first["title"]]


@pytest.mark.parametrize("duration", [0, 10_000, -1, "ten"])
async def test_bad_duration_is_400_and_agenda_unchanged(organiser, duration):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    base = f"/api/events/{event['id']}/agenda"
    item = (await organiser.api("POST", f"{base}/items", {"kind": "opening", "duration": 10})).json()["items"][0]
    assert (await organiser.api("POST", f"{base}/items", {"kind": "break", "duration": duration})).status_code == 400
    assert (
        await organiser.api("PUT", f"{base}/items/{item['id']}", {"kind": "break", "duration": duration})
    ).status_code == 400
    agenda = (await organiser.get(base)).json()
    assert [(i["kind"], i["duration"]) for i in agenda["items"]] == [("opening", 10)]


async def test_unknown_ids_are_404_or_400(organiser):
    assert (await organiser.get("/api/events/999999")).status_code == 404
    assert (await organiser.get("/api/events/abc")).status_code in (400, 404)
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    base = f"/api/events/{event['id']}/agenda"
    response = await organiser.api(
        "POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": 424242}
    )
    assert response.status_code == 400 and "method_id" in response.text
    assert (await organiser.api("PUT", f"{base}/items/99999", {"kind": "break", "duration": 5})).status_code == 404
    assert (await organiser.api("DELETE", f"{base}/items/99999")).status_code == 404
    assert (await organiser.api("PUT", f"{base}/order", {"item_ids": [1, 2, 3]})).status_code == 400
    assert (await organiser.api("POST", f"{base}/items", {"kind": "party", "duration": 5})).status_code == 400
    assert (await organiser.get(base)).json()["items"] == []


async def test_item_of_another_event_cannot_be_changed(organiser):
    a = (await organiser.api("POST", "/api/events/", EVENT)).json()
    b = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "other-day"})).json()
    item = (
        await organiser.api("POST", f"/api/events/{a['id']}/agenda/items", {"kind": "opening", "duration": 10})
    ).json()["items"][0]
    response = await organiser.api(
        "PUT", f"/api/events/{b['id']}/agenda/items/{item['id']}", {"kind": "break", "duration": 99}
    )
    assert response.status_code == 404
    assert (await organiser.get(f"/api/events/{a['id']}/agenda")).json()["items"][0]["duration"] == 10


async def test_delete_event_removes_its_agenda(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    await organiser.api("POST", f"/api/events/{event['id']}/agenda/items", {"kind": "opening", "duration": 10})
    assert (await organiser.api("DELETE", f"/api/events/{event['id']}")).status_code == 204
    assert (await organiser.get(f"/api/events/{event['id']}/agenda")).status_code == 404


async def test_api_write_without_csrf_token_is_refused(organiser):
    response = await organiser.post("/api/events/", json=EVENT)
    assert response.status_code == 403
    assert (await organiser.get("/api/events/")).json() == []


async def test_openapi_schema_lists_typed_endpoints(organiser):
    schema = (await organiser.get("/api/schema/openapi.json")).json()
    assert "/api/events/{event_id}/agenda/order" in schema["paths"]
    assert "EventIn" in schema["components"]["schemas"]


# -- nothing lost: regeneration, stale saves, deletion --------------------------------------


async def keep_world(organiser, count=2):
    """An event generated from ``count`` methods, with feedback on the first talk, a vote for the
    second and a slide version on the first."""
    from events.tables import EventVote, Feedback, SlideVersion

    event = (await organiser.api("POST", "/api/events/", {**EVENT, "end_time": "12:00"})).json()
    titles = ["37℃学习法", "“三小”工作法", "“五微”工作法"]
    methods = [
        (await make_method(organiser, title=titles[i], branch=f"第{i}党支部", presenter=f"书记{i}"))[0]
        for i in range(count)
    ]
    agenda = (
        await organiser.api(
            "POST", f"/api/events/{event['id']}/agenda/generate", {"method_ids": [m["id"] for m in methods]}
        )
    ).json()
    talks = [i for i in agenda["items"] if i["kind"] == "presentation"]

    async def add():
        await Feedback.insert(Feedback(event=event["id"], item=talks[0]["id"], device="d1", rating=5, comment="很实用"))
        await EventVote.insert(EventVote(event=event["id"], device="d1", choice=talks[1]["id"], rating=4))
        await SlideVersion.insert(
            SlideVersion(
                event=event["id"], item=talks[0]["id"], version=1, sha256="0" * 64, size=9, filename="a.pdf", kind="pdf"
            )
        )

    await organiser.run(add)
    return event, methods, talks


async def kept_rows(organiser, event_id):
    from events.tables import EventVote, Feedback, SlideVersion

    async def read():
        return {
            "feedback": await Feedback.select(Feedback.item, Feedback.comment).where(Feedback.event == event_id),
            "votes": await EventVote.select(EventVote.choice).where(EventVote.event == event_id),
            "slides": await SlideVersion.select(SlideVersion.item).where(SlideVersion.event == event_id),
        }

    return await organiser.run(read)


async def test_generate_talk_and_qa_over_480_minutes_is_400_not_500(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    m, _ = await make_method(organiser)
    response = await organiser.api(
        "POST",
        f"/api/events/{event['id']}/agenda/generate",
        {"method_ids": [m["id"]], "talk_minutes": 400, "qa_minutes": 100},
    )
    assert response.status_code == 400, response.text
    assert "480" in response.text and "分钟" in response.text
    assert (await organiser.get(f"/api/events/{event['id']}/agenda")).json()["items"] == []


async def test_regenerate_keeps_feedback_votes_and_slides_by_method(organiser):
    event, methods, talks = await keep_world(organiser)
    before = await kept_rows(organiser, event["id"])
    response = await organiser.api(
        "POST",
        f"/api/events/{event['id']}/agenda/generate",
        {"method_ids": [methods[1]["id"], methods[0]["id"]], "talk_minutes": 25, "qa_minutes": 5, "opening_minutes": 0},
    )
    assert response.status_code == 201, response.text
    again = [i for i in response.json()["items"] if i["kind"] == "presentation"]
    assert [(i["id"], i["method_id"], i["duration"]) for i in again] == [
        (talks[1]["id"], methods[1]["id"], 30),
        (talks[0]["id"], methods[0]["id"], 30),
    ]
    assert await kept_rows(organiser, event["id"]) == before
    assert before["feedback"] == [{"item": talks[0]["id"], "comment": "很实用"}]


async def test_regenerate_refuses_to_drop_a_method_with_feedback_and_names_it(organiser):
    event, methods, talks = await keep_world(organiser, count=3)
    before = (await organiser.get(f"/api/events/{event['id']}/agenda")).json()
    response = await organiser.api(
        "POST", f"/api/events/{event['id']}/agenda/generate", {"method_ids": [methods[2]["id"]]}
    )
    assert response.status_code == 409, response.text
    assert "37℃学习法" in response.text and "“三小”工作法" in response.text and "评价" in response.text
    assert (await organiser.get(f"/api/events/{event['id']}/agenda")).json() == before
    rows = await kept_rows(organiser, event["id"])
    assert len(rows["feedback"]) == 1 and rows["votes"] == [{"choice": talks[1]["id"]}] and len(rows["slides"]) == 1
    confirmed = await organiser.api(
        "POST", f"/api/events/{event['id']}/agenda/generate", {"method_ids": [methods[2]["id"]], "drop_data": True}
    )
    assert confirmed.status_code == 201
    assert [i["method_id"] for i in confirmed.json()["items"] if i["kind"] == "presentation"] == [methods[2]["id"]]
    assert (await kept_rows(organiser, event["id"]))["feedback"] == []


async def test_stale_item_save_is_409_and_keeps_the_other_change(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    base = f"/api/events/{event['id']}/agenda"
    item = (await organiser.api("POST", f"{base}/items", {"kind": "break", "duration": 10})).json()["items"][0]
    first = await organiser.api(
        "PUT", f"{base}/items/{item['id']}", {"kind": "break", "duration": 15, "version": item["version"]}
    )
    assert first.status_code == 200 and first.json()["items"][0]["version"] == item["version"] + 1
    stale = await organiser.api(
        "PUT", f"{base}/items/{item['id']}", {"kind": "break", "duration": 30, "version": item["version"]}
    )
    assert stale.status_code == 409 and "其他人" in stale.text
    assert (await organiser.get(base)).json()["items"][0]["duration"] == 15
    by_header = await organiser.request(
        "PUT",
        f"{base}/items/{item['id']}",
        json={"kind": "break", "duration": 30},
        headers={"x-csrftoken": await organiser.csrf(), "If-Match": f'"{item["version"]}"'},
    )
    assert by_header.status_code == 409
    assert (await organiser.get(base)).json()["items"][0]["duration"] == 15


async def test_stale_event_save_is_409_and_keeps_the_other_change(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    first = await organiser.api(
        "PUT", f"/api/events/{event['id']}", {**EVENT, "venue": "一号会议室", "version": event["version"]}
    )
    assert first.status_code == 200 and first.json()["version"] == event["version"] + 1
    stale = await organiser.api(
        "PUT", f"/api/events/{event['id']}", {**EVENT, "title": "改名", "version": event["version"]}
    )
    assert stale.status_code == 409 and "其他人" in stale.text
    now = (await organiser.get(f"/api/events/{event['id']}")).json()
    assert (now["venue"], now["title"]) == ("一号会议室", EVENT["title"])


async def test_deleted_event_is_hidden_and_an_admin_restores_it_through_the_api(organiser):
    from tests.conftest import make_user

    event = (await organiser.api("POST", "/api/events/", {**EVENT, "status": "published"})).json()
    await organiser.api("POST", f"/api/events/{event['id']}/agenda/items", {"kind": "opening", "duration": 10})
    assert (await organiser.api("DELETE", f"/api/events/{event['id']}")).status_code == 204
    assert (await organiser.get("/api/events/")).json() == []
    assert (await organiser.get("/e/shuixin-2026")).status_code == 404
    assert (await organiser.api("POST", f"/api/events/{event['id']}/restore")).status_code == 403  # organisers cannot
    await organiser.run(make_user, "root", "admin")
    await organiser.form("/login", {"username": "root", "password": "correct-horse-1"})
    listed = (await organiser.get("/api/events/deleted")).json()
    assert [e["id"] for e in listed] == [event["id"]]
    restored = await organiser.api("POST", f"/api/events/{event['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert (await organiser.get(f"/api/events/{event['id']}/agenda")).status_code == 403  # the admin organises nothing
    await organiser.form("/login", {"username": "organiser", "password": "correct-horse-1"})
    assert len((await organiser.get(f"/api/events/{event['id']}/agenda")).json()["items"]) == 1
    assert (await organiser.get("/e/shuixin-2026")).status_code == 200


async def test_event_ids_are_never_reused_after_a_purge(organiser):
    import datetime as dt

    from events.tables import Event

    first = (await organiser.api("POST", "/api/events/", EVENT)).json()
    newest = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "second-day"})).json()
    await organiser.api("DELETE", f"/api/events/{newest['id']}")
    again = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "third-day"})).json()
    assert again["id"] > newest["id"] > first["id"]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    await organiser.api("DELETE", f"/api/events/{again['id']}")
    await organiser.run(
        lambda: Event.update({Event.deleted_at: long_ago}).where(Event.id.is_in([newest["id"], again["id"]]))
    )
    assert await organiser.run(days.purge_deleted_events) == 2
    later = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "fourth-day"})).json()
    assert later["id"] > again["id"]
    assert (await organiser.get(f"/api/events/{again['id']}")).status_code == 404


async def test_manage_purge_deleted_removes_events_deleted_over_30_days_ago(organiser):
    import datetime as dt
    import os
    import subprocess
    import sys

    from events.tables import AgendaItem, Event
    from settings import ROOT

    old = (await organiser.api("POST", "/api/events/", EVENT)).json()
    recent = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "recent-day"})).json()
    for event in (old, recent):
        await organiser.api("POST", f"/api/events/{event['id']}/agenda/items", {"kind": "opening", "duration": 10})
        await organiser.api("DELETE", f"/api/events/{event['id']}")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30, minutes=1)
    await organiser.run(lambda: Event.update({Event.deleted_at: long_ago}).where(Event.id == old["id"]))
    done = subprocess.run(
        [sys.executable, "manage.py", "purge-deleted"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 event" in done.stdout
    count = await organiser.run(lambda: AgendaItem.count().where(AgendaItem.event.is_in([old["id"], recent["id"]])))
    assert count == 1  # the recent one is still restorable, with its agenda


async def test_api_event_without_slug_gets_one_from_its_chinese_title_unique(organiser):
    body = {k: v for k, v in EVENT.items() if k != "slug"}
    first = await organiser.api("POST", "/api/events/", body)
    assert first.status_code == 201, first.text
    assert first.json()["slug"] == "shui-xin-xiang-dang-shu-ji-shuo"
    assert first.json()["public_url"].endswith("/e/shui-xin-xiang-dang-shu-ji-shuo")
    second = await organiser.api("POST", "/api/events/", {**body, "slug": ""})
    assert second.status_code == 201, second.text
    assert second.json()["slug"] == "shui-xin-xiang-dang-shu-ji-shuo-2"
    third = await organiser.api("POST", "/api/events/", body)
    assert third.json()["slug"] == "shui-xin-xiang-dang-shu-ji-shuo-3"
    # An edit without a slug keeps the public address it has (links are already out).
    edited = await organiser.api("PUT", f"/api/events/{second.json()['id']}", {**body, "title": "另一个标题"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["slug"] == "shui-xin-xiang-dang-shu-ji-shuo-2"


async def test_api_schema_documents_the_slug_as_optional(organiser):
    schema = (await organiser.get("/api/schema/openapi.json")).json()
    event_in = schema["components"]["schemas"]["EventIn"]
    assert "slug" not in event_in.get("required", [])
    assert "title" in str(event_in["properties"]["slug"]).lower()
