"""The events JSON API through AsyncTestClient, on the configured engine (SQLite or PostgreSQL)."""

import pytest

EVENT = {
    "title": "税心向党·书记说", "date": "2026-07-01", "start_time": "09:00", "end_time": "10:00",
    "slug": "shuixin-2026", "theme": "主题党日", "venue": "长沙市税务局", "timezone": "Asia/Shanghai",
}


async def make_method(client, title="37℃学习法", unit="芙蓉区税务局", branch="党建工作科党支部", presenter=None):
    b = (await client.api("POST", "/api/branches/", {"name": branch, "unit": unit})).json()
    m = (await client.api("POST", "/api/methods/", {"title": title, "branch_id": b["id"]})).json()
    p = None
    if presenter:
        p = (await client.api("POST", "/api/presenters/", {"name": presenter, "role": "支部书记", "branch_id": b["id"]})).json()
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
    m2, p2 = await make_method(organiser, title="“三小”工作法", unit="天心区税务局", branch="文源税务所党支部", presenter="乙")
    base = f"/api/events/{event['id']}/agenda"
    await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 20, "method_id": m1["id"], "presenter_id": p1["id"]})
    await organiser.api("POST", f"{base}/items", {"kind": "break", "duration": 10})
    agenda = (await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 25, "method_id": m2["id"], "presenter_id": p2["id"]})).json()
    assert [(i["title"], i["start"], i["end"]) for i in agenda["items"]] == [
        ("37℃学习法", "09:00", "09:20"), (agenda["items"][1]["title"], "09:20", "09:30"), ("“三小”工作法", "09:30", "09:55"),
    ]
    assert agenda["warnings"] == []
    ids = [i["id"] for i in agenda["items"]]
    reordered = (await organiser.api("PUT", f"{base}/order", {"item_ids": [ids[2], ids[1], ids[0]]})).json()
    assert [(i["id"], i["start"]) for i in reordered["items"]] == [(ids[2], "09:00"), (ids[1], "09:25"), (ids[0], "09:35")]
    changed = (await organiser.api("PUT", f"{base}/items/{ids[1]}", {"kind": "break", "duration": 30})).json()
    assert changed["ends"] == "10:15"
    assert [w["code"] for w in changed["warnings"]] == ["overrun"]
    assert "15" in changed["warnings"][0]["message"]


async def test_agenda_warns_presenter_twice_and_missing_presenter(organiser):
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    m1, p1 = await make_method(organiser, presenter="彭强")
    m2, _ = await make_method(organiser, title="“五微”工作法")
    base = f"/api/events/{event['id']}/agenda"
    await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": m1["id"], "presenter_id": p1["id"]})
    await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": m2["id"], "presenter_id": p1["id"]})
    agenda = (await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": m2["id"]})).json()
    codes = sorted(w["code"] for w in agenda["warnings"])
    assert codes == ["missing_presenter", "presenter_twice"]


async def test_generate_from_methods(organiser):
    event = (await organiser.api("POST", "/api/events/", {**EVENT, "end_time": "12:00"})).json()
    methods = [(await make_method(organiser, title=f"工作法{i}", branch=f"第{i}党支部", presenter=f"书记{i}"))[0] for i in range(4)]
    agenda = (await organiser.api("POST", f"/api/events/{event['id']}/agenda/generate", {
        "method_ids": [m["id"] for m in methods], "talk_minutes": 15, "qa_minutes": 5, "break_every": 2,
        "break_minutes": 10, "opening_minutes": 10, "closing_minutes": 10,
    })).json()
    assert [i["kind"] for i in agenda["items"]] == ["opening", "presentation", "presentation", "break", "presentation", "presentation", "closing"]
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
    assert (await organiser.api("PUT", f"{base}/items/{item['id']}", {"kind": "break", "duration": duration})).status_code == 400
    agenda = (await organiser.get(base)).json()
    assert [(i["kind"], i["duration"]) for i in agenda["items"]] == [("opening", 10)]


async def test_unknown_ids_are_404_or_400(organiser):
    assert (await organiser.get("/api/events/999999")).status_code == 404
    assert (await organiser.get("/api/events/abc")).status_code in (400, 404)
    event = (await organiser.api("POST", "/api/events/", EVENT)).json()
    base = f"/api/events/{event['id']}/agenda"
    response = await organiser.api("POST", f"{base}/items", {"kind": "presentation", "duration": 10, "method_id": 424242})
    assert response.status_code == 400 and "method_id" in response.text
    assert (await organiser.api("PUT", f"{base}/items/99999", {"kind": "break", "duration": 5})).status_code == 404
    assert (await organiser.api("DELETE", f"{base}/items/99999")).status_code == 404
    assert (await organiser.api("PUT", f"{base}/order", {"item_ids": [1, 2, 3]})).status_code == 400
    assert (await organiser.api("POST", f"{base}/items", {"kind": "party", "duration": 5})).status_code == 400
    assert (await organiser.get(base)).json()["items"] == []


async def test_item_of_another_event_cannot_be_changed(organiser):
    a = (await organiser.api("POST", "/api/events/", EVENT)).json()
    b = (await organiser.api("POST", "/api/events/", {**EVENT, "slug": "other-day"})).json()
    item = (await organiser.api("POST", f"/api/events/{a['id']}/agenda/items", {"kind": "opening", "duration": 10})).json()["items"][0]
    response = await organiser.api("PUT", f"/api/events/{b['id']}/agenda/items/{item['id']}", {"kind": "break", "duration": 99})
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
