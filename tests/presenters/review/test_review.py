"""Method applications and the three-step review: the pure rules, then the whole path over
HTTP on the configured engine (apply → screen → approve → the method is in the pool)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest

from presenters.review import rules as review
from tests.conftest import make_user, text_of

# -- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, roles, stage, note, reason",
    [
        ("screen", {"screener"}, "submitted", "", None),
        ("approve", {"approver"}, "screened", "", None),
        ("approve", {"screener"}, "screened", "", "not_your_step"),  # a screener cannot approve
        ("screen", {"approver"}, "submitted", "", "not_your_step"),
        ("approve", {"approver"}, "submitted", "", "wrong_stage"),  # not screened yet
        ("screen", {"screener"}, "approved", "", "wrong_stage"),
        ("return_at_screening", {"screener"}, "submitted", "  ", "note_required"),
        ("reject_at_approval", {"approver"}, "screened", "", "note_required"),
        ("reject_at_approval", {"approver"}, "screened", "与征集主题不符", None),
        ("return_at_screening", {"screener"}, "submitted", "长" * 1001, "note_too_long"),
        ("approve", {"admin"}, "screened", "", "not_your_step"),  # managing users is not reviewing
        ("delete", {"approver"}, "screened", "", "unknown_action"),
    ],
)
def test_who_may_move_what(action, roles, stage, note, reason):
    assert review.check(action, roles, stage, note) == reason


def test_each_role_sees_only_its_own_steps():
    assert [a.name for a in review.actions_for({"screener"}, "submitted")] == [
        "screen",
        "return_at_screening",
        "reject_at_screening",
    ]
    assert review.actions_for({"screener"}, "screened") == []
    assert [a.name for a in review.actions_for({"approver"}, "screened")] == [
        "approve",
        "return_at_approval",
        "reject_at_approval",
    ]
    assert review.applicant_may_edit("returned") and not review.applicant_may_edit("screened")


# -- over HTTP ----------------------------------------------------------------------------------

FORM = {
    "branch_name": "党建工作科党支部",
    "unit": "芙蓉区税务局",
    "secretary": "谭玲",
    "contact": "13800001111",
    "title": "“37℃学习法”",
    "summary": "以“37℃”的温度开展党员学习。",
    "highlights": "学习有温度、交流有热度",
}


async def log_in_as(client, username: str, *roles: str) -> None:
    await client.run(make_user, username, *roles)
    await client.form("/logout")
    response = await client.form("/login", {"username": username, "password": "correct-horse-1"})
    assert response.status_code == 200, response.text


async def open_call(client, **changes) -> tuple[int, int]:
    from presenters.review import queries as rq
    from presenters.tables import Area

    async def make():
        area = await Area.select(Area.id).where(Area.name == "党员教育").first()
        now = dt.datetime.now(dt.UTC)
        opens, closes = (
            changes.get("opens", now - dt.timedelta(days=1)),
            changes.get("closes", now + dt.timedelta(days=7)),
        )
        call = await rq.create_call("2026年支部工作法征集", "面向全市税务系统", [area["id"]], opens, closes)
        return call, area["id"]

    return await client.run(make)


async def apply(client, call_id: int, area_id: int, **changes) -> str:
    sent = await client.form(f"/calls/{call_id}", {**FORM, "area": str(area_id), **changes})
    assert sent.status_code == 200, sent.text
    return re.search(r"/a/[\w-]+", str(sent.url)).group(0)


async def the_application(client) -> dict:
    from presenters.tables import Application

    return await client.run(lambda: Application.select().first())


async def test_apply_screen_approve_and_the_method_is_in_the_pool(client, demo):
    call, area = await open_call(client)
    page = await client.get(f"/calls/{call}")
    assert page.status_code == 200 and "统一申报表" in text_of(page.text)
    link = await apply(client, call, area)
    mine = text_of((await client.get(link)).text)
    assert "已提交，待初审" in mine and "“37℃学习法”" in mine

    await log_in_as(client, "screener1", "screener")
    queue = text_of((await client.get("/review/")).text)
    assert "“37℃学习法”" in queue
    application = await the_application(client)
    refused = await client.form(f"/review/{application['id']}", {"action": "approve", "version": "1"})
    assert refused.status_code == 403 and "初审" in text_of(refused.text)  # a screener cannot approve
    screened = await client.form(
        f"/review/{application['id']}", {"action": "screen", "version": "1", "note": "符合要求"}
    )
    assert screened.status_code == 200

    await log_in_as(client, "approver1", "approver")
    assert "“37℃学习法”" in text_of((await client.get("/review/")).text)
    approved = await client.form(f"/review/{application['id']}", {"action": "approve", "version": "2"})
    assert approved.status_code == 200
    application = await the_application(client)
    assert application["stage"] == "approved" and application["method"] is not None

    from presenters.tables import Method

    method = await client.run(
        lambda: (
            Method.select(Method.title, Method.branch.name.as_alias("branch"))
            .where(Method.id == application["method"])
            .first()
        )
    )
    assert method == {"title": "“37℃学习法”", "branch": "党建工作科党支部"}
    history = text_of((await client.get(link)).text)
    assert "已审定" in history and "符合要求" in history
    assert [h["to_stage"] for h in await client.run(history_of, application["id"])] == [
        "submitted",
        "screened",
        "approved",
    ]


async def history_of(application_id: int) -> list[dict]:
    from presenters.review import queries as rq

    return await rq.history(application_id)


async def test_approving_what_was_not_screened_is_refused_and_changes_nothing(client, demo):
    call, area = await open_call(client)
    await apply(client, call, area)
    await log_in_as(client, "approver1", "approver")
    application = await the_application(client)
    refused = await client.form(f"/review/{application['id']}", {"action": "approve", "version": "1"})
    assert refused.status_code == 409 and "不在这一步" in text_of(refused.text)
    assert (await the_application(client))["stage"] == "submitted"
    assert len(await client.run(history_of, application["id"])) == 1


async def test_two_reviewers_moving_the_same_application_one_wins(client, demo):
    from presenters.review import queries as rq

    call, area = await open_call(client)
    await apply(client, call, area)
    application = await the_application(client)
    results = await client.run(
        lambda: asyncio.gather(
            rq.move(application["id"], 1, "screen", {"screener"}, "甲", ""),
            rq.move(application["id"], 1, "reject_at_screening", {"screener"}, "乙", "不符合"),
        )
    )
    assert sorted(r or "ok" for r in results) == ["conflict", "ok"]
    after = await the_application(client)
    history = await client.run(history_of, application["id"])
    assert after["version"] == 2 and len(history) == 2 and history[-1]["to_stage"] == after["stage"]

    await log_in_as(client, "screener1", "screener")
    stale = await client.form(f"/review/{application['id']}", {"action": "screen", "version": "1"})
    assert stale.status_code == 409 and "其他人" in text_of(stale.text)


async def test_return_needs_a_note_and_the_applicant_edits_and_sends_it_back(client, demo):
    call, area = await open_call(client)
    link = await apply(client, call, area)
    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    no_note = await client.form(f"/review/{application['id']}", {"action": "return_at_screening", "version": "1"})
    assert no_note.status_code == 400 and "备注" in text_of(no_note.text)
    await client.form(
        f"/review/{application['id']}", {"action": "return_at_screening", "version": "1", "note": "请补充实践亮点"}
    )
    page = text_of((await client.get(link)).text)
    assert "退回修改" in page and "请补充实践亮点" in page
    edited = await client.form(
        link, {**FORM, "area": str(area), "highlights": "补充：三个阶段", "version": "2", "resubmit": "yes"}
    )
    assert edited.status_code == 200
    after = await the_application(client)
    assert after["stage"] == "submitted" and after["highlights"] == "补充：三个阶段"
    await client.form(f"/review/{application['id']}", {"action": "screen", "version": "3"})
    locked = await client.form(link, {**FORM, "area": str(area), "title": "改名", "version": "4"})
    assert locked.status_code == 409 and (await the_application(client))["title"] == "“37℃学习法”"


@pytest.mark.parametrize(
    "changes, field_error",
    [
        ({"title": ""}, "必填"),
        ({"area": "999999"}, "请选择其中一项"),
        ({"summary": "长" * 2001}, "最多"),
    ],
)
async def test_bad_applications_are_refused_with_the_field_named(client, demo, changes, field_error):
    call, area = await open_call(client)
    sent = await client.form(f"/calls/{call}", {**FORM, "area": str(area), **changes})
    assert sent.status_code == 400 and field_error in text_of(sent.text)
    from presenters.tables import Application

    assert await client.run(lambda: Application.count()) == 0


async def test_an_area_the_call_does_not_accept_is_refused(client, demo):
    from presenters.tables import Area

    call, _area = await open_call(client)
    other = await client.run(lambda: Area.select(Area.id).where(Area.name == "党业融合").first())
    sent = await client.form(f"/calls/{call}", {**FORM, "area": str(other["id"])})
    assert sent.status_code == 400


async def test_applying_after_the_call_closes_is_refused(client, demo):
    now = dt.datetime.now(dt.UTC)
    call, area = await open_call(client, opens=now - dt.timedelta(days=9), closes=now - dt.timedelta(days=1))
    sent = await client.form(f"/calls/{call}", {**FORM, "area": str(area)})
    assert sent.status_code == 403 and "不在申报期" in text_of(sent.text)


async def test_bulk_screening_moves_each_and_a_forged_link_opens_nothing(client, demo):
    call, area = await open_call(client)
    links = [await apply(client, call, area, title=f"工作法{n}") for n in range(3)]
    await log_in_as(client, "screener1", "screener")
    from presenters.tables import Application

    ids = [r["id"] for r in await client.run(lambda: Application.select(Application.id))]
    moved = await client.post(
        "/review/bulk",
        data={"ids": [str(i) for i in ids], "action": "screen", "note": "", "_csrf_token": await client.csrf()},
    )
    assert moved.status_code == 200 and "3" in text_of(moved.text)
    assert {r["stage"] for r in await client.run(lambda: Application.select(Application.stage))} == {"screened"}
    wrong = await client.post(
        "/review/bulk", data={"ids": [str(i) for i in ids], "action": "approve", "_csrf_token": await client.csrf()}
    )
    assert wrong.status_code == 403
    forged = links[0][:-3] + ("abc" if not links[0].endswith("abc") else "xyz")
    assert (await client.get(forged)).status_code == 404


async def test_review_pages_need_a_reviewer(client, demo):
    assert (await client.get("/review/", follow_redirects=False)).status_code in (302, 303, 401)
    await log_in_as(client, "door", "staff")
    assert (await client.get("/review/")).status_code == 403
    assert (await client.get("/organiser/calls/")).status_code == 403


async def test_overview_counts_and_export_with_history(client, demo):
    import io

    import openpyxl

    call, area = await open_call(client)
    for n, unit in enumerate(["芙蓉区税务局", "芙蓉区税务局", "天心区税务局"]):
        await apply(client, call, area, unit=unit, title=f"工作法{n}")
    await log_in_as(client, "screener1", "screener")
    first = (await the_application(client))["id"]
    await client.form(f"/review/{first}", {"action": "return_at_screening", "version": "1", "note": "请补充材料"})
    await log_in_as(client, "organiser2", "organiser")
    overview = text_of((await client.get("/organiser/calls/overview")).text)
    assert (
        "共 3 份申报" in overview and "芙蓉区税务局 1 1 0 0 0 2" in overview and "天心区税务局 1 0 0 0 0 1" in overview
    )
    sheet = await client.get("/organiser/calls/applications.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 4
    returned = next(r for r in rows[1:] if r[0] == first)
    assert returned[8] == "退回修改" and "已提交 → 退回修改：请补充材料" in returned[13] and "screener1" in returned[13]
    csv_text = (await client.get("/organiser/calls/applications.csv")).content.decode("utf-8-sig")
    assert "工作法2" in csv_text and "天心区税务局" in csv_text


async def test_applications_export_has_no_formula_and_survives_a_control_character(client, demo):
    from presenters.tables import Application
    from tests.sheets import csv_rows, formulas_in_csv, formulas_in_xlsx, xlsx_cells

    call, area = await open_call(client)
    await apply(
        client, call, area, title='=HYPERLINK("http://evil.example","看")', summary="-2+3 以学促干", secretary="+谭玲"
    )
    await log_in_as(client, "organiser2", "organiser")
    sheet = (await client.get("/organiser/calls/applications.xlsx")).content
    assert formulas_in_xlsx(sheet) == []
    row = [value for value, _kind in xlsx_cells(sheet)[1]]
    assert row[4] == "'+谭玲" and row[6] == '\'=HYPERLINK("http://evil.example","看")' and row[11] == "'-2+3 以学促干"
    assert formulas_in_csv((await client.get("/organiser/calls/applications.csv")).content) == []
    # An application stored before text was cleaned on the way in: the exports still answer.
    await client.run(
        lambda: Application.update({Application.summary: "以学促干\x01\x1b"}).where(Application.call == call)
    )
    xlsx, csv = (
        await client.get("/organiser/calls/applications.xlsx"),
        await client.get("/organiser/calls/applications.csv"),
    )
    assert xlsx.status_code == 200 and xlsx_cells(xlsx.content)[1][11] == ("以学促干", "s")
    assert csv.status_code == 200 and csv_rows(csv.content)[1][11] == "以学促干"


async def test_public_application_and_review_notes_are_cleaned_on_the_way_in(client, demo):
    call, area = await open_call(client)
    for n in range(2):
        await apply(client, call, area, title=f"学习\u202e法{n}\x0b", unit="芙蓉区\u2066税务局\x01")
    from presenters.tables import Application

    rows = await client.run(
        lambda: Application.select(Application.id, Application.title, Application.unit).order_by(Application.id)
    )
    assert [(r["title"], r["unit"]) for r in rows] == [("学习法0", "芙蓉区税务局"), ("学习法1", "芙蓉区税务局")]
    await log_in_as(client, "screener1", "screener")
    await client.form(
        f"/review/{rows[0]['id']}", {"action": "return_at_screening", "version": "1", "note": "请补充\x01材料\u202e"}
    )
    await client.post(
        "/review/bulk",
        data={
            "ids": [str(rows[1]["id"])],
            "action": "return_at_screening",
            "note": "退回\x07修改",
            "_csrf_token": await client.csrf(),
        },
    )
    notes = [(await client.run(history_of, r["id"]))[-1]["note"] for r in rows]
    assert notes == ["请补充材料", "退回修改"]


def round_of(rows: int, broken: dict[int, dict]) -> bytes:
    """The bureau's list as .xlsx: ``rows`` applications, some of them broken."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "所属单位", "党支部", "支部书记", "联系电话", "工作法名称", "领域", "工作法简介", "实践亮点"])
    units = ["芙蓉区税务局", "天心区税务局", "开福区税务局", "雨花区税务局", "长沙县税务局"]
    for n in range(rows):
        row = {
            "unit": units[n % 5],
            "branch": f"第{n + 1}党支部",
            "secretary": f"书记{n}",
            "contact": f"1380000{n:04d}",
            "title": f"“{n + 1}号”工作法",
            "area": "党员教育",
            "summary": "以支部为引擎。" * 3,
            "highlights": "",
        }
        row.update(broken.get(n, {}))
        sheet.append(
            [
                n + 1,
                row["unit"],
                row["branch"],
                row["secretary"],
                row["contact"],
                row["title"],
                row["area"],
                row["summary"],
                row["highlights"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_round_of_80_is_imported_after_a_preview_with_row_errors(client, demo):
    from presenters.tables import Application, ApplicationEvent

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    data = round_of(80, {4: {"title": ""}, 10: {"area": "后勤保障"}, 20: {"summary": "长" * 2001}})
    preview = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批申报.xlsx", data)},
        data={"_csrf_token": await client.csrf()},
    )
    assert preview.status_code == 200
    page = text_of(preview.text)
    assert "共 80 行，其中 77 行可以导入" in page
    assert "工作法名称：未填写" in page and "领域：不是本次征集的领域" in page and "简介：太长" in page
    assert await client.run(lambda: Application.count()) == 0  # a preview stores nothing
    payload = re.search(r'name="payload" value="([^"]*)"', preview.text).group(1)
    import html

    confirmed = await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": html.unescape(payload)})
    assert confirmed.status_code == 200 and "已导入 77 份申报" in text_of(confirmed.text)
    assert await client.run(lambda: Application.count().where(Application.stage == "submitted")) == 77
    assert await client.run(lambda: ApplicationEvent.count().where(ApplicationEvent.actor == "import")) == 77
    tampered = await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": '[{"title": "", "area": "1"}]'})
    assert tampered.status_code == 400 and await client.run(lambda: Application.count()) == 77


async def test_an_import_refuses_contact_numbers_mangled_by_excel(client, demo):
    import html

    from presenters.tables import Application

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    data = round_of(
        4,
        {
            0: {"contact": "1.38073E+10"},
            1: {"contact": 13807312345.0},
            2: {"contact": 13807312346},
            3: {"contact": 13807312.5},
        },
    )
    preview = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批申报.xlsx", data)},
        data={"_csrf_token": await client.csrf()},
    )
    page = text_of(preview.text)
    assert preview.status_code == 200 and "共 4 行，其中 2 行可以导入" in page
    assert page.count("联系方式：已被表格软件转成数字") == 2
    payload = html.unescape(re.search(r'name="payload" value="([^"]*)"', preview.text).group(1))
    await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload})
    stored = await client.run(lambda: Application.select(Application.contact).order_by(Application.id))
    assert [r["contact"] for r in stored] == ["13807312345", "13807312346"]
    tampered = await client.form(
        f"/organiser/calls/{call}/import/confirm", {"payload": payload.replace("13807312345", "1.38073E+10")}
    )
    assert tampered.status_code == 400 and await client.run(lambda: Application.count()) == 2


