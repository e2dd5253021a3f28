"""每周一例: the organiser features a method for a week with a write-up and a picture; the
public page lists the issues in order; each has a one-page card whose QR opens its page."""

from __future__ import annotations

import io
import re

import pytest

from tests import pdftools
from tests.conftest import text_of


def a_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 240), (183, 28, 28)).save(buffer, "PNG")
    return buffer.getvalue()


async def methods(client) -> list[int]:
    from presenters.tables import Method

    return [m["id"] for m in await client.run(lambda: Method.select(Method.id).order_by(Method.id))]


async def feature(
    client, method: int, week: str, picture: bytes | None = None, writeup: str = "把党建融入纳税服务的细节。"
):
    files = {"picture": ("photo.png", picture, "image/png")} if picture is not None else {}
    return await client.post(
        "/organiser/featured/",
        data={"method": str(method), "week_of": week, "writeup": writeup, "_csrf_token": await client.csrf()},
        files=files or None,
    )


async def test_weekly_cases_are_numbered_by_week_and_the_card_opens_the_page(organiser, demo):
    pdftools.need_tools()
    first, second = (await methods(organiser))[:2]
    assert (await feature(organiser, second, "2026-07-15", a_png())).status_code == 200  # a Wednesday
    assert (await feature(organiser, first, "2026-07-06")).status_code == 200
    listing = text_of((await organiser.get("/cases")).text)
    assert listing.index("第 2 期") < listing.index("第 1 期")  # newest first; numbered by week
    from events.tables import FeaturedCase

    rows = await organiser.run(
        lambda: FeaturedCase.select(FeaturedCase.id, FeaturedCase.week_of).order_by(FeaturedCase.week_of)
    )
    assert [str(r["week_of"]) for r in rows] == ["2026-07-06", "2026-07-13"]  # the Monday of the week given
    later = rows[1]["id"]
    page = await organiser.get(f"/cases/{later}")
    assert page.status_code == 200 and "第 2 期" in text_of(page.text) and "“三小”工作法" in text_of(page.text)
    picture = await organiser.get(f"/cases/{later}/picture")
    assert picture.headers["content-type"] == "image/png" and picture.content == a_png()
    card = await organiser.get(f"/cases/{later}/card.pdf")
    assert card.status_code == 200 and pdftools.info(card.content)["Pages"] == "1"
    assert pdftools.qr_codes(card.content) == [[f"http://testserver.local/cases/{later}"]]
    assert "把党建融入纳税服务" in pdftools.pages(card.content)[0]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"method": "999999"}, "工作法库"),
        ({"week_of": "下周"}, "YYYY-MM-DD"),
        ({"writeup": ""}, "介绍"),
    ],
)
async def test_bad_input_is_refused_with_a_message(organiser, demo, changes, field):
    method = (await methods(organiser))[0]
    data = {
        "method": str(method),
        "week_of": "2026-07-06",
        "writeup": "好",
        **changes,
        "_csrf_token": await organiser.csrf(),
    }
    sent = await organiser.post("/organiser/featured/", data=data)
    assert sent.status_code == 400 and field in text_of(sent.text)


async def test_a_picture_that_is_not_an_image_is_refused(organiser, demo):
    method = (await methods(organiser))[0]
    sent = await feature(organiser, method, "2026-07-06", b"MZ\x90\x00 not an image")
    assert sent.status_code == 400 and "PNG 或 JPEG" in text_of(sent.text)
    assert "还没有发布" in text_of((await organiser.get("/cases")).text)
    assert re.search(r"/cases/\d+", (await organiser.get("/cases")).text) is None


async def test_one_case_a_week(organiser, demo):
    first, second = (await methods(organiser))[:2]
    assert (await feature(organiser, first, "2026-07-06")).status_code == 200
    again = await feature(organiser, second, "2026-07-08")  # the same week
    assert again.status_code == 409 and "本周已有一期" in text_of(again.text)


def claimed(kind: str, width: int, height: int) -> bytes:
    from tests.hostile import jpeg_claiming, png_claiming

    return (png_claiming if kind == "png" else jpeg_claiming)(width, height)


@pytest.mark.parametrize(
    "kind, width, height",
    [
        ("png", 8001, 100),
        ("png", 100, 8001),
        ("png", 7000, 7000),  # a side over 8000; 49 megapixels
        ("png", 100_000, 100_000),  # 10 gigapixels in a file of a few hundred bytes
        ("jpeg", 9000, 600),
        ("jpeg", 6500, 6500),
    ],
)
async def test_a_picture_too_large_in_pixels_is_refused_before_it_is_decoded(organiser, demo, kind, width, height):
    """Decoding such a picture (for the card, in a browser) would take gigabytes: its
    header says how large it is, and that is checked before anything else."""
    method = (await methods(organiser))[0]
    sent = await feature(organiser, method, "2026-07-06", claimed(kind, width, height))
    assert sent.status_code == 400, sent.text[:300]
    assert "图片尺寸过大" in text_of(sent.text) and f"{width}×{height}" in text_of(sent.text)
    assert "还没有发布" in text_of((await organiser.get("/cases")).text)


async def test_a_picture_at_the_pixel_limits_is_taken(organiser, demo):
    method = (await methods(organiser))[0]
    assert (await feature(organiser, method, "2026-07-06", claimed("png", 8000, 5000))).status_code == 200


async def test_a_picture_with_the_right_magic_but_no_header_is_refused(organiser, demo):
    method = (await methods(organiser))[0]
    sent = await feature(organiser, method, "2026-07-06", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert sent.status_code == 400 and "PNG 或 JPEG" in text_of(sent.text)


async def test_a_writeup_with_nul_is_refused_and_control_characters_are_removed(organiser, demo):
    from events.tables import FeaturedCase

    method = (await methods(organiser))[0]
    refused = await feature(organiser, method, "2026-07-06", a_png(), writeup="把党建\x00融入服务")
    assert refused.status_code == 400 and "无法保存" in text_of(refused.text)
    assert await organiser.run(lambda: FeaturedCase.count()) == 0
    saved = await feature(organiser, method, "2026-07-06", a_png(), writeup="把党建\x01融入\u202e服务\n第二段")
    assert saved.status_code == 200
    assert await organiser.run(lambda: FeaturedCase.select(FeaturedCase.writeup)) == [
        {"writeup": "把党建融入服务\n第二段"}
    ]
