"""Text that comes in is cleaned the same on both engines (web/text.py at every entry point),
and NUL is refused with a message on SQLite as on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from core.text import NO_NUL_PATTERN, VISIBLE_PATTERN, clean_line, clean_text, has_nul
from tests.conftest import text_of

# -- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("税心向党", "税心向党"),
        ("税心\x01\x08\x0b\x0c\x1b\x7f\x85向党", "税心向党"),  # C0 (not tab/LF/CR), DEL, C1
        ("a\ufffe\uffff\ud800b", "ab"),  # non-characters and a lone surrogate
        ("gpj.\u202eexe", "gpj.exe"),  # a right-to-left override hides the real ending
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069名", "名"),
        ("名\u200e\u200f", "名"),  # direction marks: never needed in a name
        ("一楼\t会议室\r\n二楼", "一楼 会议室 二楼"),  # one line stays one line
        ("A&B <b> ’", "A&B <b> ’"),  # ordinary characters are not touched
    ],
)
def test_clean_line_keeps_only_what_a_name_needs(raw, expected):
    assert clean_line(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("第一行\r\n第二\x07行\t完", "第一行\r\n第二行\t完"),  # line breaks and tabs stay
        ("看\u202e反\u2066了", "看反了"),
        ("mark\u200e", "mark\u200e"),  # a direction mark in running text is harmless
        ("\x00空\x1f", "空"),
    ],
)
def test_clean_text_keeps_line_breaks(raw, expected):
    assert clean_text(raw) == expected


def test_has_nul_looks_into_nested_values_and_keys():
    assert has_nul("a\x00") and has_nul(["x", {"k": "a\x00"}]) and has_nul({"\x00": 1})
    assert not has_nul({"title": "税心向党", "n": [1, None, "b"]}) and not has_nul(0)


# -- over HTTP, on the configured engine ---------------------------------------------------------

EVENT_FORM = {
    "title": "税心\u202e向党\x01",
    "theme": "",
    "date": "2026-07-01",
    "start_time": "09:00",
    "end_time": "11:30",
    "timezone": "Asia/Shanghai",
    "venue": "一楼\t会议室\x0b",
    "description": "第一行\r\n第二\x07行\u2066",
    "theme_color": "#b71c1c",
    "slug": "shuixin-2026",
}


async def stored_events(client) -> list[dict]:
    from events.tables import Event

    return await client.run(lambda: Event.select(Event.title, Event.venue, Event.description))


async def test_form_text_is_cleaned_on_the_way_in(organiser):
    response = await organiser.form("/organiser/events/new", EVENT_FORM)
    assert response.status_code == 200, response.text
    assert await stored_events(organiser) == [
        {"title": "税心向党", "venue": "一楼 会议室", "description": "第一行\r\n第二行"}
    ]


async def test_api_text_is_cleaned_on_the_way_in(organiser):
    branch = await organiser.api(
        "POST",
        "/api/branches/",
        {"name": "党建\u202e工作科\x1b党支部", "unit": "芙蓉区\n税务局", "contact": "138\u200f00001111"},
    )
    assert branch.status_code == 201, branch.text
    assert {k: branch.json()[k] for k in ("name", "unit", "contact")} == {
        "name": "党建工作科党支部",
        "unit": "芙蓉区 税务局",
        "contact": "13800001111",
    }
    method = await organiser.api(
        "POST", "/api/methods/", {"title": "学习法\u2067", "branch_id": branch.json()["id"], "summary": "一\n二\x0c"}
    )
    assert method.status_code == 201 and (method.json()["title"], method.json()["summary"]) == ("学习法", "一\n二")
    event = await organiser.api("POST", "/api/events/", {**EVENT_FORM, "theme_color": "#b71c1c"})
    assert event.status_code == 201, event.text
    assert await stored_events(organiser) == [
        {"title": "税心向党", "venue": "一楼 会议室", "description": "第一行\r\n第二行"}
    ]


async def test_api_name_of_nothing_but_invisible_characters_is_refused(organiser):
    from presenters.tables import Area

    response = await organiser.api("POST", "/api/areas/", {"name": "\u202e\x01"})
    assert response.status_code == 400 and await organiser.run(lambda: Area.count()) == 0


async def test_nul_in_a_form_is_refused_with_a_message_and_nothing_stored(organiser):
    response = await organiser.form("/organiser/events/new", {**EVENT_FORM, "title": "税心\x00向党"})
    assert response.status_code == 400 and "NUL" in text_of(response.text) and "无法保存" in text_of(response.text)
    assert await stored_events(organiser) == []
    organiser.cookies.set("lang", "en")
    response = await organiser.form("/organiser/events/new", {**EVENT_FORM, "description": "a\x00"})
    assert response.status_code == 400 and "cannot be stored" in text_of(response.text)
    assert await stored_events(organiser) == []


async def test_nul_in_the_json_api_is_refused_with_a_message_and_nothing_stored(organiser):
    from presenters.tables import Branch

    response = await organiser.api("POST", "/api/branches/", {"name": "党支部\x00", "unit": "芙蓉区税务局"})
    assert response.status_code == 400 and "无法保存" in response.json()["detail"]
    nested = await organiser.api(
        "POST", "/api/branches/", {"name": "党支部", "unit": "芙蓉区税务局", "contact": "\x00"}
    )
    assert nested.status_code == 400 and await organiser.run(lambda: Branch.count()) == 0
    # "\\u0000" is a backslash and five letters, not NUL: stored as sent.
    literal = await organiser.api("POST", "/api/branches/", {"name": "党支部\\u0000", "unit": "芙蓉区税务局"})
    assert literal.status_code == 201 and literal.json()["name"] == "党支部\\u0000"


async def test_nul_in_a_search_is_refused_not_searched(organiser):
    event = (await organiser.api("POST", "/api/events/", {**EVENT_FORM, "title": "税心向党"})).json()
    response = await organiser.get(f"/organiser/events/{event['id']}/attendees", params={"q": "彭\x00"})
    assert response.status_code == 400 and "无法保存" in text_of(response.text)
    assert (await organiser.get(f"/organiser/events/{event['id']}/attendees", params={"q": "彭"})).status_code == 200
    in_path = await organiser.get("/e/shuixin%00-2026")
    assert in_path.status_code == 400 and "无法保存" in text_of(in_path.text)


def test_keep_together_keeps_short_quoted_titles_their_word_and_the_tail():
    from core.text import keep_together

    assert keep_together("“纳税服务五个一”学习法之提升纳税人满意度的实践（第二期）") == [
        ("“纳税服务五个一”学习法", True),
        ("之提升纳税人满意度的实践", False),
        ("（第二期）", True),
    ]
    assert keep_together("学习法之提升纳税人满意度的实践二期")[-1] == ("践二期", True)
    assert keep_together("“37℃学习法”") == [("“37℃学习法”", True)]
    assert keep_together("") == []
    # a quote longer than the limit may break (it must, to fit a narrow column)
    assert ("“红色引擎·党建+纳税服务”", True) not in keep_together("的“红色引擎·党建+纳税服务”工作法", longest=9)
    assert "".join(p for p, _ in keep_together("a“b”c“d”e（f）", longest=4)) == "a“b”c“d”e（f）"


def test_the_schemas_text_patterns_say_what_the_cleaning_keeps():
    """The OpenAPI schema's patterns (web/openapi.py) describe text as the server takes it:
    a required one-line field must keep a visible character once cleaned, and no text may hold
    NUL. Checked on every character, so the two never drift apart."""
    visible, no_nul = re.compile(VISIBLE_PATTERN), re.compile(NO_NUL_PATTERN)
    wrong = [
        hex(code)
        for code in range(1, 0x110000)
        if not 0xD800 <= code <= 0xDFFF and bool(visible.search(chr(code))) != bool(clean_line(chr(code)).strip())
    ]
    assert not wrong, wrong
    assert visible.search("  王 ") and not visible.search(" \u200e\t") and not visible.search("王\x00")
    assert no_nul.search("any text\u202e") and not no_nul.search("a\x00b")