async def test_an_import_without_the_needed_columns_or_not_a_table_is_refused(client, demo):
    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    csv_gbk = "单位,工作法名称\n芙蓉区税务局,三小工作法\n".encode("gbk")
    missing = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("list.csv", csv_gbk)},
        data={"_csrf_token": await client.csrf()},
    )
    assert missing.status_code == 400 and "缺少列" in text_of(missing.text) and "支部书记" in text_of(missing.text)
    binary = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("x.xlsx", b"\x00\x01garbage" * 50)},
        data={"_csrf_token": await client.csrf()},
    )
    assert binary.status_code == 400


async def test_an_attachment_is_checked_by_content_and_reviewers_can_read_it(client, demo):
    from events.handouts import render as handouts

    call, area = await open_call(client)
    link = await apply(client, call, area)
    pdf = handouts.render_pdf("<p>申报材料</p>")
    exe = await client.post(f"{link}/attachment", files={"file": ("材料.pdf", b"MZ\x90\x00" * 100)})
    assert exe.status_code == 400 and "不是可接受的演示文件" in text_of(exe.text)
    sent = await client.post(f"{link}/attachment", files={"file": ("申报材料.pdf", pdf)})
    assert sent.status_code == 200 and "附件已上传" in text_of(sent.text) and "申报材料.pdf" in text_of(sent.text)
    mine = await client.get(f"{link}/attachment")
    assert mine.content == pdf and mine.headers["content-disposition"].startswith("attachment;")

    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    assert (await client.get(f"/review/{application['id']}/attachment")).content == pdf
    await client.form(f"/review/{application['id']}", {"action": "screen", "version": str(application["version"])})
    await client.form("/logout")
    late = await client.post(f"{link}/attachment", files={"file": ("新材料.pdf", pdf)})
    assert late.status_code == 409 and (await the_application(client))["attachment_name"] == "申报材料.pdf"


