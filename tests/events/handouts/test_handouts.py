"""Printed handouts through HTTP on the configured engine, checked with the tools a print
shop would use: pdffonts, pdftotext, pdfinfo, and zbarimg on the rendered pages."""

from __future__ import annotations

import re

import pytest

from tests import pdftools
from tests.conftest import text_of

BASE = "http://testserver.local"
DEMO_TALKS = ["“37℃学习法”", "“三小”工作法", "“五微”工作法", "青年党员成长“三三制”工作法"]


@pytest.fixture(autouse=True)
def tools() -> None:
    pdftools.need_tools()


async def demo_event(client) -> dict:
    from events.tables import AgendaItem, Event

    async def load():
        event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
        items = (
            await AgendaItem.select(AgendaItem.id)
            .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
            .order_by(AgendaItem.position)
        )
        return {"id": event["id"], "talks": [i["id"] for i in items]}

    return await client.run(load)


def squash(text: str) -> str:
    """pdftotext spaces CJK text as the layout falls: compare without whitespace."""
    return re.sub(r"\s+", "", text)


SHIPPED = {
    "Showcase-Sans",
    "Showcase-Sans-Bold",
    "Showcase-CJK-Extra",
    "Showcase-CJK-Extra-Bold",
    "Showcase-Rare-Han",
    "Showcase-Rare-Han-Bold",
    "Showcase-Rare-Han-G",
    "Showcase-Rare-Han-G-Bold",
    "Showcase-Symbols",
    "Showcase-Symbols-Bold",
    "Showcase-Emoji",
}  # the @font-face families of assets/fonts


def shipped_fonts_only(pdf: bytes) -> list[str]:
    """Every font in the PDF is embedded and is one of ours, never the machine's."""
    rows = pdftools.fonts(pdf)
    assert rows, "no fonts in the PDF"
    assert all(r["emb"] == "yes" for r in rows), rows
    names = sorted({r["name"].split("+", 1)[-1] for r in rows})
    assert set(names) <= SHIPPED, names
    return names


async def test_booklet_is_the_demo_day_in_chinese_with_the_shipped_font(organiser, demo):
    event = await demo_event(organiser)
    response = await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert shipped_fonts_only(pdf) in (["Showcase-Sans"], ["Showcase-Sans", "Showcase-Sans-Bold"])
    assert pdftools.info(pdf)["Page size"].endswith("(A4)")
    pages = pdftools.pages(pdf)
    assert len(pages) == 1 + 1 + 1 + len(DEMO_TALKS) + 1  # cover, contents, agenda, a page each, closing
    assert "税心向党·书记说" in pages[0] and "2026年7月1日" in pages[0] and "扫码签到" in pages[0]
    assert "第2页/共8页" in squash(pages[1]) and "第1页" not in squash(pages[0])  # no number on the cover
    for n, title in enumerate(DEMO_TALKS):
        page = pages[3 + n]
        assert title in page and f"第{4 + n}页/共8页" in squash(page)
        contents_line = next(line for line in pages[1].splitlines() if title in line)
        assert contents_line.split()[-1] == str(4 + n)  # the contents page points at the right page
    assert "芙蓉区税务局" in pages[3] and "党建工作科党支部" in pages[3] and "党员教育" in pages[3]


