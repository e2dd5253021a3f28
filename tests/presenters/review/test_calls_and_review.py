"""Issue 16, calls and review: the applicant's page in words a person would say, one form for
the text and the attachment, calls edited / closed / reopened / archived and the lists
filtered by call, the import saying what it expects, and checkboxes only where a reviewer
can act."""

from __future__ import annotations

import datetime as dt
import io
import re

from tests.conftest import text_of
from tests.presenters.review.test_review import FORM, apply, log_in_as, open_call, the_application

# -- 1. the applicant's page ------------------------------------------------------------------


async def test_the_applicants_page_says_where_it_stands_in_words(client, demo):
    call, area = await open_call(client)
    link = await apply(client, call, area)
    page = text_of((await client.get(link)).text)
    assert "已提交，待初审" in page and "状态: 自荐" not in page and "状态：自荐" not in page
    assert "申报人 → 已提交" in page and "applicant" not in page

    await log_in_as(client, "screener1", "screener")
    application = await the_application(client)
    await client.form(f"/review/{application['id']}", {"action": "screen", "version": "1"})
    await log_in_as(client, "approver1", "approver")
    await client.form(f"/review/{application['id']}", {"action": "approve", "version": "2"})
    await client.form("/logout")
    approved = await client.get(link)
    shown = text_of(approved.text)
    assert "已审定" in shown and "以“37℃”的温度开展党员学习。" in shown and "谭玲" in shown  # what was sent, read-only
    assert "<textarea" not in approved.text and 'type="file"' not in approved.text


