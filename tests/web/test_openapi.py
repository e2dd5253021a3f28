"""What the OpenAPI schema (/api/schema/openapi.json) says, checked fact by fact: who may call
a route, what it can answer and in which media type, and what a request body may hold."""

from __future__ import annotations

import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def schema(organiser) -> dict:
    response = await organiser.get("/api/schema/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def operation(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][path][method.lower()]


def component(schema: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


async def test_public_routes_need_no_login(schema):
    for method, path in [
        ("GET", "/e/{slug}"),
        ("GET", "/e/{slug}/schedule.json"),
        ("GET", "/e/{slug}/programme.pdf"),
        ("GET", "/healthz"),
    ]:
        op = operation(schema, method, path)
        assert op["security"] == [], (method, path)
        assert "401" not in op["responses"] and "302" not in op["responses"], (method, path)


async def test_a_public_form_needs_the_csrf_pair_but_no_login(schema):
    assert operation(schema, "POST", "/e/{slug}/checkin")["security"] == [{"csrfCookie": [], "csrfHeader": []}]


async def test_organiser_api_routes_need_the_session_and_say_401_403(schema):
    read = operation(schema, "GET", "/api/events/{event_id}")
    assert read["security"] == [{"sessionCookie": []}]
    write = operation(schema, "PUT", "/api/events/{event_id}")
    assert write["security"] == [{"sessionCookie": [], "csrfCookie": [], "csrfHeader": []}]
    for op in (read, write):
        for status in ("401", "403", "404"):
            body = op["responses"][status]["content"]["application/json"]["schema"]
            assert component(schema, body)["required"] == ["detail", "status_code"]
    assert set(schema["components"]["securitySchemes"]) >= {"sessionCookie", "apiToken", "csrfCookie", "csrfHeader"}


async def test_organiser_pages_send_strangers_to_the_login_page(schema):
    op = operation(schema, "GET", "/organiser/events/{event_id}")
    assert op["security"] == [{"sessionCookie": []}]
    assert "Location" in op["responses"]["302"]["headers"]
    assert "401" not in op["responses"]
    assert list(op["responses"]["403"]["content"]) == ["text/html"]  # the error page, not JSON


async def test_the_scanners_api_takes_a_bearer_token(schema):
    op = operation(schema, "POST", "/api/events/{event_id}/checkins")
    assert op["security"] == [{"apiToken": []}]
    assert {"200", "201", "401", "403", "404", "409"} <= set(op["responses"])
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


async def test_conflicts_and_limits_are_documented(schema):
    assert "409" in operation(schema, "PUT", "/api/events/{event_id}")["responses"]
    assert "409" in operation(schema, "DELETE", "/api/methods/{row_id}")["responses"]
    assert "413" in operation(schema, "POST", "/organiser/events/{event_id}/attendees/import")["responses"]
    assert "429" in operation(schema, "POST", "/login")["responses"]
    assert "429" in operation(schema, "POST", "/e/{slug}/feedback/{item_id}")["responses"]
    assert "429" not in operation(schema, "POST", "/api/events")["responses"]


async def test_files_carry_their_real_media_types(schema):
    def success(method, path, status="200"):
        return set(operation(schema, method, path)["responses"][status]["content"])

    assert success("GET", "/organiser/events/{event_id}/handouts/booklet.pdf") == {"application/pdf"}
    assert success("GET", "/e/{slug}/programme.pdf") == {"application/pdf"}
    assert success("GET", "/organiser/events/{event_id}/attendance.xlsx") == {XLSX}
    assert success("GET", "/organiser/calls/applications.xlsx") == {XLSX}
    assert success("GET", "/organiser/events/{event_id}/feedback/results.csv") == {"text/csv"}
    assert success("GET", "/e/{slug}/agenda.ics") == {"text/calendar"}
    assert success("GET", "/e/{slug}/live") == {"text/event-stream"}
    assert success("GET", "/organiser/events/{event_id}/handouts/booklet.html") == {"text/html"}
    assert success("GET", "/e/{slug}") == {"text/html"}
    assert "application/pdf" in success("GET", "/p/{token}/slides/{number}")
    assert "304" in operation(schema, "GET", "/e/{slug}/programme.pdf")["responses"]
    schedule = operation(schema, "GET", "/e/{slug}/schedule.json")["responses"]["200"]["content"]["application/json"]
    assert schedule["schema"]["type"] == "object"  # the frab document, not a string
    upload = operation(schema, "POST", "/p/{token}/slides/{number}")["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"


async def test_one_url_is_one_path(schema):
    """OpenAPI holds paths alike but for their parameters' names to be one: the portal's
    upload (POST) and download (GET) of slides share /p/{token}/slides/{number}."""
    import re

    shapes = [re.sub(r"{[^}]*}", "{}", path) for path in schema["paths"]]
    assert len(shapes) == len(set(shapes)), sorted(s for s in shapes if shapes.count(s) > 1)


async def test_parameters_and_items_state_their_limits(schema):
    kind = operation(schema, "GET", "/organiser/catalog/{kind}")["parameters"][0]["schema"]
    assert kind["enum"] == ["areas", "branches", "methods", "presenters"]
    size = [p for p in operation(schema, "GET", "/e/{slug}/programme.pdf")["parameters"] if p["name"] == "size"]
    assert size[0]["schema"]["pattern"] == "^(?:[aA]4|[aA]5)?$"
    query = [p for p in operation(schema, "GET", "/api/events/{event_id}/attendees")["parameters"] if p["name"] == "q"]
    assert query[0]["schema"]["pattern"] == "^[^\\x00]*$"  # a NUL anywhere is refused (400)
    generate = component(schema, {"$ref": "#/components/schemas/GenerateIn"})
    assert generate["properties"]["method_ids"]["items"]["minimum"] == 1
    event_in = component(schema, {"$ref": "#/components/schemas/EventIn"})
    assert event_in["properties"]["date"]["pattern"].startswith("^(?:20")


async def test_a_body_that_refuses_unknown_fields_says_so(schema):
    body = operation(schema, "POST", "/api/events")["requestBody"]["content"]["application/json"]["schema"]
    event_in = component(schema, body)
    assert event_in["additionalProperties"] is False
    # the rules one field's own limits cannot state
    assert "end_time" in event_in["description"] and "start_time" in event_in["description"]


async def test_an_unknown_field_is_refused_with_a_message(organiser):
    response = await organiser.api("POST", "/api/areas", {"name": "Tax service", "colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.text


async def test_a_wrong_method_names_the_allowed_ones(organiser):
    """RFC 9110: a 405 says which methods the resource has (Allow)."""
    response = await organiser.request("TRACE", "/api/areas")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    page = await organiser.request("PATCH", "/organiser/")
    assert page.status_code == 405
    assert set(page.headers["allow"].replace(" ", "").split(",")) == {"GET", "OPTIONS"}
    assert "text/html" in page.headers["content-type"]


async def test_a_json_body_is_read_as_strictly_as_the_schema_says(organiser):
    """Found by schemathesis: the API took 0 for false and "15" for 15, which its schema
    refuses; now what the schema refuses is refused (400, naming the field)."""
    created = await organiser.api("POST", "/api/areas", {"name": "Strict", "position": 1})
    assert created.status_code == 201, created.text
    for body, field in (
        ({"name": "Strict 2", "position": "2"}, "position"),
        ({"name": "Strict 3", "position": True}, "position"),
        ({"name": 3}, "name"),
    ):
        response = await organiser.api("POST", "/api/areas", body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["extra"][0]["key"] == field, response.text
    event = await organiser.api(
        "POST", "/api/events", {"title": "Strict day", "date": "2030-05-01", "start_time": "09:00", "end_time": "11:00"}
    )
    assert event.status_code == 201, event.text
    plan = {"method_ids": [1], "drop_data": 0}
    response = await organiser.api("POST", f"/api/events/{event.json()['id']}/agenda/generate", plan)
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "drop_data", response.text


async def test_an_integral_number_is_an_integer_as_json_schema_says(organiser):
    response = await organiser.api("POST", "/api/areas", {"name": "Two", "position": 2.0})
    assert response.status_code == 201 and response.json()["position"] == 2, response.text
    response = await organiser.api("POST", "/api/areas", {"name": "Two and a half", "position": 2.5})
    assert response.status_code == 400, response.text


async def test_options_names_every_method_of_a_path(client):
    """Found by schemathesis: OPTIONS /login answered "Allow: OPTIONS, POST" (Litestar named
    the methods of whichever handler it met first), leaving GET out."""
    for path, methods in (
        ("/login", {"GET", "POST", "OPTIONS"}),
        ("/e/some-day/checkin", {"GET", "POST", "OPTIONS"}),
        ("/p/some-token/slides/1", {"GET", "POST", "OPTIONS"}),
        ("/healthz", {"GET", "OPTIONS"}),
    ):
        response = await client.options(path)
        assert response.status_code == 204, (path, response.status_code)
        assert set(response.headers["allow"].replace(" ", "").split(",")) == methods, (path, response.headers)