async def test_the_public_form_says_when_the_call_closes(client, demo):
    now = dt.datetime.now(dt.UTC)
    closes = now + dt.timedelta(days=7)
    call, _area = await open_call(client, closes=closes)
    page = text_of((await client.get(f"/calls/{call}")).text)
    local = closes.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"申报截止：{local.year}年{local.month}月{local.day}日" in page and local.strftime("%H:%M") in page


async def test_a_replaced_attachment_leaves_no_file_behind(client, demo):
    import hashlib

    from core.storage import object_path
    from settings import Settings

    call, area = await open_call(client)
    link = await apply(client, call, area)
    first, second = b"%PDF-1.7\n% first\n" + b"0" * 4000, b"%PDF-1.7\n% second\n" + b"0" * 4000
    await client.post(f"{link}/attachment", files={"file": ("a.pdf", first)})
    old = object_path(Settings().data_dir, hashlib.sha256(first).hexdigest())
    assert old.exists()
    await client.post(f"{link}/attachment", files={"file": ("b.pdf", second)})
    assert not old.exists()  # uploading again and again cannot fill the disk
    assert object_path(Settings().data_dir, hashlib.sha256(second).hexdigest()).exists()
    assert (await client.get(f"{link}/attachment")).content == second


# -- what each role sees ------------------------------------------------------------------------


