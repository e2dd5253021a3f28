"""Attendee imports that lose nothing and add nothing twice, on the configured engine: a
list of any size the preview accepts is stored, a confirmation sent twice (or from two tabs)
imports once, and rows already on the list are flagged "已导入" and skipped.

The preview keeps what it read on the server (under the data dir, named by a token) and
the confirm form posts only that token: a 50,000-row list makes a small page, every row
with an error is shown, and a token that is unknown, expired, used, or another event's or
another organiser's imports nothing."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

from tests.conftest import make_user, text_of
from tests.events.checkin.test_checkin_http import open_event

SCIENTIFIC = "科学计数法"  # the message of a mobile a spreadsheet turned into 1.38073E+10
EXPIRED = "导入已过期"


def roster_csv(count: int, start: int = 0, broken: set[int] | frozenset[int] = frozenset()) -> bytes:
    """``count`` people; those numbered in ``broken`` have a mobile Excel mangled."""
    lines = ["姓名,单位,手机,邮箱"]
    for n in range(start, start + count):
        phone = "1.38073E+10" if n in broken else f"139{n:08d}"
        lines.append(f"参会人{n},第{n % 37}党支部,{phone},p{n}@example.cn")
    return ("\n".join(lines) + "\n").encode()


async def preview(organiser, event_id: int, content: bytes, **kwargs):
    return await organiser.post(
        f"/organiser/events/{event_id}/attendees/import",
        data={"_csrf_token": await organiser.csrf()},
        files={"file": ("名单.csv", content, "text/csv")},
        **kwargs,
    )


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]*)"', page)
    assert found, text_of(page)[:500]
    return found.group(1)


async def confirm(organiser, event_id: int, token: str, **kwargs):
    return await organiser.form(f"/organiser/events/{event_id}/attendees/import/confirm", {"token": token}, **kwargs)


def pending_files(token: str) -> list[Path]:
    """The files the preview of ``token`` left in the data dir."""
    data_dir = Path(os.environ["SHOWCASE_DATA_DIR"])
    return [p for p in data_dir.rglob("*") if token in p.name]


def age(token: str, seconds: float) -> None:
    """Make a pending import look ``seconds`` old, as if it was previewed that long ago."""
    for path in pending_files(token):
        then = time.time() - seconds
        os.utime(path, (then, then))


async def registered(organiser, event_id: int) -> int:
    return (await organiser.get(f"/api/events/{event_id}/attendance")).json()["registered"]


async def test_import_of_50000_rows_previews_on_a_small_page_and_is_stored_whole(organiser):
    event = await open_event(organiser)
    broken = set(range(7, 50_000, 397))  # 126 rows spread over the file
    content = roster_csv(50_000, broken=broken)
    assert len(content) > 2_900_000  # about 3 MB
    shown = await preview(organiser, event["id"], content)
    text = text_of(shown.text)
    assert shown.status_code == 200, text[:300]
    assert len(shown.content) < 200_000, len(shown.content)  # not the list posted back and forth
    assert f"可导入{50_000 - len(broken)}行" in text and f"{len(broken)}行有错误，将被跳过" in text
    for n in broken:  # every row with an error, by its line in the file (the header is line 1)
        assert f" {n + 2} 参会人{n} " in text, n
    assert text.count(SCIENTIFIC) == len(broken)
    assert " 2 参会人0 " in text and " 21 参会人19 " in text  # the first rows, as a sample
    assert "参会人30000" not in text
    token = token_of(shown.text)
    assert pending_files(token)
    confirmed = await confirm(organiser, event["id"], token, follow_redirects=False)
    assert confirmed.status_code in (302, 303), (confirmed.status_code, text_of(confirmed.text)[:300])
    assert await registered(organiser, event["id"]) == 50_000 - len(broken)
    assert pending_files(token) == []  # gone once confirmed
    page = await organiser.get(f"/organiser/events/{event['id']}/attendees", params={"q": "参会人49999"})
    assert "第49999党支部" not in page.text and "参会人49999" in page.text  # the last row, with its own unit
    assert f"第{49999 % 37}党支部" in page.text


async def test_a_list_over_50000_rows_is_refused_with_the_limit(organiser):
    event = await open_event(organiser)
    refused = await preview(organiser, event["id"], roster_csv(50_001))
    assert refused.status_code == 400 and "行数过多（最多50000行）" in text_of(refused.text)
    assert 'name="token"' not in refused.text
    assert await registered(organiser, event["id"]) == 0


async def test_every_row_with_an_error_is_shown_page_by_page(organiser):
    event = await open_event(organiser)
    broken = set(range(0, 900, 2))  # 450 rows with an error: more than one page of them
    shown = await preview(organiser, event["id"], roster_csv(900, broken=broken))
    assert shown.status_code == 200 and "450行有错误，将被跳过" in text_of(shown.text)
    token = token_of(shown.text)
    seen: set[int] = set()
    page = shown
    for _ in range(10):
        text = text_of(page.text)
        seen |= {int(n) for n in re.findall(r" 参会人(\d+) [^ ]+ 1\.38073E\+10 ", text)}
        assert token_of(page.text) == token  # every page can confirm
        following = re.search(r'<a [^>]*rel="next"[^>]*href="([^"]+)"', page.text)
        if not following:
            break
        page = await organiser.get(following.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
    assert seen == broken
    await confirm(organiser, event["id"], token)
    assert await registered(organiser, event["id"]) == 450


async def test_a_token_replayed_forged_or_of_another_event_imports_nothing(organiser):
    event = await open_event(organiser)
    other = await open_event(organiser, slug="other-2026")
    token = token_of((await preview(organiser, event["id"], roster_csv(3))).text)
    data_dir = Path(os.environ["SHOWCASE_DATA_DIR"])
    keep = data_dir / "keep.json"
    keep.write_text("{}")
    for event_id, given, status in (
        (other["id"], token, 410),  # another event's import
        (event["id"], "A" * 43, 410),  # well formed, never issued
        (event["id"], token[:-1], 400),
        (event["id"], "../keep", 400),
        (event["id"], "../../" + token, 400),
        (event["id"], "", 400),
    ):
        refused = await confirm(organiser, event_id, given)
        assert refused.status_code == status, (given, refused.status_code)
        assert EXPIRED in text_of(refused.text) and "请重新上传" in text_of(refused.text), given
    english = await confirm(organiser, other["id"], token, headers={"Accept-Language": "en"})
    assert english.status_code == 410 and "upload the file again" in text_of(english.text)
    assert keep.exists() and pending_files(token)
    assert await registered(organiser, other["id"]) == 0 and await registered(organiser, event["id"]) == 0
    assert (await organiser.get(f"/organiser/events/{other['id']}/attendees/import/{token}")).status_code == 410
    done = await confirm(organiser, event["id"], token)
    assert done.status_code == 200 and "已导入3人" in text_of(done.text)
    assert pending_files(token) == []
    replayed = await confirm(organiser, event["id"], token)  # the back button, then confirm again
    assert replayed.status_code == 410 and EXPIRED in text_of(replayed.text)
    assert (await organiser.get(f"/organiser/events/{event['id']}/attendees/import/{token}")).status_code == 410
    assert await registered(organiser, event["id"]) == 3


async def test_another_organiser_cannot_confirm_an_import_previewed_by_someone_else(organiser):
    event = await open_event(organiser)
    token = token_of((await preview(organiser, event["id"], roster_csv(3))).text)
    await organiser.run(make_user, "colleague", "organiser")
    await organiser.post("/logout", data={"_csrf_token": await organiser.csrf()})
    page = f"/organiser/events/{event['id']}/attendees/import/{token}"
    anonymous = await organiser.get(page, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    login = await organiser.form("/login", {"username": "colleague", "password": "correct-horse-1", "next": "/"})
    assert login.status_code == 200 and "/login" not in str(login.url)
    assert (await organiser.get(page)).status_code == 410  # nor see what it holds
    refused = await confirm(organiser, event["id"], token)
    assert refused.status_code == 410 and EXPIRED in text_of(refused.text)
    assert await registered(organiser, event["id"]) == 0


async def test_a_preview_left_for_over_an_hour_expires_and_is_cleaned_away(organiser):
    event = await open_event(organiser)
    left = token_of((await preview(organiser, event["id"], roster_csv(2))).text)
    age(left, 3700)
    refused = await confirm(organiser, event["id"], left)
    assert refused.status_code == 410 and EXPIRED in text_of(refused.text)
    assert pending_files(left) == [] and await registered(organiser, event["id"]) == 0
    forgotten = token_of((await preview(organiser, event["id"], roster_csv(2))).text)
    recent = token_of((await preview(organiser, event["id"], roster_csv(2))).text)
    age(forgotten, 3700)
    age(recent, 1800)
    token_of((await preview(organiser, event["id"], roster_csv(2))).text)  # any new preview sweeps
    assert pending_files(forgotten) == [] and pending_files(recent)
    await confirm(organiser, event["id"], recent)
    assert await registered(organiser, event["id"]) == 2


async def test_import_confirmed_twice_imports_once(organiser):
    """The same list previewed in two tabs, and confirmed in both: the second confirmation
    is the same digest of rows (a double click on one preview is a used token, below)."""
    event = await open_event(organiser)
    tabs = [token_of((await preview(organiser, event["id"], roster_csv(30))).text) for _ in range(2)]
    first = await confirm(organiser, event["id"], tabs[0])
    assert first.status_code == 200 and "已导入30人" in text_of(first.text)
    second = await confirm(organiser, event["id"], tabs[1])
    assert second.status_code == 200 and "没有新增" in text_of(second.text)
    assert await registered(organiser, event["id"]) == 30


async def test_import_confirmed_from_two_tabs_at_once_imports_once(organiser):
    """Two confirmations of one preview in two transactions at the same moment (the test
    client answers requests one at a time, so they meet here, on the database)."""
    from events.checkin import queries as cq

    event = await open_event(organiser)
    people = [{"name": f"参会人{n}", "unit": "第一党支部", "phone": f"139{n:08d}", "email": ""} for n in range(400)]

    async def both() -> list[tuple[int, int]]:
        return list(await asyncio.gather(*(cq.import_attendees(event["id"], "d" * 64, people) for _ in range(2))))

    outcomes = await organiser.run(both)
    assert sorted(outcomes) == [(0, 400), (400, 0)]
    assert await registered(organiser, event["id"]) == 400


async def test_import_preview_flags_rows_already_imported_and_confirm_skips_them(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(3))
    await confirm(organiser, event["id"], token_of(first.text))
    again = await preview(organiser, event["id"], roster_csv(5))  # the same three, and two more
    text = text_of(again.text)
    assert again.status_code == 200
    assert text.count("已导入") >= 3 and "可导入2行" in text and "3行已导入，将跳过" in text
    assert "导入2人" in text
    await confirm(organiser, event["id"], token_of(again.text))
    assert await registered(organiser, event["id"]) == 5


async def test_import_of_a_list_already_imported_offers_nothing_to_confirm(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(3))
    await confirm(organiser, event["id"], token_of(first.text))
    again = await preview(organiser, event["id"], roster_csv(3))
    assert again.status_code == 200 and "3行已导入，将跳过" in text_of(again.text)
    assert 'name="token"' not in again.text
    assert await registered(organiser, event["id"]) == 3


async def test_import_of_people_deleted_since_brings_them_back(organiser):
    event = await open_event(organiser)
    first = await preview(organiser, event["id"], roster_csv(2))
    await confirm(organiser, event["id"], token_of(first.text))
    await organiser.form(f"/organiser/events/{event['id']}/attendees/erase", {"confirm": "yes"})
    assert await registered(organiser, event["id"]) == 0
    again = await preview(organiser, event["id"], roster_csv(2))
    assert "可导入2行" in text_of(again.text)
    await confirm(organiser, event["id"], token_of(again.text))
    assert await registered(organiser, event["id"]) == 2
