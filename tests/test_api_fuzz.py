"""Property-based API testing with schemathesis against our own OpenAPI schema, on a real
server: whatever it sends, no 5xx, and every answer matches the schema."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _prepare as load_demo_and_organiser
from tests.servers import app_servers

EXAMPLES = 60  # per operation


@pytest.fixture(scope="module")
def api():
    asyncio.run(load_demo_and_organiser())
    with app_servers(1) as (base,):
        client = httpx.Client(base_url=base)
        client.get("/login")
        client.post(
            "/login",
            data={
                "username": "organiser",
                "password": PASSWORD,
                "next": "/",
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        token = client.post("/api/tokens", headers={"x-csrftoken": client.cookies["csrftoken"]}).json()["token"]
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        headers = {"Cookie": cookie, "x-csrftoken": client.cookies["csrftoken"], "Authorization": f"Bearer {token}"}
        raw = client.get("/api/schema/openapi.json").json()
        yield {"base": base, "headers": headers, "raw": raw}


CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance]


def test_api_never_fails_and_keeps_its_schema(api):
    loaded = schemathesis.openapi.from_url(f"{api['base']}/api/schema/openapi.json", headers=api["headers"])
    operations = [result.ok() for result in loaded.include(path_regex="^/api/").get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def one(case) -> None:
            response = case.call(headers=api["headers"])
            case.validate_response(response, checks=CHECKS)

        try:
            one()
        except Exception as exc:  # noqa: BLE001 - gathered, so every operation is tried
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