def test_each_role_sees_the_stages_of_its_step():
    assert review.stages_waiting_for({"screener"}) == ["submitted"]
    assert review.stages_waiting_for({"approver"}) == ["screened"]
    assert review.stages_waiting_for({"screener", "approver"}) == ["submitted", "screened"]
    assert review.stages_waiting_for({"admin", "organiser"}) == []
    assert review.reviewer_may_see({"screener"}, "submitted", decided=False)
    assert not review.reviewer_may_see({"screener"}, "screened", decided=False)
    assert review.reviewer_may_see({"screener"}, "approved", decided=True)  # their own past decision
    assert not review.reviewer_may_see({"admin"}, "submitted", decided=False)


async def a_round_in_every_stage(client) -> dict[str, int]:
    """Four applications: one waiting for screening, one screened by screener1, one by
    screener2, one approved (screened by screener2)."""
    from presenters.review import queries as rq
    from presenters.tables import Application

    call, area = await open_call(client)
    for title in ("红旗法", "青松法", "白杨法", "金桥法"):
        await apply(client, call, area, title=title)

    async def move() -> dict[str, int]:
        ids = {r["title"]: r["id"] for r in await Application.select(Application.id, Application.title)}
        assert await rq.move(ids["青松法"], 1, "screen", {"screener"}, "screener1", "") is None
        assert await rq.move(ids["白杨法"], 1, "screen", {"screener"}, "screener2", "") is None
        assert await rq.move(ids["金桥法"], 1, "screen", {"screener"}, "screener2", "") is None
        assert await rq.move(ids["金桥法"], 2, "approve", {"approver"}, "approver2", "") is None
        return ids

    return await client.run(move)