async def test_the_export_history_names_people_and_stages_in_chinese(client, demo):
    import openpyxl

    call, area = await open_call(client)
    await apply(client, call, area)
    await log_in_as(client, "organiser2", "organiser")
    sheet = await client.get("/organiser/calls/applications.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert "申报人 → 已提交" in rows[1][13] and "applicant" not in rows[1][13]


# -- 2. text and attachment together ------------------------------------------------------------


async def test_text_and_attachment_are_sent_in_one_form(client, demo):
    call, area = await open_call(client)
    link = await apply(client, call, area)
    page = (await client.get(link)).text
    forms = re.findall(r"<form[^>]*>.*?</form>", page, re.S)
    assert len(forms) == 1 and 'enctype="multipart/form-data"' in forms[0]
    assert 'name="summary"' in forms[0] and 'name="file"' in forms[0]
    action = re.search(r'action="([^"]+)"', forms[0]).group(1)
    pdf = b"%PDF-1.7\n% attachment\n" + b"0" * 4000
    sent = await client.post(
        action,
        data={**FORM, "area": str(area), "highlights": "新增：三个阶段", "version": "1"},
        files={"file": ("申报材料.pdf", pdf)},
    )
    assert sent.status_code == 200 and "已保存" in text_of(sent.text)
    after = await the_application(client)
    assert after["highlights"] == "新增：三个阶段" and after["attachment_name"] == "申报材料.pdf"


async def test_edits_are_kept_when_the_attachment_is_refused(client, demo):
    call, area = await open_call(client)
    link = await apply(client, call, area)
    action = re.search(r'<form[^>]*action="([^"]+)"', (await client.get(link)).text).group(1)
    refused = await client.post(
        action,
        data={**FORM, "area": str(area), "highlights": "我刚写好的亮点", "version": "1"},
        files={"file": ("材料.pdf", b"MZ\x90\x00" * 100)},
    )
    assert refused.status_code == 400 and "不是可接受的演示文件" in text_of(refused.text)
    assert "我刚写好的亮点" in refused.text  # the text typed is still in the form
    text_only = await client.post(
        action, data={**FORM, "area": str(area), "highlights": "只改文字", "version": "1"}, files={"file": ("", b"")}
    )
    assert text_only.status_code == 200
    after = await the_application(client)
    assert after["highlights"] == "只改文字" and after["attachment_name"] == ""


# -- 3. calls: edit, close early, reopen, archive; lists by call --------------------------------


async def test_a_call_is_edited_closed_early_reopened_and_archived(client, demo):
    call, area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    edit_page = await client.get(f"/organiser/calls/{call}/edit")
    assert edit_page.status_code == 200 and "2026年支部工作法征集" in edit_page.text
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    saved = await client.form(
        f"/organiser/calls/{call}/edit",
        {
            "title": "2026年第二批征集",
            "description": "",
            "areas": str(area),
            "opens_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert saved.status_code == 200 and "2026年第二批征集" in text_of(saved.text)
    await client.form(f"/organiser/calls/{call}/close")
    closed = await client.form(f"/calls/{call}", {**FORM, "area": str(area)})
    assert closed.status_code == 403
    await client.form(
        f"/organiser/calls/{call}/reopen", {"closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
    )
    assert (await client.form(f"/calls/{call}", {**FORM, "area": str(area)})).status_code == 200
    await client.form(f"/organiser/calls/{call}/archive")
    listed = text_of((await client.get("/organiser/calls/")).text)
    assert "2026年第二批征集" not in listed.split("已归档")[0]
    shown = text_of((await client.get("/organiser/calls/?archived=1")).text)
    assert "2026年第二批征集" in shown
    assert (await client.form(f"/calls/{call}", {**FORM, "area": str(area)})).status_code == 403
    bad = await client.form(f"/organiser/calls/{call}/edit", {"title": "", "opens_at": "x", "closes_at": ""})
    assert bad.status_code == 400


async def test_overview_export_and_queue_are_filtered_by_call(client, demo):
    import openpyxl

    first, area = await open_call(client)
    second, _ = await open_call(client)
    await apply(client, first, area, title="第一批的方法")
    await apply(client, second, area, title="第二批的方法")
    await log_in_as(client, "organiser2", "organiser")
    overview = text_of((await client.get(f"/organiser/calls/overview?call={first}")).text)
    assert "第一批的方法" in overview and "第二批的方法" not in overview and "共 1 份申报" in overview
    sheet = await client.get(f"/organiser/calls/applications.xlsx?call={second}")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [r[6] for r in rows[1:]] == ["第二批的方法"]
    await log_in_as(client, "screener1", "screener")
    queue = text_of((await client.get(f"/review/?call={first}")).text)
    assert "第一批的方法" in queue and "第二批的方法" not in queue


# -- 4. the import says what it expects ---------------------------------------------------------


async def test_the_import_names_its_columns_and_offers_a_template(client, demo):
    import openpyxl

    from presenters.review import imports as ai

    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    page = text_of((await client.get("/organiser/calls/")).text)
    assert "工作法名称" in page and "实践亮点" in page and "下载模板" in page
    template = await client.get(f"/organiser/calls/{call}/import/template.xlsx")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    rows = [r for r in sheet.iter_rows(values_only=True) if any(r)]  # the empty rows below are text-formatted
    assert sheet["D300"].number_format == "@"  # a phone number typed in later stays text too
    assert rows[0][:3] == ("党支部", "所属单位", "支部书记") and len(rows) == 2
    assert all(c.data_type == "s" for c in sheet[2]) and str(rows[1][3]).isdigit()  # the phone stays text
    parsed = ai.parse_round(template.content, {rows[1][5]: 1}, "template.xlsx")
    assert parsed.error is None and len(parsed.valid) == 1


# -- 5. checkboxes only where a reviewer can act -------------------------------------------------


async def test_a_reviewer_with_nothing_to_act_on_sees_no_checkboxes(client, demo):
    call, area = await open_call(client)
    await apply(client, call, area)
    await log_in_as(client, "screener1", "screener")
    assert 'type="checkbox" name="ids"' in (await client.get("/review/")).text
    application = await the_application(client)
    await client.form(f"/review/{application['id']}", {"action": "screen", "version": "1"})
    decided = await client.get("/review/?stage=decided")
    assert "“37℃学习法”" in text_of(decided.text) and 'name="ids"' not in decided.text
    await log_in_as(client, "approver1", "approver")
    assert 'name="ids"' in (await client.get("/review/")).text
