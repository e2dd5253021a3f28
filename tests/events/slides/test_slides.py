"""Presenter portal and slides: content checks (pure), then the portal and the organiser's
page through HTTP on the configured engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

from events.slides import files as slides
from tests.conftest import text_of

# -- what a file is -----------------------------------------------------------------------


def a_pdf(text: str = "第一页") -> bytes:
    from events.handouts import render as handouts

    return handouts.render_pdf(f"<p>{text}</p>")


def a_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PPTX = a_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"})
ODP_MIMETYPE_TEXT = b"application/vnd.oasis.opendocument.presentation"
ODP = a_zip({"mimetype": ODP_MIMETYPE_TEXT, "content.xml": b"<office/>"})
KEY = a_zip({"Index/Document.iwa": b"\x00", "Metadata/Properties.plist": b"<plist/>"})
PPT = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 500 + "PowerPoint Document".encode("utf-16-le") + b"\x00" * 100
DOC = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 500 + "WordDocument".encode("utf-16-le") + b"\x00" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 2000


@pytest.mark.parametrize(
    "data, kind",
    [
        (PPTX, "pptx"),
        (ODP, "odp"),
        (KEY, "key"),
        (PPT, "ppt"),
        (a_zip({"word/document.xml": b"x"}), None),  # a zip that claims to be PPTX by its name
        (DOC, None),
        (EXE, None),
        (b"", None),
        (b"hello", None),
        (b"PK\x03\x04broken", None),
    ],
)
def test_kind_is_decided_by_content(tmp_path, data, kind):
    path = tmp_path / "upload.pptx"  # the name always says pptx: it must not matter
    path.write_bytes(data)
    assert slides.detect_kind(path) == kind


def test_a_zip_packed_with_an_unreadable_method_is_refused(tmp_path):
    """An ODP whose mimetype member claims compression method 99 (AES): zipfile cannot read
    it (NotImplementedError), so it is not accepted."""
    data = bytearray(ODP)
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # local and central headers: method at +8 and +10
        at = data.find(header)
        offset = 8 if header == b"PK\x03\x04" else 10
        data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
    path = tmp_path / "x.odp"
    path.write_bytes(bytes(data))
    with pytest.raises(NotImplementedError):
        with zipfile.ZipFile(path) as archive:
            archive.read("mimetype")
    assert slides.detect_kind(path) is None


def test_a_real_pdf_is_a_pdf(tmp_path):
    path = tmp_path / "x.exe"
    path.write_bytes(a_pdf())
    assert slides.detect_kind(path) == "pdf"


@pytest.mark.parametrize(
    "member, others",
    [
        ("mimetype", {}),  # an "ODP" whose mimetype member unpacks to 1 GiB
        ("ppt/slides/slide1.xml", {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"}),
    ],
)
def test_kind_of_a_zip_bomb_is_none_without_unpacking_it(tmp_path, member, others):
    """About 1 MB on disk, 1 GiB declared in the central directory: refused from the
    directory alone, with a few MB of memory at most (reading the member took 2.2 GB)."""
    from tests.hostile import traced_peak_mb, zip_bomb

    path = zip_bomb(tmp_path / "bomb.odp", member, others=others)
    assert path.stat().st_size < 1_200_000
    kind, peak = traced_peak_mb(slides.detect_kind, path)
    assert kind is None and peak < 50, peak
    assert slides.archive_problem(path) == "unpacks_too_far"


def test_kind_of_a_zip_of_too_many_entries_is_none(tmp_path):
    members = {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"}
    members |= {f"ppt/media/{n}.xml": b"" for n in range(10_001)}
    path = tmp_path / "many.pptx"
    path.write_bytes(a_zip(members))
    assert slides.detect_kind(path) is None and slides.archive_problem(path) == "too_many_entries"


def test_kind_of_an_odp_reads_only_the_start_of_its_mimetype(tmp_path):
    """A mimetype member that starts right but goes on is not ODP's mimetype."""
    path = tmp_path / "long.odp"
    path.write_bytes(a_zip({"mimetype": ODP_MIMETYPE_TEXT + b" " * 100 + b"x", "content.xml": b"<office/>"}))
    assert slides.detect_kind(path) is None


