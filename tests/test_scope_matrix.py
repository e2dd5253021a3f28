"""Authorization with a scope: for every route, someone whose role is held at one bureau sees
nothing of a sibling bureau's applications (someone else's application is a 404, lists and
exports leave it out), and the same role held at the city sees both. The routes come from
the app itself, so a new route is checked too. tests/test_scope_mutants.py shows that this
test fails when a scope filter is taken out of the code."""

from __future__ import annotations

import io

import pytest

from presenters.tables import Application, Unit
from tests.conftest import make_user
from tests.test_authorization import allowed, fill, routes, world

OURS, THEIRS = "甲局秘方", "乙局秘方"  # in the titles of applications not (yet) in the pool
STAGES = ("submitted", "screened", "returned")
SCOPED_ROLES = ("screener", "approver", "organiser")
# for a route naming an application, the one a role would see were it not for the scope
STAGE_OF_ROLE = {"screener": "submitted", "approver": "screened", "organiser": "returned"}


async def scoped_world(client) -> dict:
    """test_authorization's world, plus two bureaus' applications at every stage a review
    role acts on (and one approved each, whose method is in the city's pool)."""
    from presenters.review import queries as rq

    values = await world(client)
    units = {r["name"]: r["id"] for r in await Unit.select(Unit.id, Unit.name)}
    area = (await Application.select(Application.area).first())["area"]
    made: dict[str, dict[str, int]] = {}
    for marker, bureau in ((OURS, "芙蓉区税务局"), (THEIRS, "天心区税务局")):
        made[marker] = {}
        for number, stage in enumerate((*STAGES, "approved"), start=1):
            title = f"{marker}·{number}" if stage != "approved" else f"{bureau}公开的工作法"
            row = await rq.submit(
                values["call_id"],
                {
                    "branch_name": f"{bureau}第{number}党支部",
                    "unit": bureau,
                    "org_unit": units[bureau],
                    "secretary": "书记",
                    "contact": "13800000000",
                    "title": title,
                    "area": area,
                    "summary": "简介",
                    "highlights": "",
                },
            )
            if stage in ("screened", "approved"):
                await rq.move(row["id"], 1, "screen", {"screener"}, "s", "")
            if stage == "approved":
                await rq.move(row["id"], 2, "approve", {"approver"}, "a", "")
            if stage == "returned":
                await rq.move(row["id"], 1, "return_at_screening", {"screener"}, "s", "请补充")
            made[marker][stage] = row["id"]
    # an attachment on each (world() stored this file), so that its download answers too
    await Application.update(
        {
            Application.attachment_sha256: "0" * 64,
            Application.attachment_name: "方案.pdf",
            Application.attachment_kind: "pdf",
            Application.attachment_size: 9,
        },
        force=True,
    )
    return {**values, "units": units, "made": made}


def visible_text(response) -> str:
    """What a person sees of a response: the page, the CSV, or every cell of the workbook."""
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    if kind.startswith(("text/", "application/json")):
        return response.content.decode("utf-8-sig", errors="replace")
    return ""


async def versions(client) -> dict[int, int]:
    return {
        r["id"]: r["version"] for r in await client.run(lambda: Application.select(Application.id, Application.version))
    }


@pytest.mark.parametrize("where", ["bureau", "city"])
@pytest.mark.parametrize("role", SCOPED_ROLES)
async def test_a_role_at_a_bureau_sees_nothing_of_a_sibling_and_at_the_city_sees_both(client, role, where):
    values = await client.run(scoped_world, client)
    unit = values["units"]["芙蓉区税务局" if where == "bureau" else "国家税务总局长沙市税务局"]
    await client.run(make_user, f"{role}-{where}", f"{role}@{unit}")
    response = await client.form("/login", {"username": f"{role}-{where}", "password": "correct-horse-1", "next": "/"})
    assert response.status_code == 200
    csrf = await client.csrf()
    theirs = values["made"][THEIRS][STAGE_OF_ROLE[role]]
    target = {**values, "application_id": theirs, "unit_id": values["units"]["天心区税务局"]}
    seen_ours, seen_theirs, leaks, refused = set(), set(), [], []

    for path, method in routes(client.app):
        if method != "GET" or role not in allowed(path, method) or "{token" in path or path.endswith("/live"):
            continue
        response = await client.get(fill(path, target, role), follow_redirects=False)
        assert response.status_code < 500, f"{role}@{where} GET {path}: {response.status_code}"
        text = visible_text(response)
        if OURS in text:
            seen_ours.add(path)
        if THEIRS in text:
            seen_theirs.add(path)
        if "{application_id" in path:
            if where == "bureau" and response.status_code != 404:
                leaks.append(f"GET {path} → {response.status_code}")
            if where == "city" and response.status_code != 200:
                refused.append(f"GET {path} → {response.status_code}")

    # every change to someone else's application is refused as if it were not there
    before = await versions(client)
    for path, method in routes(client.app):
        if method != "POST" or role not in allowed(path, method) or "{application_id" not in path:
            continue
        url = fill(path, target, role)
        if where == "bureau":
            data = {"_csrf_token": csrf, "version": "2", "action": "approve", "recommended": "yes", "note": "好"}
            answer = await client.post(url, data=data, follow_redirects=False)
            if answer.status_code != 404:
                leaks.append(f"POST {path} → {answer.status_code}")
    if role != "organiser" and where == "bureau":
        bulk = await client.post("/review/bulk", data={"_csrf_token": csrf, "ids": [str(theirs)], "action": "screen"})
        assert bulk.status_code == 200 and "failed=1" in str(bulk.url), (
            f"{role}@{where} reached a sibling's applications: bulk → {bulk.status_code} {bulk.url}"
        )
    if where == "bureau":
        assert await versions(client) == before, "a sibling's application was changed"

    assert not leaks, f"{role}@{where} reached a sibling's applications: {leaks}"
    assert not refused, f"{role}@{where} was refused: {refused}"
    if where == "bureau":
        assert not seen_theirs, f"{role} at a bureau saw a sibling's applications on {sorted(seen_theirs)}"
    else:
        # every list that shows the viewer's bureau shows the sibling's too
        lists = {p for p in seen_ours if "{application_id" not in p}
        assert lists <= seen_theirs, (sorted(lists), sorted(seen_theirs))
    # the lists that should show the viewer's own applications do
    must = {"screener": "/review", "approver": "/review", "organiser": "/organiser/calls/overview"}[role]
    assert any(p.startswith(must) for p in seen_ours), (role, sorted(seen_ours))