async def test_a_screener_sees_what_waits_for_screening_and_their_own_decisions(client, demo):
    ids = await a_round_in_every_stage(client)
    await log_in_as(client, "screener1", "screener")
    queue = text_of((await client.get("/review/")).text)
    assert "红旗法" in queue and "青松法" not in queue and "白杨法" not in queue and "金桥法" not in queue
    mine = text_of((await client.get("/review/?stage=decided")).text)
    assert "青松法" in mine and "白杨法" not in mine and "红旗法" not in mine
    for stage in ("screened", "approved"):  # no other stage by asking for it
        listed = text_of((await client.get(f"/review/?stage={stage}")).text)
        assert "白杨法" not in listed and "金桥法" not in listed, stage
    assert (await client.get(f"/review/{ids['红旗法']}")).status_code == 200
    assert (await client.get(f"/review/{ids['青松法']}")).status_code == 200
    for title in ("白杨法", "金桥法"):
        hidden = await client.get(f"/review/{ids[title]}")
        assert hidden.status_code == 404 and title not in hidden.text, title
        assert (await client.get(f"/review/{ids[title]}/attachment")).status_code == 404
        tried = await client.form(f"/review/{ids[title]}", {"action": "screen", "version": "2"})
        assert tried.status_code == 409 and title not in tried.text, title  # refused, and the page shows nothing of it