def test_names_lose_folders_and_control_characters_and_get_the_true_extension():
    assert slides.safe_filename("../../etc/passwd.pdf", "pdf") == "passwd.pdf"
    assert slides.safe_filename("..\\..\\windows\\run.exe", "pdf") == "run.pdf"
    assert slides.safe_filename("芙蓉区税务局 37℃学习法（定稿）.PPTX", "pptx") == "芙蓉区税务局 37℃学习法（定稿）.pptx"
    assert slides.safe_filename("a\x00b\nc.pdf", "pdf") == "abc.pdf"
    assert slides.safe_filename("", "odp") == "slides.odp"
    assert len(slides.safe_filename("长" * 500 + ".pdf", "pdf")) == 124


def test_download_names_are_rfc_5987_encoded():
    header = slides.content_disposition("37℃学习法.pdf")
    assert header.startswith('attachment; filename="37__.pdf"') or header.startswith('attachment; filename="37')
    assert "filename*=UTF-8''37%E2%84%83%E5%AD%A6%E4%B9%A0%E6%B3%95.pdf" in header


def test_pack_names_follow_the_running_order():
    assert slides.pack_name(1, "芙蓉区税务局", "“37℃学习法”", "pdf") == "01 芙蓉区税务局 37℃学习法.pdf"
    assert slides.pack_name(12, "", 'a/b:c"', "pptx") == "12 a_b_c_.pptx"


# -- through HTTP ------------------------------------------------------------------------------


async def demo_slots(client) -> dict:
    from events.tables import AgendaItem, Event

    async def load():
        event = await Event.select(Event.id).where(Event.slug == "shuixin-2026").first()
        items = (
            await AgendaItem.select(AgendaItem.id, AgendaItem.presenter)
            .where((AgendaItem.event == event["id"]) & (AgendaItem.kind == "presentation"))
            .order_by(AgendaItem.position)
        )
        return {"event": event["id"], "items": [i["id"] for i in items], "presenters": [i["presenter"] for i in items]}

    return await client.run(load)


async def portal_link(organiser, event_id: int, presenter_id: int, days: str = "") -> str:
    made = await organiser.form(f"/organiser/events/{event_id}/slides/links/{presenter_id}", {"days": days})
    assert made.status_code == 200, made.text
    page = (await organiser.get(f"/organiser/events/{event_id}/slides/")).text
    return re.search(rf'id="presenter-{presenter_id}">.*?value="http://testserver.local(/p/[^"]+)"', page, re.S).group(
        1
    )


async def upload(client, url: str, data: bytes, name: str = "37℃学习法.pdf"):
    return await client.post(url, files={"file": (name, data, "application/octet-stream")})


async def stored_versions(client, item_id: int) -> list[dict]:
    from events.slides import queries as sq

    return await client.run(sq.versions, item_id)


async def test_presenter_uploads_through_the_portal_and_the_organiser_sees_it(organiser, demo):
    slots = await demo_slots(organiser)
    event, item, presenter = slots["event"], slots["items"][0], slots["presenters"][0]
    portal = await portal_link(organiser, event, presenter)
    page = await organiser.get(portal)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "“37℃学习法”" in text and "09:10–09:30" in text and "第 1 个展示 / 共 4 个" in text and "20 分钟" in text

    pdf = a_pdf()
    sent = await upload(organiser, f"{portal}/slides/{item}", pdf)
    assert sent.status_code == 200 and "已上传" in text_of(sent.text), sent.text
    versions = await stored_versions(organiser, item)
    assert [(v["version"], v["kind"], v["filename"], v["size"]) for v in versions] == [
        (1, "pdf", "37℃学习法.pdf", len(pdf))
    ]

    status = text_of((await organiser.get(f"/organiser/events/{event}/slides/")).text)
    assert "37℃学习法.pdf" in status and "已上传 1 / 4" in status and re.search(r"v1 · \d+ KB", status)

    got = await organiser.get(f"/organiser/events/{event}/slides/file/{versions[0]['id']}")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"] == "application/pdf" and got.headers["content-disposition"].startswith(
        "attachment;"
    )
    assert "filename*=UTF-8''37%E2%84%83" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"

    preview = await organiser.get(f"/organiser/events/{event}/slides/file/{versions[0]['id']}/preview.png")
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")

    pack = await organiser.get(f"/organiser/events/{event}/slides/pack.zip")
    assert pack.status_code == 200 and pack.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        assert archive.namelist() == ["01 芙蓉区税务局 37℃学习法.pdf"]
        assert archive.read("01 芙蓉区税务局 37℃学习法.pdf") == pdf


