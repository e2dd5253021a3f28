"""Reading attendee lists from spreadsheets: .xlsx, and .csv in UTF-8 or GBK (older tools).

Returns rows and row-level errors; nothing is stored here. The page shows both before the
organiser confirms. A list may hold 50,000 people: only the four columns an attendee has
are kept as it is read, whatever else the list holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.spreadsheets import Limits, TableRefused, find_columns, non_empty_lines, read_table
from events.checkin.rules import clean_text, name_error, parse_mobile, unit_error

MAX_ROWS = 50_000  # people in one list
# 50,000 people in nine columns with long unit names: about 7 MB as UTF-8 .csv, 3 MB as .xlsx
MAX_BYTES = 16 * 1024 * 1024
LIMITS = Limits(rows=MAX_ROWS, lines=4 * MAX_ROWS, size=MAX_BYTES)

HEADERS = {
    "name": ("姓名", "名字", "name", "full name"),
    "unit": ("单位", "所在单位", "部门", "unit", "organisation", "organization", "department"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile", "tel"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
}


@dataclass(slots=True)  # 50,000 of them: no dict each
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


FIELDS = tuple(HEADERS)  # the columns kept of each row, in this order


def _pick(header: Sequence[str]) -> list[int]:
    """The columns of the fields, by the header's titles; a list with no name column is
    refused at its header."""
    columns = find_columns(header, HEADERS, clean_text)
    if "name" not in columns:
        raise TableRefused("no_name_column")
    return [columns.get(key, -1) for key in FIELDS]


def parse_roster(data: bytes, filename: str = "") -> Roster:
    cells, encoding, error = read_table(data, filename, LIMITS, _pick)
    if error or cells is None:
        return Roster(rows=[], error=error or "empty")
    numbered = non_empty_lines(cells)  # the header, then rows of the four fields
    if not numbered:
        return Roster(rows=[], error="empty")
    if len(numbered) - 1 > MAX_ROWS:
        return Roster(rows=[], error="too_many_rows", encoding=encoding)

    rows = []
    for line, raw in numbered[1:]:  # (a numbered but empty line, common at the end of office lists, is not here)
        name, unit, mobile, email = raw
        phone, phone_error = parse_mobile(mobile)  # refused when a spreadsheet mangled it
        row = RosterRow(
            line=line,
            name=clean_text(name),
            unit=clean_text(unit),
            phone=phone,
            email=clean_text(email),
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