async def test_every_qr_code_in_the_booklet_opens_the_right_page(organiser, demo):
    event = await demo_event(organiser)
    pdf = (await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf")).content
    codes = pdftools.qr_codes(pdf)
    assert codes[0] == [f"{BASE}/e/shuixin-2026/checkin"]
    assert [page for page in codes[3:7]] == [[f"{BASE}/e/shuixin-2026/feedback/{i}"] for i in event["talks"]]
    assert codes[7] == [f"{BASE}/e/shuixin-2026/feedback#overall"]
    assert codes[1] == codes[2] == []
    feedback_page = await organiser.get(codes[3][0].removeprefix(BASE))  # and they lead somewhere real
    assert feedback_page.status_code == 200 and DEMO_TALKS[0] in feedback_page.text
    checkin_page = await organiser.get(codes[0][0].removeprefix(BASE))  # check-in is not open on the demo day
    assert checkin_page.status_code in (200, 403) and "签到" in text_of(checkin_page.text)


async def test_a5_booklet_and_english_page_numbers(organiser, demo):
    event = await demo_event(organiser)
    await organiser.get("/lang?to=en")
    pdf = (await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf?size=a5")).content
    assert pdftools.info(pdf)["Page size"].startswith("419.5")  # A5: 148 x 210 mm
    pages = pdftools.pages(pdf)
    assert f"Page 2 of {len(pages)}" in pages[1] and "Contents" in pages[1]
    assert len([c for c in pdftools.qr_codes(pdf, dpi=120) if c]) == 6


async def test_poster_in_a4_and_a3_carries_the_door_code(organiser, demo):
    event = await demo_event(organiser)
    for size, label in (("a4", "(A4)"), ("a3", "(A3)")):
        pdf = (await organiser.get(f"/organiser/events/{event['id']}/handouts/poster.pdf?size={size}")).content
        assert pdftools.info(pdf)["Page size"].endswith(label) and pdftools.info(pdf)["Pages"] == "1"
        assert pdftools.qr_codes(pdf, dpi=50) == [[f"{BASE}/e/shuixin-2026/checkin"]]  # read even from afar
        text = pdftools.pages(pdf)[0]
        assert "手机扫码签到" in text and "手机号后四位" in text


async def test_ticket_sheets_hold_ten_cards_with_each_persons_code(organiser, demo):
    from events.checkin import queries as cq
    from events.tables import Attendee

    event = await demo_event(organiser)
    people = [{"name": f"参会者{n:02d}", "unit": "雨花区税务局侯家塘税务分局"} for n in range(12)]
    await organiser.run(cq.add_attendees, event["id"], people)
    codes = {
        r["name"]: r["ticket_code"]
        for r in await organiser.run(lambda: Attendee.select(Attendee.name, Attendee.ticket_code))
    }
    pdf = (await organiser.get(f"/organiser/events/{event['id']}/handouts/tickets.pdf")).content
    pages = pdftools.pages(pdf)
    assert len(pages) == 2 and "参会者00" in pages[0] and "参会者11" in pages[1]
    # each card on its own, as a door scanner sees one ticket: 85 x 54 mm, 2 x 5 from the sheet's margins
    read = pdftools.qr_codes_per_card(pdf, dpi=150, origin_mm=(20, 13), card_mm=(85, 54), columns=2, rows=5)
    assert [len([c for c in p if c]) for p in read] == [10, 2]
    assert sorted(c for p in read for c in p if c) == sorted(f"{BASE}/t/{code}" for code in codes.values())


async def test_repeat_download_comes_from_the_cache_and_a_change_makes_it_fresh(organiser, demo):
    from presenters.tables import Method

    event = await demo_event(organiser)
    url = f"/organiser/events/{event['id']}/handouts/booklet.pdf"
    first = await organiser.get(url)
    again = await organiser.get(url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert (await organiser.get(url, headers={"If-None-Match": first.headers["etag"]})).status_code == 304

    await organiser.run(
        lambda: Method.update({Method.title: "“三小”工作法（修订）"}).where(Method.title == "“三小”工作法")
    )
    renamed = await organiser.get(url)
    assert renamed.headers["etag"] != first.headers["etag"]
    assert "“三小”工作法（修订）" in pdftools.pages(renamed.content)[4]
    assert (await organiser.get(url, headers={"If-None-Match": first.headers["etag"]})).status_code == 200

    current = (await organiser.get(f"/api/events/{event['id']}")).json()
    keys = [
        "title",
        "date",
        "start_time",
        "end_time",
        "slug",
        "theme",
        "timezone",
        "description",
        "theme_color",
        "status",
    ]
    moved = await organiser.api(
        "PUT", f"/api/events/{event['id']}", {**{k: current[k] for k in keys}, "venue": "长沙市税务局 三楼报告厅"}
    )
    assert moved.status_code == 200, moved.text
    fresh = await organiser.get(url)
    assert fresh.headers["etag"] != renamed.headers["etag"] and "三楼报告厅" in pdftools.pages(fresh.content)[0]


async def test_hostile_and_odd_text_renders_and_fetches_nothing(organiser, demo):
    from events.handouts import render as handouts
    from presenters.tables import Branch, Method

    event = await demo_event(organiser)
    hostile = '<script>alert(1)</script> ../../etc/passwd <img src="file:///etc/passwd"> <link rel=stylesheet href="http://example.com/x.css">'
    await organiser.run(
        lambda: Method.update({Method.title: "<script>alert(1)</script>", Method.summary: hostile + "长" * 5000}).where(
            Method.title == "“三小”工作法"
        )
    )
    await organiser.run(lambda: Method.update({Method.summary: ""}).where(Method.title == "“五微”工作法"))
    await organiser.run(
        lambda: Branch.update({Branch.name: "𠮷野家党支部 👍🏽 㙟"}).where(Branch.name == "党建工作科党支部")
    )
    refused_before = list(handouts.refused)
    response = await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf")
    assert response.status_code == 200
    pages = pdftools.pages(response.content)
    assert list(handouts.refused) == refused_before  # escaped text: nothing was even asked for
    text = "\n".join(pages)
    assert "<script>alert(1)</script>" in text and "../../etc/passwd" in text and "file:///etc/passwd" in text
    assert "𠮷野家党支部" in text and "暂无简介" in text
    assert {"Showcase-CJK-Extra", "Showcase-Emoji"} <= set(shipped_fonts_only(response.content))  # 𠮷 and 👍, ours too
    assert "root:x:0:0" not in text
    assert len(pages) >= 9  # the 5,000 characters flow onto pages of their own


def test_the_renderer_fetches_only_our_own_assets():
    from weasyprint.urls import URLFetchingError  # noqa: F401 - the fetcher's refusals become these

    from events.handouts import render as handouts

    fetcher = handouts.AssetsOnly()
    assert fetcher.fetch(handouts.ASSET_ORIGIN + "css/print.css").read().startswith(b"/*")
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:5432/",
        "https://example.com/x.css",
        handouts.ASSET_ORIGIN + "../../etc/passwd",
        handouts.ASSET_ORIGIN + "%2e%2e/%2e%2e/etc/passwd",
        handouts.ASSET_ORIGIN + "../settings.py",
        "data:text/css,body{}",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    pdf = handouts.render_pdf(
        '<p>税</p><img src="file:///etc/passwd"><img src="http://example.com/a.png">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
    )
    assert (
        pdf.startswith(b"%PDF")
        and "file:///etc/passwd" in handouts.refused
        and "http://example.com/a.png" in handouts.refused
    )


def test_shipped_font_covers_gb2312_and_big5():
    from fontTools.ttLib import TTFont

    from settings import ROOT

    def chars(encoding: str, high: range, low: range) -> set[str]:
        found = set()
        for hi in high:
            for lo in low:
                try:
                    found.add(bytes([hi, lo]).decode(encoding))
                except UnicodeDecodeError:
                    pass
        return found

    folder = ROOT / "assets" / "fonts"
    for weight in ("Regular", "Bold"):
        cjk = TTFont(folder / f"NotoSansSC-{weight}.ttf", lazy=True).getBestCmap()
        symbols = TTFont(
            folder / ("DejaVuSans.ttf" if weight == "Regular" else "DejaVuSans-Bold.ttf"), lazy=True
        ).getBestCmap()
        gb2312 = chars("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
        big5 = chars("big5", range(0xA1, 0xFA), range(0x40, 0xFF))
        assert len(gb2312) == 7445 and len(big5) == 13706
        assert not [c for c in gb2312 if ord(c) not in cjk]
        assert not [c for c in big5 if ord(c) not in cjk and ord(c) not in symbols]


async def test_every_character_of_the_demo_day_has_a_glyph_in_the_shipped_fonts(client, demo):
    from fontTools.ttLib import TTFont

    from events.tables import AgendaItem, Event
    from presenters.tables import Area, Branch, Method, Presenter
    from settings import ROOT

    async def everything():
        texts = []
        for table in (Event, AgendaItem, Area, Branch, Method, Presenter):
            for row in await table.select():
                texts += [v for v in row.values() if isinstance(v, str)]
        return "".join(texts)

    text = await client.run(everything)
    folder = ROOT / "assets" / "fonts"
    covered = set(TTFont(folder / "NotoSansSC-Regular.ttf", lazy=True).getBestCmap()) | set(
        TTFont(folder / "DejaVuSans.ttf", lazy=True).getBestCmap()
    )
    assert not sorted({c for c in text if ord(c) not in covered and not c.isspace()})


async def test_preview_is_the_same_document_as_html(organiser, demo):
    event = await demo_event(organiser)
    page = await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.html")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    text = squash(text_of(page.text))  # a title may be in spans that keep parts of it on one line
    assert all(title in text for title in DEMO_TALKS) and "目录" in text
    assert page.text.count("<svg") == 6 and 'href="/assets/css/print.css"' in page.text
    assert (await organiser.get(f"/organiser/events/{event['id']}/handouts/")).status_code == 200


async def test_public_programme_only_for_published_events(client, demo):
    from events.tables import Event

    published = await client.get("/e/shuixin-2026/programme.pdf")
    assert published.status_code == 200 and published.content.startswith(b"%PDF")
    assert "public" in published.headers["cache-control"]
    missing = await client.get("/e/no-such-day/programme.pdf")
    assert missing.status_code == 404 and "不存在" in text_of(missing.text)
    await client.run(lambda: Event.update({Event.status: "draft"}).where(Event.slug == "shuixin-2026"))
    assert (await client.get("/e/shuixin-2026/programme.pdf")).status_code == 404


async def test_organiser_documents_need_an_organiser(client, demo):
    event = await demo_event(client)
    for path in ["booklet.pdf", "poster.pdf", "tickets.pdf", "booklet.html", ""]:
        response = await client.get(f"/organiser/events/{event['id']}/handouts/{path}", follow_redirects=False)
        assert response.status_code in (302, 303, 401, 403), path
        assert not response.content.startswith(b"%PDF")


async def test_unknown_event_and_paper_size_are_clear_errors(organiser, demo):
    event = await demo_event(organiser)
    assert (await organiser.get("/organiser/events/9999/handouts/booklet.pdf")).status_code == 404
    wrong = await organiser.get(f"/organiser/events/{event['id']}/handouts/poster.pdf?size=a5")
    assert wrong.status_code == 400 and "纸张尺寸" in text_of(wrong.text)


async def test_feedback_report_prints_results_and_leaves_hidden_comments_out(organiser, demo):
    import datetime as dt

    from events.tables import Event, Feedback

    event = await demo_event(organiser)
    now = dt.datetime.now(dt.UTC)
    first, second = event["talks"][:2]

    async def rate():
        await Event.update({Event.feedback_anonymous: True}).where(Event.id == event["id"])
        await Feedback.insert(
            Feedback(
                event=event["id"],
                item=first,
                device="phone-a" * 4,
                rating=5,
                comment="讲得清楚，可以推广",
                updated_at=now,
            ),
            Feedback(
                event=event["id"],
                item=first,
                device="phone-b" * 4,
                rating=4,
                comment="不当言论",
                hidden=True,
                updated_at=now,
            ),
            Feedback(event=event["id"], item=second, device="phone-a" * 4, rating=3, comment="", updated_at=now),
        )

    await organiser.run(rate)
    pdf = (await organiser.get(f"/organiser/events/{event['id']}/feedback/report.pdf")).content
    text = "\n".join(pdftools.pages(pdf))
    assert "评价结果报告" in text and "4.50" in text and "3.00" in text
    assert "讲得清楚，可以推广" in text and "不当言论" not in text and "有1条留言已被组织者隐藏" in squash(text)
    ranking = [line for line in text.splitlines() if "4.50" in line or "3.00" in line]
    assert "37℃" in ranking[0] and "三小" in ranking[1]  # best first
    shipped_fonts_only(pdf)


# Characters of people's names that Noto Sans SC and Noto Sans CJK lack (U+ and block), and
# some that they have, which must keep coming from them.
RARE_IN_NAMES = {"𪚥": "B", "𪜶": "C", "𫝀": "D", "𬺰": "F", "𰀀": "G", "𱍐": "H", "䶶": "A (Unicode 13)"}
COMMON_IN_NAMES = "䶮𠮷𡈼龘𬌗𰻝"
FONT_FILES = {
    "Showcase-Sans": "NotoSansSC-Regular.ttf",
    "Showcase-Sans-Bold": "NotoSansSC-Bold.ttf",
    "Showcase-CJK-Extra": "ShowcaseCJKExtra-Regular.otf",
    "Showcase-CJK-Extra-Bold": "ShowcaseCJKExtra-Bold.otf",
    "Showcase-Rare-Han": "rare/ShowcaseRareHan.ttf",
    "Showcase-Rare-Han-Bold": "rare/ShowcaseRareHan.ttf",
    "Showcase-Rare-Han-G": "rare/ShowcaseRareHanG.ttf",
    "Showcase-Rare-Han-G-Bold": "rare/ShowcaseRareHanG.ttf",
    "Showcase-Symbols": "DejaVuSans.ttf",
    "Showcase-Symbols-Bold": "DejaVuSans-Bold.ttf",
    "Showcase-Emoji": "NotoEmoji-Regular.ttf",
}


def boxes_drawn(pdf: bytes) -> list[tuple[str, str]]:
    """(font, character) for every character the PDF draws with some other glyph than the
    one its font has for it: a box (.notdef), Pango's unknown glyph, or nothing."""
    from functools import cache

    from fontTools.ttLib import TTFont

    from settings import ROOT

    @cache
    def glyph_ids(font: str) -> tuple[dict[int, int], int]:
        loaded = TTFont(ROOT / "assets" / "fonts" / FONT_FILES[font], lazy=True)
        return {u: loaded.getGlyphID(name) for u, name in loaded.getBestCmap().items()}, loaded["maxp"].numGlyphs

    wrong = []
    for font, glyph, text in pdftools.drawn_glyphs(pdf):
        cmap, _count = glyph_ids(font)
        if len(text) != 1 or cmap.get(ord(text)) != glyph:
            wrong.append((font, text))
    return wrong


async def test_rare_characters_in_names_print_from_the_shipped_fallback(organiser, demo):
    from events.checkin import queries as cq
    from presenters.tables import Presenter

    event = await demo_event(organiser)
    names = [f"王{c}" for c in RARE_IN_NAMES] + ["𪚥 𪜶", "张" + COMMON_IN_NAMES]
    await organiser.run(cq.add_attendees, event["id"], [{"name": n, "unit": "𫝀𬺰税务所"} for n in names])
    tickets = await organiser.get(f"/organiser/events/{event['id']}/handouts/tickets.pdf")
    assert tickets.status_code == 200
    used = {name.removesuffix("-Bold") for name in shipped_fonts_only(tickets.content)}  # embedded, ours
    assert {"Showcase-Rare-Han", "Showcase-Rare-Han-G"} <= used, used
    text = "".join(pdftools.pages(tickets.content))  # two cards a row: their lines interleave
    assert not [c for c in "".join(names) if c not in text and not c.isspace()], text
    assert "𪚥 𪜶" in text
    assert boxes_drawn(tickets.content) == []
    # the booklet: a presenter's name in bold and plain, on the agenda and on their page
    first = (await organiser.run(lambda: Presenter.select(Presenter.id).order_by(Presenter.id).first()))["id"]
    await organiser.run(lambda: Presenter.update({Presenter.name: "李𪚥𰀀䶶"}).where(Presenter.id == first))
    booklet = (await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf")).content
    assert "李𪚥𰀀䶶" in "".join(pdftools.pages(booklet))
    assert {"Showcase-Rare-Han", "Showcase-Rare-Han-G"} <= {
        n.removesuffix("-Bold") for n in shipped_fonts_only(booklet)
    }
    assert boxes_drawn(booklet) == []


def test_rare_name_characters_have_glyphs_in_the_shipped_fonts():
    from fontTools.ttLib import TTFont

    from events.handouts import render as handouts
    from settings import ROOT

    folder = ROOT / "assets" / "fonts"
    assert all(p.is_file() for p in handouts.RARE_FONTS), "make deps makes assets/fonts/rare/"
    cmaps = {name: set(TTFont(folder / name, lazy=True).getBestCmap()) for name in set(FONT_FILES.values())}
    covered = set().union(*cmaps.values())
    assert not [c for c in [*RARE_IN_NAMES, *COMMON_IN_NAMES] if ord(c) not in covered]
    rare = cmaps["rare/ShowcaseRareHan.ttf"] | cmaps["rare/ShowcaseRareHanG.ttf"]
    for first, last, block in (
        (0x20000, 0x2A6DF, "B"),
        (0x2A700, 0x2B739, "C"),
        (0x2B740, 0x2B81D, "D"),
        (0x2B820, 0x2CEA1, "E"),
        (0x2CEB0, 0x2EBE0, "F"),
    ):
        missing = [u for u in range(first, last + 1) if u not in covered]
        assert len(missing) <= 10, (block, [hex(u) for u in missing[:20]])
    assert len([u for u in range(0x30000, 0x3134B) if u in rare]) >= 3000  # Extension G: most of it
    assert (folder / "rare" / "COPYRIGHT-Hanazono.txt").is_file()
    assert (folder / "rare" / "COPYRIGHT-BabelStoneHan.txt").is_file()


LONG_DAY = "“纳税服务五个一”学习法之提升纳税人满意度的实践（第二期）"
SHORT_TAIL_DAY = "“纳税服务五个一”学习法之提升纳税人满意度的实践二期"  # ends "二期" alone on A5 before
LONG_TALK = "基层党建与业务融合的“红色引擎·党建+纳税服务”工作法（第二期）"


def title_lines(page: str, title: str) -> list[str]:
    """The lines (as pdftotext lays them out) that together print ``title``, and nothing else."""
    lines = [squash(line) for line in page.splitlines() if squash(line)]
    for first in range(len(lines)):
        run = ""
        for last in range(first, len(lines)):
            run += lines[last]
            if run == title:
                return lines[first : last + 1]
            if not title.startswith(run):
                break
    raise AssertionError(f"{title} not found whole in:\n{page}")


def quoted_titles_whole(lines: list[str]) -> bool:
    """No line ends inside a “…” title."""
    open_quote = False
    for line in lines[:-1]:
        for char in line:
            open_quote = True if char == "“" else False if char == "”" else open_quote
        if open_quote:
            return False
    return True


@pytest.mark.parametrize(("size", "day_title"), [("a4", LONG_DAY), ("a5", LONG_DAY), ("a5", SHORT_TAIL_DAY)])
async def test_long_titles_print_without_a_quoted_title_split_or_a_lonely_tail(organiser, demo, size, day_title):
    """A title in “…” stays on one line when it fits on one, and the cover title never ends
    on a line of two characters ("期）" alone)."""
    from events.tables import AgendaItem, Event
    from presenters.tables import Method

    event = await demo_event(organiser)

    async def retitle():
        await Event.update({Event.title: day_title}).where(Event.id == event["id"])
        talk = await AgendaItem.select(AgendaItem.method).where(AgendaItem.id == event["talks"][0]).first()
        await Method.update({Method.title: LONG_TALK}).where(Method.id == talk["method"])

    await organiser.run(retitle)
    pdf = (await organiser.get(f"/organiser/events/{event['id']}/handouts/booklet.pdf?size={size}")).content
    pages = pdftools.pages(pdf)
    cover = title_lines(pages[0], day_title)
    assert len(cover) > 1 and quoted_titles_whole(cover), cover
    assert len(cover[-1]) > 2, cover
    talk_page = next(p for p in pages if squash(p).startswith("第1个展示"))
    talk = title_lines(talk_page, LONG_TALK)
    assert quoted_titles_whole(talk), talk
    assert len(talk[-1]) > 2, talk