async def test_each_upload_is_a_new_version_and_the_pack_takes_the_newest_in_running_order(organiser, demo):
    slots = await demo_slots(organiser)
    event, first, second = slots["event"], slots["items"][0], slots["items"][1]
    url = f"/organiser/events/{event}/slides/{{}}/upload?csrf={await organiser.csrf()}"
    assert (await upload(organiser, url.format(second), PPTX, "三小.pptx")).status_code == 200
    assert (await upload(organiser, url.format(first), a_pdf("旧"), "旧.pdf")).status_code == 200
    assert (await upload(organiser, url.format(first), a_pdf("新"), "新.pdf")).status_code == 200
    assert [v["version"] for v in await stored_versions(organiser, first)] == [2, 1]
    pack = await organiser.get(f"/organiser/events/{event}/slides/pack.zip")
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        assert archive.namelist() == ["01 芙蓉区税务局 37℃学习法.pdf", "02 天心区税务局 “三小”工作法.pptx"]
        assert "新" in pdf_text(archive.read(archive.namelist()[0]))


def pdf_text(pdf: bytes) -> str:
    from tests import pdftools

    pdftools.need_tools()
    return "".join(pdftools.pages(pdf))


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("slides.pdf", EXE, "不是可接受的演示文件"),
        ("slides.pptx", a_zip({"word/document.xml": b"x"}), "不是可接受的演示文件"),
        ("empty.pdf", b"", "文件为空"),
        ("../../../../tmp/evil.pdf", DOC, "不是可接受的演示文件"),
    ],
)
async def test_bad_files_are_refused_and_the_current_version_stays(organiser, demo, name, data, message):
    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    portal = await portal_link(organiser, event, slots["presenters"][0])
    good = a_pdf()
    await upload(organiser, f"{portal}/slides/{item}", good)
    refused = await upload(organiser, f"{portal}/slides/{item}", data, name)
    assert refused.status_code == 400 and message in text_of(refused.text)
    assert "PDF, PPTX, PPT, KEY, ODP" in text_of(refused.text) or message == "文件为空"
    versions = await stored_versions(organiser, item)
    assert len(versions) == 1 and versions[0]["size"] == len(good)
    assert (await organiser.get(f"/organiser/events/{event}/slides/file/{versions[0]['id']}")).content == good
    assert not Path("/tmp/evil.pdf").exists()


async def test_a_path_traversal_name_is_stored_as_a_plain_name(organiser, demo):
    slots = await demo_slots(organiser)
    portal = await portal_link(organiser, slots["event"], slots["presenters"][0])
    sent = await upload(organiser, f"{portal}/slides/{slots['items'][0]}", a_pdf(), "../../../etc/passwd.pdf")
    assert sent.status_code == 200
    assert [v["filename"] for v in await stored_versions(organiser, slots["items"][0])] == ["passwd.pdf"]


async def prepare_portal() -> tuple[str, int]:
    """The demo day in an empty database and a portal link for its first presenter."""
    from piccolo.engine import engine_finder

    from demo import load_demo
    from events.slides import queries as sq
    from presenters.tables import PortalLink
    from settings import Settings
    from tests.conftest import TABLES_IN_DELETE_ORDER

    for table in TABLES_IN_DELETE_ORDER:
        await engine_finder().run_ddl(f"DELETE FROM {table}")
    await load_demo()
    from events.tables import AgendaItem

    item = (
        await AgendaItem.select(AgendaItem.id, AgendaItem.presenter)
        .where(AgendaItem.kind == "presentation")
        .order_by(AgendaItem.position)
        .first()
    )
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    return f"/p/{sq.link_token(Settings().session_secret(), link_id, link['nonce'])}", item["id"]


async def count_versions(item_id: int) -> int:
    from events.tables import SlideVersion

    return await SlideVersion.count().where(SlideVersion.item == item_id)


