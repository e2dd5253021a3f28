"""Reading attendee lists: xlsx, UTF-8 and GBK csv, wrong columns, row errors; hostile
files refused as they are read, off the server's event loop."""

import asyncio
import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from events.checkin.roster import parse_roster

CSV = "姓名,单位,手机,邮箱\n彭强,雨花区税务局侯家塘税务分局,138 0000 1111,pq@example.cn\n谭玲,第一稽查局,13900002222,\n"


def test_utf8_csv_with_bom():
    roster = parse_roster(("\ufeff" + CSV).encode("utf-8"), "list.csv")
    assert roster.error is None
    assert [(r.name, r.unit, r.phone) for r in roster.rows] == [
        ("彭强", "雨花区税务局侯家塘税务分局", "13800001111"),
        ("谭玲", "第一稽查局", "13900002222"),
    ]


def test_gbk_csv_from_older_tools():
    roster = parse_roster(CSV.encode("gbk"), "list.csv")
    assert roster.error is None and roster.encoding == "gb18030"
    assert roster.rows[0].name == "彭强"


def test_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "所在单位", "手机号码"])
    sheet.append([1, "褚方彬", "望城区税务局丁字税务分局", 13712345678])
    sheet.append([2, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    roster = parse_roster(buffer.getvalue(), "list.xlsx")
    assert [(r.name, r.unit, r.phone) for r in roster.rows] == [("褚方彬", "望城区税务局丁字税务分局", "13712345678")]


def test_wrong_columns_is_a_file_error():
    assert parse_roster(b"foo,bar\n1,2\n", "x.csv").error == "no_name_column"


def test_row_errors_are_per_row():
    text = "姓名,手机\n,13800001111\n" + "长" * 51 + ",123\n彭强,13800001111\n彭强,13800001111\n"
    rows = parse_roster(text.encode(), "x.csv").rows
    assert [(r.line, r.errors) for r in rows] == [
        (2, ["name_required"]),
        (3, ["name_too_long", "phone_invalid"]),
        (4, []),
        (5, ["duplicate_row"]),
    ]


def test_csv_mobiles_mangled_by_excel_are_row_errors():
    text = (
        "姓名,手机\n彭强,1.38073E+10\n谭玲,1380731\n褚方彬,+86 138-0731-2345\n曾辉,86 13807312346\n"
        "李明,13807312347.0\n王芳,138073123456\n周杰,\n"
    )
    rows = parse_roster(text.encode(), "x.csv").rows
    assert [(r.name, r.phone, r.errors) for r in rows] == [
        ("彭强", "1.38073E+10", ["phone_scientific"]),
        ("谭玲", "1380731", ["phone_invalid"]),
        ("褚方彬", "13807312345", []),
        ("曾辉", "13807312346", []),
        ("李明", "13807312347", []),
        ("王芳", "138073123456", ["phone_invalid"]),
        ("周杰", "", []),
    ]


def test_xlsx_number_cells_keep_whole_mobiles_only():
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机"])
    for name, phone in (
        ("彭强", 13807312345),
        ("谭玲", 13807312346.0),
        ("褚方彬", 1380731234.0),
        ("曾辉", 13807312347.5),
        ("李明", "1.38073E+10"),
    ):
        sheet.append([name, phone])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = parse_roster(buffer.getvalue(), "list.xlsx").rows
    assert [(r.name, r.phone if not r.errors else r.errors) for r in rows] == [
        ("彭强", "13807312345"),
        ("谭玲", "13807312346"),
        ("褚方彬", ["phone_invalid"]),
        ("曾辉", ["phone_invalid"]),
        ("李明", ["phone_scientific"]),
    ]


def test_not_a_table_and_empty():
    assert parse_roster(b"", "x.csv").error == "empty"
    assert parse_roster(b"\x00\x01\x02binary", "x.csv").error == "not_a_table"
    assert parse_roster(b"PK\x03\x04broken zip", "x.xlsx").error == "bad_xlsx"
    assert parse_roster(b"\xff\xfe\xfa\xfb\x81\x30", "x.csv").error == "bad_encoding"


def an_xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def a_table(rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "xlsx":
        return an_xlsx(rows)
    return "\n".join(",".join(row) for row in rows).encode()


def test_an_xlsx_packed_with_an_unreadable_method_is_a_file_error_not_a_crash():
    """Every member claiming compression method 99 (AES): zipfile raises NotImplementedError
    when the sheet is opened; the import says the file cannot be read."""
    data = bytearray(an_xlsx([["姓名", "单位", "手机"], ["彭强", "雨花区税务局", "13800001111"]]))
    for header, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # method in local and central headers
        at = data.find(header)
        while at != -1:
            data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
            at = data.find(header, at + 4)
    with pytest.raises(NotImplementedError):
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            archive.read(archive.namelist()[0])
    roster = parse_roster(bytes(data), "名单.xlsx")
    assert roster.error == "bad_xlsx" and roster.rows == []


def test_xlsx_numbers_and_shared_strings_read_as_people_typed_them():
    data = an_xlsx([["姓名", "手机", "邮箱"], ["彭强", 13800001111, "pq@example.cn"], ["谭玲", "139 0000 2222", None]])
    roster = parse_roster(data, "list.xlsx")
    assert roster.error is None and roster.encoding == "xlsx"
    assert [(r.line, r.name, r.phone, r.email) for r in roster.rows] == [
        (2, "彭强", "13800001111", "pq@example.cn"),
        (3, "谭玲", "13900002222", ""),
    ]


WIDE_HEADER = ["序号", "姓名", "性别", "单位", "职务", "手机", "邮箱", "身份证号", "备注"]


def wide_list(count: int, fmt: str) -> bytes:
    """A list as a bureau keeps it: nine columns, long unit names, mobiles as number cells."""

    def row(n: int) -> list[object]:
        unit = f"国家税务总局长沙市第{n % 90}区税务局第{n % 7}税务所"
        return [
            n,
            f"参会人{n}",
            "男女"[n % 2],
            unit,
            "科员",
            13900000000 + n,
            f"p{n}@example.cn",
            f"4301021990{n:08d}",
            "",
        ]

    if fmt == "csv":
        lines = [",".join(WIDE_HEADER)] + [",".join(str(v) for v in row(n)) for n in range(count)]
        return ("\n".join(lines) + "\n").encode()
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(WIDE_HEADER)
    for n in range(count):
        sheet.append(row(n))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_list_of_50000_people_fits_in_one_file_and_is_read_in_bounded_memory(fmt):
    from events.checkin import roster as roster_module
    from tests.hostile import traced_peak_mb

    data = wide_list(50_000, fmt)
    assert len(data) < roster_module.MAX_BYTES
    if fmt == "csv":  # (traced, the parse takes 20 times as long: once is enough)
        roster, peak = traced_peak_mb(parse_roster, data, "名单." + fmt)
        assert peak < 80, peak  # the five columns not read are not kept either
    else:
        roster = parse_roster(data, "名单." + fmt)
    assert roster.error is None and len(roster.rows) == 50_000
    assert not [r for r in roster.rows if r.errors]
    last = roster.rows[-1]
    assert (last.line, last.name, last.unit, last.phone) == (
        50_001,
        "参会人49999",
        "国家税务总局长沙市第49区税务局第5税务所",
        "13900049999",
    )


def test_a_list_at_every_limit_at_once_is_read_in_bounded_memory():
    """The most cells the size limit lets through, in rows of 200 short cells: only the
    columns the list needs are kept (all of them took 270 MB)."""
    from events.checkin import roster as roster_module
    from tests.hostile import traced_peak_mb

    row = "彭强," + ",".join(f"{c:02d}" for c in range(199)) + "\n"
    data = ("姓名," + ",".join(f"c{c}" for c in range(199)) + "\n").encode()
    data += row.encode() * ((roster_module.MAX_BYTES - len(data)) // len(row.encode()))
    assert len(data) > roster_module.MAX_BYTES - 1000
    roster, peak = traced_peak_mb(parse_roster, data, "名单.csv")
    assert roster.error is None and len(roster.rows) > 20_000
    assert peak < 60, peak


def test_a_list_over_50000_rows_is_refused():
    lines = ["姓名,手机"] + [f"参会人{n},139{n:08d}" for n in range(50_001)]
    assert parse_roster("\n".join(lines).encode(), "名单.csv").error == "too_many_rows"
    assert parse_roster("\n".join(lines[:-1]).encode(), "名单.csv").error is None


def test_a_sheet_of_a_million_rows_is_refused_at_the_row_limit():
    from tests.hostile import huge_sheet

    assert parse_roster(huge_sheet(), "list.xlsx").error == "too_many_rows"
    assert parse_roster(("姓名\n" + "x\n" * 1_000_000).encode(), "list.csv").error == "too_many_rows"


@pytest.mark.parametrize(
    "ref, error", [("A1:B1000000", "too_many_rows"), ("A1:ZZ3", "too_many_cells"), ("A1:B3", None)]
)
def test_a_sheet_declaring_more_than_the_limits_is_refused_before_its_rows_are_read(ref, error):
    from tests.hostile import huge_sheet

    data = huge_sheet(3)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    assert parse_roster(buffer.getvalue(), "list.xlsx").error == error


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_row_with_too_many_cells_is_refused(fmt):
    assert (
        parse_roster(a_table([["姓名", "手机"], ["彭强"] + ["x"] * 300], fmt), "list." + fmt).error == "too_many_cells"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_too_long_is_refused(fmt):
    assert (
        parse_roster(a_table([["姓名", "单位"], ["彭强", "长" * 10_001]], fmt), "list." + fmt).error == "cell_too_long"
    )
    assert parse_roster(a_table([["姓名", "单位"], ["彭强", "长" * 10_000]], fmt), "list." + fmt).error is None


def test_a_csv_cell_over_the_csv_modules_own_limit_is_refused_not_a_crash():
    assert parse_roster(("姓名,单位\n彭强," + "长" * 200_000).encode(), "list.csv").error == "cell_too_long"
    assert parse_roster(('姓名,单位\n彭强,"' + "长\n" * 100_000).encode(), "list.csv").error == "cell_too_long"


def test_an_xlsx_bomb_is_refused_with_little_memory(tmp_path):
    """A 1 MB workbook whose shared strings unpack to 1 GiB: refused from the zip's
    directory, never unpacked."""
    from tests.hostile import traced_peak_mb, xlsx_bomb

    data = xlsx_bomb(tmp_path / "名单.xlsx").read_bytes()
    roster, peak = traced_peak_mb(parse_roster, data, "名单.xlsx")
    assert roster.error == "bad_archive" and peak < 50, peak


def test_an_xlsx_declaring_entities_is_refused():
    """No DOCTYPE in a sheet: no entity can expand (billion laughs)."""
    from tests.hostile import XLSX_PARTS

    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {**XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    assert parse_roster(buffer.getvalue(), "list.xlsx").error == "bad_xlsx"


def test_a_million_row_import_is_refused_while_the_server_keeps_answering(tmp_path):
    """A server process of its own takes a 1,000,000-row sheet for an attendee import while
    /healthz is asked again and again: every answer comes (wide headroom: 2 s each; the
    times themselves are measured in `make bench`), and the import is refused by its rows."""
    import httpx

    from tests.conftest import text_of
    from tests.hostile import huge_sheet
    from tests.servers import Server, log_in_over_http
    from tests.services import PASSWORD, instance_env, prepare

    env = instance_env(tmp_path)
    event_id = int(prepare(env)[0])
    sheet = huge_sheet()
    server = Server(env).start()

    async def attack() -> tuple[httpx.Response, list[float]]:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=120) as organiser,
            httpx.AsyncClient(base_url=server.url, timeout=120) as probe,
        ):
            await log_in_over_http(organiser, PASSWORD)
            sent = asyncio.create_task(
                organiser.post(
                    f"/organiser/events/{event_id}/attendees/import",
                    data={"_csrf_token": organiser.cookies["csrftoken"]},
                    files={"file": ("名单.xlsx", sheet, "application/octet-stream")},
                )
            )
            waits = []
            while True:
                start = time.perf_counter()
                assert (await probe.get("/healthz")).status_code == 200
                waits.append(time.perf_counter() - start)
                if sent.done():
                    return await sent, waits
                await asyncio.sleep(0.02)

    try:
        refused, waits = asyncio.run(asyncio.wait_for(attack(), timeout=300))
    finally:
        server.stop()
    assert refused.status_code == 400 and "行数过多" in text_of(refused.text), refused.text[:300]
    assert max(waits) < 2, f"/healthz waited {max(waits):.1f} s during the parse"
