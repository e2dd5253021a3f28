"""The registrations page of a large event: the heading counts everyone, and plain links
(no JavaScript) page through the whole list, with or without a search."""

from __future__ import annotations

import html
import re

from tests.conftest import text_of
from tests.events.checkin.test_checkin_http import open_event

NAME = re.compile(r"<tr><td>参会人(\d{4})")  # one table row a person


async def fill(organiser, event_id: int, count: int) -> None:
    from events.checkin import queries as cq

    people = [{"name": f"参会人{n:04d}", "unit": "第一党支部", "phone": "", "email": ""} for n in range(count)]
    await organiser.run(cq.add_attendees, event_id, people)


def heading_count(page: str) -> str:
    heading = re.search(r"<h2>报名名单.*?</h2>", page, re.S)
    assert heading, page[:500]
    return re.sub(r"\D", "", text_of(heading.group(0)))


def next_link(page: str) -> str | None:
    found = re.search(r'<a[^>]*href="([^"]+)"[^>]*rel="next"', page) or re.search(
        r'<a[^>]*rel="next"[^>]*href="([^"]+)"', page
    )
    return html.unescape(found.group(1)) if found else None


async def walk(organiser, url: str, params: dict | None = None) -> tuple[list[str], list[str]]:
    """Follow the "next page" links from the first page; every name seen, and every page."""
    seen: list[str] = []
    pages: list[str] = []
    response = await organiser.get(url, params=params)
    while True:
        assert response.status_code == 200, text_of(response.text)[:300]
        pages.append(response.text)
        seen += NAME.findall(response.text)
        link = next_link(response.text)
        if link is None or len(pages) > 100:
            return seen, pages
        assert link.startswith("/organiser/") or link.startswith("?"), link
        response = await organiser.get(link if link.startswith("/") else url + link)


async def test_a_list_of_2500_is_counted_whole_and_paged_through(organiser):
    event = await open_event(organiser)
    await fill(organiser, event["id"], 2500)
    url = f"/organiser/events/{event['id']}/attendees"
    seen, pages = await walk(organiser, url)
    assert heading_count(pages[0]) == "2500"
    assert len(pages) > 1
    assert sorted(seen) == [f"{n:04d}" for n in range(2500)]  # everyone, once
    assert "参会人2499" not in pages[0]


async def test_search_keeps_working_across_pages(organiser):
    event = await open_event(organiser)
    await fill(organiser, event["id"], 2500)
    url = f"/organiser/events/{event['id']}/attendees"
    seen, pages = await walk(organiser, url, {"q": "参会人1"})  # 参会人1000 to 参会人1999
    assert heading_count(pages[0]) == "1000"
    assert len(pages) > 1
    assert sorted(seen) == [f"{n:04d}" for n in range(1000, 2000)]
    assert 'value="参会人1"' in pages[-1]  # the search box still says what was searched


async def test_a_page_number_out_of_range_or_not_a_number_is_no_error(organiser):
    event = await open_event(organiser)
    await fill(organiser, event["id"], 450)
    url = f"/organiser/events/{event['id']}/attendees"
    for page in ("0", "-3", "abc", "99999", "1e9", ""):
        response = await organiser.get(url, params={"page": page})
        assert response.status_code == 200, (page, text_of(response.text)[:300])
        assert heading_count(response.text) == "450"
        assert NAME.search(response.text), page