def test_an_oversized_upload_is_refused_while_it_streams():
    """On a real server limited to 0.5 MB: a body with no Content-Length is cut off once it
    passes the limit; a declared length over it is refused before any of it is read."""
    import httpx

    from settings import Settings
    from tests.servers import app_servers

    portal, item = asyncio.run(prepare_portal())

    async def chunks():
        boundary = b"--b0undary"
        yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.7\n'
        for _ in range(64):
            yield b"0" * 16384  # 1 MB in all
        yield b"\r\n" + boundary + b"--\r\n"

    async def run(url: str) -> tuple[int, str, int, int]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            good = await client.post(f"{portal}/slides/{item}", files={"file": ("ok.pdf", a_pdf(), "application/pdf")})
            assert good.status_code == 302, good.text
            big = await client.post(
                f"{portal}/slides/{item}",
                content=chunks(),
                headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
            )
            # 200 MB announced, 10 bytes sent: the answer must come without waiting for the rest
            host, port = url.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                f"POST {portal}/slides/{item} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; "
                f"boundary=b0undary\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n0123456789".encode()
            )
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout=10)
            writer.close()
            return big.status_code, big.text, int(status_line.split()[1]), await count_versions(item)

    with app_servers(1, {"SHOWCASE_SLIDES_MAX_MB": "0.5"}) as urls:
        big_status, big_text, declared_status, versions = asyncio.run(run(urls[0]))
    assert big_status == 413 and "0.5 MB" in text_of(big_text)
    assert declared_status == 413
    assert versions == 1  # the good one, untouched
    incoming = Settings().data_dir / "slides" / "incoming"
    assert not list(incoming.glob("*.part"))


async def test_a_link_opens_only_its_own_presenters_slot(organiser, demo):
    slots = await demo_slots(organiser)
    event = slots["event"]
    mine = await portal_link(organiser, event, slots["presenters"][0])
    theirs = await portal_link(organiser, event, slots["presenters"][1])
    await upload(organiser, f"{theirs}/slides/{slots['items'][1]}", a_pdf("他们的"))
    their_version = (await stored_versions(organiser, slots["items"][1]))[0]

    assert (await upload(organiser, f"{mine}/slides/{slots['items'][1]}", a_pdf())).status_code == 404
    assert (await organiser.get(f"{mine}/slides/{their_version['id']}")).status_code == 404
    assert (await organiser.form(f"{mine}/summary/{slots['items'][1]}", {"summary": "改别人的"})).status_code == 404
    assert len(await stored_versions(organiser, slots["items"][1])) == 1
    assert "“三小”工作法" not in text_of((await organiser.get(mine)).text)

    forged = re.sub(r"-(.)", lambda m: "-" + ("A" if m.group(1) != "A" else "B"), mine, count=1)
    assert (await organiser.get(forged)).status_code == 404
    assert (await organiser.get("/p/999-abc")).status_code == 404
    assert (await organiser.get("/p/not-a-token")).status_code == 404


async def test_a_new_link_or_a_revoke_ends_the_old_one_and_links_expire(organiser, demo):
    from presenters.tables import PortalLink

    slots = await demo_slots(organiser)
    event, presenter = slots["event"], slots["presenters"][0]
    old = await portal_link(organiser, event, presenter)
    new = await portal_link(organiser, event, presenter, days="7")
    assert (await organiser.get(old)).status_code == 404 and (await organiser.get(new)).status_code == 200
    await organiser.form(f"/organiser/events/{event}/slides/links/{presenter}/revoke")
    gone = await organiser.get(new)
    assert gone.status_code == 404 and "组织者" in text_of(gone.text)
    expiring = await portal_link(organiser, event, presenter, days="1")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await organiser.run(lambda: PortalLink.update({PortalLink.expires_at: past}).where(PortalLink.revoked == False))  # noqa: E712
    assert (await organiser.get(expiring)).status_code == 404
    bad = await organiser.form(f"/organiser/events/{event}/slides/links/{presenter}", {"days": "forever"})
    assert bad.status_code == 400


async def test_deadline_closes_portal_uploads_but_not_the_organisers(organiser, demo):
    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    portal = await portal_link(organiser, event, slots["presenters"][0])
    saved = await organiser.form(
        f"/organiser/events/{event}/slides/settings", {"deadline": "2020-01-01T09:00", "lock": "2020-01-01T09:00"}
    )
    assert saved.status_code == 200
    late = await upload(organiser, f"{portal}/slides/{item}", a_pdf())
    assert late.status_code == 403 and "截止" in text_of(late.text)
    locked = await organiser.form(f"{portal}/summary/{item}", {"summary": "新的简介"})
    assert locked.status_code == 403
    ok = await upload(
        organiser, f"/organiser/events/{event}/slides/{item}/upload?csrf={await organiser.csrf()}", a_pdf()
    )
    assert ok.status_code == 200 and len(await stored_versions(organiser, item)) == 1
    assert "截止后" in text_of((await organiser.get(f"/organiser/events/{event}/slides/")).text)


