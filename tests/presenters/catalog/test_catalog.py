"""Branches, methods, presenters and areas: pages and API, on the configured engine."""

import pytest

from tests.conftest import text_of


async def test_catalog_pages_need_login(client):
    response = await client.get("/organiser/catalog/branches", follow_redirects=False)
    assert response.status_code in (302, 303)


async def test_add_branch_method_presenter_through_forms(organiser):
    await organiser.form("/organiser/catalog/areas/new", {"name": "党员教育", "position": "1"})
    response = await organiser.form(
        "/organiser/catalog/branches/new", {"name": "侯家塘税务分局党支部", "unit": "雨花区税务局", "secretary": "彭强"}
    )
    assert response.status_code == 200 and "侯家塘税务分局党支部" in response.text
    branch = (await organiser.get("/api/branches/")).json()[0]
    area = (await organiser.get("/api/areas/")).json()[0]
    await organiser.form(
        "/organiser/catalog/methods/new",
        {
            "title": "“红色税苑”工作法",
            "branch_id": str(branch["id"]),
            "area_id": str(area["id"]),
            "summary": "以红色文化引领税收服务。",
        },
    )
    await organiser.form(
        "/organiser/catalog/presenters/new", {"name": "彭强", "role": "支部书记", "branch_id": str(branch["id"])}
    )
    methods = text_of((await organiser.get("/organiser/catalog/methods")).text)
    assert "“红色税苑”工作法" in methods and "雨花区税务局" in methods and "党员教育" in methods
    presenters = (await organiser.get("/api/presenters/")).json()
    assert [(p["name"], p["unit"]) for p in presenters] == [("彭强", "雨花区税务局")]


async def test_method_form_with_unknown_branch_is_400_and_stores_nothing(organiser):
    response = await organiser.form("/organiser/catalog/methods/new", {"title": "某工作法", "branch_id": "999"})
    assert response.status_code == 400
    assert "请从选项中选择" in text_of(response.text) or "选择" in text_of(response.text)
    assert (await organiser.get("/api/methods/")).json() == []


async def test_empty_and_too_long_names_are_refused_on_pages(organiser):
    response = await organiser.form("/organiser/catalog/branches/new", {"name": "", "unit": "x" * 101})
    assert response.status_code == 400
    page = text_of(response.text)
    assert "100" in page
    assert (await organiser.get("/api/branches/")).json() == []


async def test_edit_and_delete_branch(organiser):
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "文源税务所党支部", "unit": "天心区税务局"})
    ).json()
    await organiser.form(
        f"/organiser/catalog/branches/{branch['id']}/edit",
        {"name": "文源税务所党支部", "unit": "天心区税务局", "secretary": "某书记"},
    )
    assert (await organiser.get(f"/api/branches/{branch['id']}")).json()["secretary"] == "某书记"
    await organiser.form(f"/organiser/catalog/branches/{branch['id']}/delete")
    assert (await organiser.get(f"/api/branches/{branch['id']}")).status_code == 404


async def test_area_in_use_cannot_be_deleted(organiser):
    area = (await organiser.api("POST", "/api/areas/", {"name": "监督管理"})).json()
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "丁字税务分局党支部", "unit": "望城区税务局"})
    ).json()
    await organiser.api("POST", "/api/methods/", {"title": "工作法", "branch_id": branch["id"], "area_id": area["id"]})
    response = await organiser.api("DELETE", f"/api/areas/{area['id']}")
    assert response.status_code == 409
    assert (await organiser.get(f"/api/areas/{area['id']}")).status_code == 200


async def test_duplicate_area_name_is_409(organiser):
    await organiser.api("POST", "/api/areas/", {"name": "党业融合"})
    assert (await organiser.api("POST", "/api/areas/", {"name": "党业融合"})).status_code == 409
    assert len((await organiser.get("/api/areas/")).json()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "branch_id": 1},
        {"title": "x", "branch_id": "one"},
        {"title": "x", "branch_id": 0},
        {"title": "x"},
        {"title": "x", "branch_id": 1, "summary": "长" * 5001},
        {"title": "x", "branch_id": 1, "unexpected": True},
    ],
)
async def test_method_api_bad_input_is_400(organiser, body):
    response = await organiser.api("POST", "/api/methods/", body)
    assert response.status_code == 400
    assert (await organiser.get("/api/methods/")).json() == []


