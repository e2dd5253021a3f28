"""Reading attendee lists from spreadsheets: .xlsx, and .csv in UTF-8 or GBK (older tools).

Returns rows and row-level errors; nothing is stored here. The page shows both before the
organiser confirms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.spreadsheets import MAX_BYTES, MAX_ROWS, find_columns, non_empty_lines, read_table  # noqa: F401 - shared limits
from events.checkin.rules import clean_text, name_error, parse_mobile, unit_error

HEADERS = {
    "name": ("姓名", "名字", "name", "full name"),
    "unit": ("单位", "所在单位", "部门", "unit", "organisation", "organization", "department"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile", "tel"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
}


@dataclass
class RosterRow:
    line: int
    name: str
    unit: str
    phone: str
    email: str
    errors: list[str] = field(default_factory=list)


@dataclass
class Roster:
    rows: list[RosterRow]
    error: str | None = None  # a problem with the whole file
    encoding: str = ""

    @property
    def valid_rows(self) -> list[RosterRow]:
        return [r for r in self.rows if not r.errors]


def parse_roster(data: bytes, filename: str = "") -> Roster:
    cells, encoding, error = read_table(data, filename)
    if error or cells is None:
        return Roster(rows=[], error=error or "empty")
    numbered = non_empty_lines(cells)
    if not numbered:
        return Roster(rows=[], error="empty")
    columns = find_columns(numbered[0][1], HEADERS, clean_text)
    if "name" not in columns:
        return Roster(rows=[], error="no_name_column", encoding=encoding)
    if len(numbered) - 1 > MAX_ROWS:
        return Roster(rows=[], error="too_many_rows", encoding=encoding)

    def cell(row: Sequence[str], key: str) -> str:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    rows = []
    for line, raw in numbered[1:]:
        if not any(cell(raw, key).strip() for key in columns):
            continue  # a numbered but empty line, common at the end of office lists
        phone, phone_error = parse_mobile(cell(raw, "phone"))  # refused when a spreadsheet mangled it
        row = RosterRow(
            line=line,
            name=clean_text(cell(raw, "name")),
            unit=clean_text(cell(raw, "unit")),
            phone=phone,
            email=clean_text(cell(raw, "email")),
        )
        for code in (name_error(row.name), unit_error(row.unit), phone_error):
            if code:
                row.errors.append(code)
        if row.email and ("@" not in row.email or len(row.email) > 100):
            row.errors.append("email_invalid")
        rows.append(row)
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.name, row.phone)
        if row.phone and key in seen:
            row.errors.append("duplicate_row")
        seen.setdefault(key, row.line)
    return Roster(rows=rows, encoding=encoding)