async def test_organiser_upload_needs_the_csrf_token_in_its_url(organiser, demo):
    slots = await demo_slots(organiser)
    url = f"/organiser/events/{slots['event']}/slides/{slots['items'][0]}/upload"
    assert (await upload(organiser, url, a_pdf())).status_code == 403
    assert (await upload(organiser, url + "?csrf=forged", a_pdf())).status_code == 403
    assert await stored_versions(organiser, slots["items"][0]) == []
    exe = await upload(organiser, url + f"?csrf={await organiser.csrf()}", EXE, "slides.pdf")
    assert exe.status_code == 400 and "不是可接受的演示文件" in text_of(exe.text)


async def test_presenter_edits_the_summary_until_the_lock(organiser, demo):
    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    portal = await portal_link(organiser, event, slots["presenters"][0])
    saved = await organiser.form(f"{portal}/summary/{item}", {"summary": "以“37℃”的温度开展党员学习（修订）"})
    assert saved.status_code == 200 and "已保存" in text_of(saved.text)
    from presenters.tables import Method

    stored = await organiser.run(lambda: Method.select(Method.summary).where(Method.title == "“37℃学习法”").first())
    assert stored["summary"] == "以“37℃”的温度开展党员学习（修订）"  # the method itself, as the programme prints it
    assert "（修订）" in text_of((await organiser.get(portal)).text)
    too_long = await organiser.form(f"{portal}/summary/{item}", {"summary": "长" * 2001})
    assert too_long.status_code == 400 and "（修订）" in text_of((await organiser.get(portal)).text)


async def test_a_summary_from_the_portal_is_cleaned_on_the_way_in(organiser, demo):
    from presenters.tables import Method

    slots = await demo_slots(organiser)
    portal = await portal_link(organiser, slots["event"], slots["presenters"][0])
    saved = await organiser.form(f"{portal}/summary/{slots['items'][0]}", {"summary": "以学\x01促干\u202e\n第二段"})
    stored = await organiser.run(lambda: Method.select(Method.summary).where(Method.title == "“37℃学习法”").first())
    assert saved.status_code == 200 and stored["summary"] == "以学促干\n第二段"


async def test_concurrent_uploads_to_one_slot_each_get_their_own_version(organiser, demo):
    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    portal = await portal_link(organiser, event, slots["presenters"][0])
    files = [a_pdf(f"第{n}版") for n in range(8)]
    results = await asyncio.gather(
        *(upload(organiser, f"{portal}/slides/{item}", f, f"v{n}.pdf") for n, f in enumerate(files))
    )
    assert [r.status_code for r in results] == [200] * 8
    versions = await stored_versions(organiser, item)
    assert sorted(v["version"] for v in versions) == list(range(1, 9))
    assert sorted(v["filename"] for v in versions) == sorted(f"v{n}.pdf" for n in range(8))
    for v in versions:  # every version's file is whole and is what was sent under that name
        got = await organiser.get(f"/organiser/events/{event}/slides/file/{v['id']}")
        assert got.content == files[int(v["filename"][1])]


async def test_portal_shows_the_feedback_once_it_closes(organiser, demo):
    from events.tables import Event, Feedback

    slots = await demo_slots(organiser)
    event, item = slots["event"], slots["items"][0]
    portal = await portal_link(organiser, event, slots["presenters"][0])
    now = dt.datetime.now(dt.UTC)

    async def rate(closes):
        await Event.update({Event.feedback_closes_at: closes}).where(Event.id == event)
        if not await Feedback.count():
            await Feedback.insert(
                Feedback(event=event, item=item, device="a" * 24, rating=5, comment="讲得清楚", updated_at=now),
                Feedback(
                    event=event, item=item, device="b" * 24, rating=3, comment="不当言论", hidden=True, updated_at=now
                ),
                Feedback(
                    event=event, item=slots["items"][1], device="a" * 24, rating=1, comment="别人的", updated_at=now
                ),
            )

    await organiser.run(rate, now + dt.timedelta(hours=1))
    before = text_of((await organiser.get(portal)).text)
    assert "讲得清楚" not in before and "评价截止后" in before
    await organiser.run(rate, now - dt.timedelta(minutes=1))
    after = text_of((await organiser.get(portal)).text)
    assert "4.00" in after and "讲得清楚" in after and "不当言论" not in after and "别人的" not in after