async def test_method_api_unknown_branch_names_the_field(organiser):
    response = await organiser.api("POST", "/api/methods/", {"title": "x", "branch_id": 12345})
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "branch_id"


async def test_unknown_catalog_kind_is_404(organiser):
    assert (await organiser.get("/organiser/catalog/secrets")).status_code == 404


async def test_branch_with_methods_cannot_be_deleted_and_the_page_says_why(organiser, demo):
    methods = (await organiser.get("/api/methods/")).json()
    branch_id = methods[0]["branch_id"]
    confirm = await organiser.get(f"/organiser/catalog/branches/{branch_id}/delete")
    assert confirm.status_code == 200 and "仍有工作法" in text_of(confirm.text)
    response = await organiser.form(f"/organiser/catalog/branches/{branch_id}/delete")
    assert response.status_code == 409
    assert len((await organiser.get("/api/methods/")).json()) == len(methods)


async def test_method_on_an_agenda_cannot_be_deleted(organiser, demo):
    method = (await organiser.get("/api/methods/")).json()[0]
    assert (await organiser.api("DELETE", f"/api/methods/{method['id']}")).status_code == 409
    assert (await organiser.get(f"/api/methods/{method['id']}")).status_code == 200


async def test_delete_asks_first(organiser):
    area = (await organiser.api("POST", "/api/areas/", {"name": "党建品牌"})).json()
    confirm = await organiser.get(f"/organiser/catalog/areas/{area['id']}/delete")
    assert "无法撤销" in text_of(confirm.text) and "党建品牌" in confirm.text
    assert (await organiser.get(f"/api/areas/{area['id']}")).status_code == 200


async def test_two_organisers_editing_one_method_the_second_save_is_409(organiser):
    import re

    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "党建工作科党支部", "unit": "芙蓉区税务局"})
    ).json()
    method = (await organiser.api("POST", "/api/methods/", {"title": "37℃学习法", "branch_id": branch["id"]})).json()
    page = (await organiser.get(f"/organiser/catalog/methods/{method['id']}/edit")).text
    loaded = re.search(r'name="version" value="(\d+)"', page).group(1)
    form = {"title": "37℃学习法", "branch_id": str(branch["id"]), "version": loaded}
    assert (
        await organiser.form(f"/organiser/catalog/methods/{method['id']}/edit", {**form, "summary": "甲的简介"})
    ).status_code == 200
    stale = await organiser.form(f"/organiser/catalog/methods/{method['id']}/edit", {**form, "summary": "乙的简介"})
    assert stale.status_code == 409 and "其他人" in text_of(stale.text)
    assert (await organiser.get(f"/api/methods/{method['id']}")).json()["summary"] == "甲的简介"


async def test_catalog_api_stale_version_is_409(organiser):
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "文源税务所党支部", "unit": "天心区税务局"})
    ).json()
    first = await organiser.api(
        "PUT",
        f"/api/branches/{branch['id']}",
        {"name": "文源税务所党支部", "unit": "天心区税务局", "secretary": "甲", "version": branch["version"]},
    )
    assert first.status_code == 200 and first.json()["version"] == branch["version"] + 1
    stale = await organiser.api(
        "PUT",
        f"/api/branches/{branch['id']}",
        {"name": "文源税务所党支部", "unit": "天心区税务局", "secretary": "乙", "version": branch["version"]},
    )
    assert stale.status_code == 409
    assert (await organiser.get(f"/api/branches/{branch['id']}")).json()["secretary"] == "甲"


async def test_delete_question_quotes_a_quoted_title_once_and_branch_choices_name_the_unit_once(organiser):
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "宁乡市税务局党建工作科党支部", "unit": "宁乡市税务局"})
    ).json()
    method = (
        await organiser.api("POST", "/api/methods/", {"title": "“五个一”学习法", "branch_id": branch["id"]})
    ).json()
    page = (await organiser.get(f"/organiser/catalog/methods/{method['id']}/delete")).text
    assert "“‘五个一’学习法”" in page and "「" not in page and "““" not in page
    form = (await organiser.get("/organiser/catalog/methods/new")).text
    assert ">宁乡市税务局 · 党建工作科党支部</option>" in form