async def test_an_approver_sees_the_screened_ones_and_their_own_decisions(client, demo):
    ids = await a_round_in_every_stage(client)
    await log_in_as(client, "approver1", "approver")
    queue = text_of((await client.get("/review/")).text)
    assert "青松法" in queue and "白杨法" in queue and "红旗法" not in queue and "金桥法" not in queue
    assert (await client.get(f"/review/{ids['红旗法']}")).status_code == 404
    assert (await client.get(f"/review/{ids['金桥法']}")).status_code == 404  # approved by someone else
    assert "您还没有处理过申报" in text_of((await client.get("/review/?stage=decided")).text)
    await log_in_as(client, "approver2", "approver")
    assert "金桥法" in text_of((await client.get("/review/?stage=decided")).text)
    assert (await client.get(f"/review/{ids['金桥法']}")).status_code == 200


async def test_an_admin_who_is_not_a_reviewer_sees_no_review_content(client, demo):
    ids = await a_round_in_every_stage(client)
    await log_in_as(client, "boss", "admin")
    for url in ("/review/", f"/review/{ids['红旗法']}", "/organiser/calls/overview"):
        refused = await client.get(url)
        assert refused.status_code == 403 and "红旗法" not in refused.text, url


# -- a returned application always has a way forward ---------------------------------------------


