"""Reading attendee lists: xlsx, UTF-8 and GBK csv, wrong columns, row errors."""

import io

from openpyxl import Workbook

from events.roster import parse_roster

CSV = "姓名,单位,手机,邮箱\n彭强,雨花区税务局侯家塘税务分局,138 0000 1111,pq@example.cn\n谭玲,第一稽查局,13900002222,\n"


def test_utf8_csv_with_bom():
    roster = parse_roster(("\ufeff" + CSV).encode("utf-8"), "list.csv")
    assert roster.error is None
    assert [(r.name, r.unit, r.phone) for r in roster.rows] == [
        ("彭强", "雨花区税务局侯家塘税务分局", "13800001111"), ("谭玲", "第一稽查局", "13900002222")]


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
    assert parse_roster("foo,bar\n1,2\n".encode(), "x.csv").error == "no_name_column"


def test_row_errors_are_per_row():
    text = "姓名,手机\n,13800001111\n" + "长" * 51 + ",123\n彭强,13800001111\n彭强,13800001111\n"
    rows = parse_roster(text.encode(), "x.csv").rows
    assert [(r.line, r.errors) for r in rows] == [
        (2, ["name_required"]), (3, ["name_too_long", "phone_invalid"]), (4, []), (5, ["duplicate_row"])]


def test_csv_mobiles_mangled_by_excel_are_row_errors():
    text = ("姓名,手机\n彭强,1.38073E+10\n谭玲,1380731\n褚方彬,+86 138-0731-2345\n曾辉,86 13807312346\n"
            "李明,13807312347.0\n王芳,138073123456\n周杰,\n")
    rows = parse_roster(text.encode(), "x.csv").rows
    assert [(r.name, r.phone, r.errors) for r in rows] == [
        ("彭强", "1.38073E+10", ["phone_scientific"]), ("谭玲", "1380731", ["phone_invalid"]),
        ("褚方彬", "13807312345", []), ("曾辉", "13807312346", []), ("李明", "13807312347", []),
        ("王芳", "138073123456", ["phone_invalid"]), ("周杰", "", [])]


def test_xlsx_number_cells_keep_whole_mobiles_only():
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机"])
    for name, phone in (("彭强", 13807312345), ("谭玲", 13807312346.0), ("褚方彬", 1380731234.0),
                        ("曾辉", 13807312347.5), ("李明", "1.38073E+10")):
        sheet.append([name, phone])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = parse_roster(buffer.getvalue(), "list.xlsx").rows
    assert [(r.name, r.phone if not r.errors else r.errors) for r in rows] == [
        ("彭强", "13807312345"), ("谭玲", "13807312346"), ("褚方彬", ["phone_invalid"]),
        ("曾辉", ["phone_invalid"]), ("李明", ["phone_scientific"])]


def test_not_a_table_and_empty():
    assert parse_roster(b"", "x.csv").error == "empty"
    assert parse_roster(b"\x00\x01\x02binary", "x.csv").error == "not_a_table"
    assert parse_roster(b"PK\x03\x04broken zip", "x.xlsx").error == "bad_xlsx"
    assert parse_roster(b"\xff\xfe\xfa\xfb\x81\x30", "x.csv").error == "bad_encoding"