async def test_slides_pages_need_an_organiser(client, demo):
    slots = await demo_slots(client)
    for path in ["", "pack.zip", "file/1"]:
        response = await client.get(f"/organiser/events/{slots['event']}/slides/{path}", follow_redirects=False)
        assert response.status_code in (302, 303, 401, 403), path


async def test_a_summary_locked_for_one_event_cannot_be_changed_through_another_events_slot(organiser, demo):
    from presenters.tables import Method

    slots = await demo_slots(organiser)
    event, presenter = slots["event"], slots["presenters"][0]
    method_id = (await organiser.get(f"/api/events/{event}/agenda")).json()["items"][1]["method_id"]  # its first talk
    other = (
        await organiser.api(
            "POST",
            "/api/events/",
            {"title": "第二场", "date": "2026-08-01", "start_time": "09:00", "end_time": "10:00", "slug": "second-day"},
        )
    ).json()
    agenda = (
        await organiser.api(
            "POST",
            f"/api/events/{other['id']}/agenda/items",
            {"kind": "presentation", "duration": 20, "method_id": method_id, "presenter_id": presenter},
        )
    ).json()
    other_item = agenda["items"][0]["id"]
    await organiser.form(f"/organiser/events/{event}/slides/settings", {"deadline": "", "lock": "2020-01-01T09:00"})
    portal = await portal_link(organiser, event, presenter)
    before = await organiser.run(lambda: Method.select(Method.summary).where(Method.id == method_id).first())
    response = await organiser.form(f"{portal}/summary/{other_item}", {"summary": "绕过锁定的修改"})
    assert response.status_code == 403 and "锁定" in text_of(response.text)
    assert await organiser.run(lambda: Method.select(Method.summary).where(Method.id == method_id).first()) == before


PORTAL = """
    from events.slides import queries as sq
    from events.tables import AgendaItem
    from settings import Settings
    from presenters.tables import PortalLink
    item = await AgendaItem.select(AgendaItem.id, AgendaItem.presenter).where(AgendaItem.kind == "presentation").first()
    link_id = await sq.create_link(item["presenter"], None)
    link = await PortalLink.select().where(PortalLink.id == link_id).first()
    print(item["id"])
    print(sq.link_token(Settings().session_secret(), link_id, link["nonce"]))
"""


def test_a_zip_bomb_upload_is_refused_in_chinese_and_the_server_memory_stays_flat(tmp_path):
    """Through the real portal route on a server process of its own: a 1 MB "ODP" whose
    mimetype unpacks to 1 GiB is a 400 saying why, the server's peak resident memory grows
    by under 50 MB, nothing is stored, and it goes on answering."""
    import httpx

    from tests.hostile import peak_rss_mb, zip_bomb
    from tests.servers import Server
    from tests.services import instance_env, prepare

    env = instance_env(tmp_path / "data")
    lines = prepare(env, PORTAL)
    item, token = int(lines[1]), lines[2]
    bomb = zip_bomb(tmp_path / "方案.odp").read_bytes()
    server = Server(env).start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as presenter:
            assert presenter.get(f"/p/{token}/").status_code == 200
            before = peak_rss_mb(server.process.pid)
            refused = presenter.post(
                f"/p/{token}/slides/{item}", files={"file": ("方案.odp", bomb, "application/octet-stream")}
            )
            grown = peak_rss_mb(server.process.pid) - before
            assert refused.status_code == 400, refused.text[:300]
            assert grown < 50, f"the server's peak memory grew by {grown:.0f} MB"
            assert "压缩包" in text_of(refused.text) and "已拒收" in text_of(refused.text)
            assert presenter.get("/healthz").status_code == 200
            assert not list((tmp_path / "data" / "slides").rglob("objects/*/*"))
    finally:
        server.stop()