def private_link_on(page_html: str) -> str:
    """The applicant's link as a page shows it: in a read-only field beside a copy button, with its QR."""
    import html

    found = re.search(r'<input[^>]*class="copy"[^>]*value="([^"]+)"', page_html)
    assert found, "no private link on the page"
    assert re.search(r"<button[^>]*data-copy", page_html) and "<svg" in page_html and "/assets/js/copy.js" in page_html
    return html.unescape(found.group(1))


async def returned_to_the_applicant(client) -> tuple[str, dict, int]:
    """An application returned at screening with a note; then an organiser logs in."""
    call, area = await open_call(client)
    link = await apply(client, call, area)
    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    await client.form(
        f"/review/{application['id']}", {"action": "return_at_screening", "version": "1", "note": "请补充实践亮点"}
    )
    await log_in_as(client, "organiser2", "organiser")
    return link, application, area


async def test_an_organiser_reads_any_application_with_its_history_and_private_link(client, demo):
    link, application, _area = await returned_to_the_applicant(client)
    overview = await client.get("/organiser/calls/overview")
    assert f'href="/organiser/calls/applications/{application["id"]}"' in overview.text
    page = await client.get(f"/organiser/calls/applications/{application['id']}")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "“37℃学习法”" in shown and "谭玲" in shown and "请补充实践亮点" in shown and "screener1" in shown
    assert private_link_on(page.text) == f"http://testserver.local{link}"
    assert 'name="action"' not in page.text  # read-only: no review step here
    assert (await client.get("/organiser/calls/applications/999999")).status_code == 404


async def test_an_organiser_edits_a_returned_application_on_the_applicants_behalf(client, demo):
    link, application, area = await returned_to_the_applicant(client)
    url = f"/organiser/calls/applications/{application['id']}"
    bad = await client.form(url, {**FORM, "area": str(area), "title": "", "version": "2"})
    assert bad.status_code == 400 and "必填" in text_of(bad.text)
    edited = await client.form(
        url, {**FORM, "area": str(area), "highlights": "代为补充：三个阶段", "version": "2", "resubmit": "yes"}
    )
    assert edited.status_code == 200 and "已保存" in text_of(edited.text)
    after = await the_application(client)
    assert after["stage"] == "submitted" and after["highlights"] == "代为补充：三个阶段"
    last = (await client.run(history_of, application["id"]))[-1]
    assert (last["actor"], last["role"], last["from_stage"], last["to_stage"]) == (
        "organiser2",
        "organiser",
        "returned",
        "submitted",
    )
    assert "组织方代为修改" in text_of((await client.get(link)).text)  # the applicant sees who changed it
    stale = await client.form(url, {**FORM, "area": str(area), "title": "又改", "version": "2"})
    assert stale.status_code == 409 and (await the_application(client))["title"] == "“37℃学习法”"

    await log_in_as(client, "screener2", "screener")
    assert "organiser2" in text_of((await client.get(f"/review/{application['id']}")).text)
    await client.form(f"/review/{application['id']}", {"action": "screen", "version": "3"})
    await log_in_as(client, "organiser3", "organiser")
    locked = await client.form(url, {**FORM, "area": str(area), "title": "改名", "version": "4"})
    assert locked.status_code == 409 and (await the_application(client))["title"] == "“37℃学习法”"
    assert 'name="resubmit"' not in (await client.get(url)).text and "保存修改" not in text_of(
        (await client.get(url)).text
    )


