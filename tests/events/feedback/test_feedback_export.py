"""The feedback export carries the day's overall ratings and the audience-choice votes too,
in rows labelled as such, as inert as the rest."""

import csv
import io

from openpyxl import load_workbook

from tests.events.feedback.test_feedback_http import event_with_talk


def find(rows: list[tuple], label: str) -> int:
    for n, row in enumerate(rows):
        if row and row[0] == label:
            return n
    raise AssertionError(f"no row labelled {label!r} in {rows!r}")


async def vote(organiser, item: int, rating: str, comment: str, name: str) -> None:
    organiser.cookies.clear()  # another phone
    await organiser.form("/e/shuixin-2026/checkin", {"name": name})
    response = await organiser.form(
        "/e/shuixin-2026/feedback/overall", {"choice": str(item), "rating": rating, "comment": comment}
    )
    assert response.status_code in (200, 303), response.text[:300]


async def test_export_has_the_overall_rating_and_the_audience_choice_votes(organiser):
    from tests.conftest import make_user

    event, item = await event_with_talk(organiser)
    await vote(organiser, item, "4", "收获很大", "谭玲")
    await vote(organiser, item, "5", '=HYPERLINK("http://evil.example")', "彭强")
    await organiser.run(make_user, "organiser2", "organiser")
    await organiser.form("/login", {"username": "organiser2", "password": "correct-horse-1", "next": "/organiser/"})
    base = f"/organiser/events/{event['id']}/feedback/results"

    book = load_workbook(io.BytesIO((await organiser.get(f"{base}.xlsx")).content))
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    csv_body = list(csv.reader(io.StringIO((await organiser.get(f"{base}.csv")).content.decode("utf-8-sig"))))
    for rows in (sum(sheets.values(), []), [tuple(r) for r in csv_body]):
        votes = find(rows, "全天总体评价与观众之选（每部手机一行）")
        assert rows[votes + 1][:4] == ("观众之选", "单位", "党支部", "全天总体评分")
        given = sorted(rows[votes + 2 : votes + 4], key=lambda r: str(r[3]))
        assert [str(r[3]) for r in given] == ["4", "5"]
        assert given[0][0] == "37℃学习法" and given[0][4] == "收获很大"
        assert given[1][4] == '\'=HYPERLINK("http://evil.example")'  # text, never a formula
        tally = find(rows, "观众之选得票")
        assert rows[tally + 2][0] == "37℃学习法" and str(rows[tally + 2][3]) == "2"
        overall = find(rows, "全天总体评分（平均）")
        assert str(rows[overall][3]) == "4.5"