async def test_reviewers_can_show_the_applicants_link_again(client, demo):
    call, area = await open_call(client)
    link = await apply(client, call, area)
    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    page = await client.get(f"/review/{application['id']}")
    assert private_link_on(page.text).endswith(link)


async def test_imported_applications_get_private_links_that_work(client, demo):
    import html

    from presenters.tables import Application

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    preview = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批.xlsx", round_of(2, {}))},
        data={"_csrf_token": await client.csrf()},
    )
    payload = re.search(r'name="payload" value="([^"]*)"', preview.text).group(1)
    await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": html.unescape(payload)})
    first = await client.run(
        lambda: Application.select(Application.id).where(Application.title == "“1号”工作法").first()
    )
    link = private_link_on((await client.get(f"/organiser/calls/applications/{first['id']}")).text)
    await client.form("/logout")
    mine = await client.get(link.removeprefix("http://testserver.local"))
    assert mine.status_code == 200 and "“1号”工作法" in text_of(mine.text) and "保存修改" in text_of(mine.text)


async def test_an_import_with_a_cell_too_long_or_a_row_too_wide_is_refused_in_chinese(client, demo):
    """Limits checked as the file is read, off the event loop; nothing is stored."""
    from presenters.tables import Application

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    long_cell = round_of(3, {1: {"highlights": "长" * 10_001}})
    refused = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批申报.xlsx", long_cell)},
        data={"_csrf_token": await client.csrf()},
    )
    assert refused.status_code == 400 and "单元格的内容过长" in text_of(refused.text)
    header = "所属单位,党支部,支部书记,联系电话,工作法名称,领域,工作法简介"
    wide = (
        header + "\n" + "芙蓉区税务局,第一党支部,书记,13800000000,三小工作法,党员教育,简介" + ",x" * 300 + "\n"
    ).encode()
    refused = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("list.csv", wide)},
        data={"_csrf_token": await client.csrf()},
    )
    assert refused.status_code == 400 and "单元格过多" in text_of(refused.text)
    assert await client.run(lambda: Application.count()) == 0


async def test_an_import_that_is_a_zip_bomb_is_refused_in_chinese(client, demo, tmp_path):
    from tests.hostile import xlsx_bomb

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    bomb = xlsx_bomb(tmp_path / "第一批申报.xlsx").read_bytes()
    refused = await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批申报.xlsx", bomb)},
        data={"_csrf_token": await client.csrf()},
    )
    assert refused.status_code == 400 and "压缩包" in text_of(refused.text) and "已拒收" in text_of(refused.text)


async def test_an_attachment_that_is_a_zip_bomb_is_refused_and_the_previous_one_stays(client, demo, tmp_path):
    from events.handouts import render as handouts
    from tests.hostile import zip_bomb

    call, area = await open_call(client)
    link = await apply(client, call, area)
    pdf = handouts.render_pdf("<p>申报材料</p>")
    assert (await client.post(f"{link}/attachment", files={"file": ("申报材料.pdf", pdf)})).status_code == 200
    bomb = zip_bomb(tmp_path / "材料.odp").read_bytes()
    refused = await client.post(f"{link}/attachment", files={"file": ("材料.odp", bomb)})
    assert refused.status_code == 400 and "压缩包" in text_of(refused.text) and "已拒收" in text_of(refused.text)
    assert (await client.get(f"{link}/attachment")).content == pdf
