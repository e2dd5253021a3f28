"""PURE: a round of applications from the bureau's existing spreadsheet (.xlsx, or .csv in
UTF-8 or GBK), every row checked like the public form. Nothing is stored here; the page
shows each row with its errors before the organiser confirms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from core.spreadsheets import MAX_ROWS, find_columns, non_empty_lines, read_table

HEADERS = {
    "branch_name": ("党支部", "支部", "支部名称", "党支部名称", "branch", "party branch"),
    "unit": ("所属单位", "单位", "上级单位", "unit", "parent unit"),
    "secretary": ("支部书记", "书记", "secretary"),
    "contact": ("联系方式", "联系电话", "电话", "手机", "contact"),
    "title": ("工作法名称", "工作法", "名称", "title", "method"),
    "area": ("领域", "所属领域", "类别", "area"),
    "summary": ("简介", "工作法简介", "内容简介", "summary"),
    "highlights": ("实践亮点", "亮点", "特色亮点", "highlights"),
}
LIMITS = {
    "branch_name": 100,
    "unit": 100,
    "secretary": 50,
    "contact": 100,
    "title": 100,
    "summary": 2000,
    "highlights": 4000,
}
REQUIRED = ("branch_name", "unit", "secretary", "contact", "title", "area", "summary")
SCIENTIFIC_RE = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")


@dataclass
class Row:
    line: int
    values: dict[str, str]
    area_id: int | None = None
    errors: list[tuple[str, str]] = field(
        default_factory=list
    )  # (field, code): missing | too_long | unknown_area | mangled_number


@dataclass
class Round:
    rows: list[Row]
    error: str | None = None  # a problem with the whole file
    missing_columns: list[str] = field(default_factory=list)

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def clean_contact(text: str) -> tuple[str, str | None]:
    """A contact as the spreadsheet left it: a phone number cell read back as "13807312345.0"
    is that number; one shown as 1.38073E+10, or with a fraction, has lost digits
    ("mangled_number"): storing it would give the reviewers a wrong number."""
    if SCIENTIFIC_RE.fullmatch(text.replace(" ", "")):
        return text, "mangled_number"
    number = re.fullmatch(r"(\d+)\.(\d+)", text)
    if number:
        return (number[1], None) if not number[2].strip("0") else (text, "mangled_number")
    return text, None


def parse_round(data: bytes, areas: dict[str, int], filename: str = "") -> Round:
    """``areas``: the call's accepted areas by name."""
    cells, _encoding, error = read_table(data, filename)
    if error or cells is None:
        return Round(rows=[], error=error or "empty")
    numbered = non_empty_lines(cells)
    if not numbered:
        return Round(rows=[], error="empty")
    columns = find_columns(numbered[0][1], HEADERS, clean)
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        return Round(rows=[], error="missing_columns", missing_columns=missing)
    if len(numbered) - 1 > MAX_ROWS:
        return Round(rows=[], error="too_many_rows")
    rows = []
    for line, raw in numbered[1:]:
        values = {k: clean(str(raw[i])) if i < len(raw) else "" for k, i in columns.items()}
        values.setdefault("highlights", "")
        if not any(values.values()):
            continue
        values["contact"], contact_error = clean_contact(values.get("contact", ""))
        row = Row(line=line, values=values)
        if contact_error:
            row.errors.append(("contact", contact_error))
        for key in REQUIRED:
            if not values.get(key):
                row.errors.append((key, "missing"))
        for key, limit in LIMITS.items():
            if len(values.get(key, "")) > limit:
                row.errors.append((key, "too_long"))
        if values.get("area"):
            row.area_id = areas.get(values["area"])
            if row.area_id is None:
                row.errors.append(("area", "unknown_area"))
        rows.append(row)
    return Round(rows=rows)


# The template offered for download: the columns in the order the form asks, one example row.
TEMPLATE_COLUMNS = ("branch_name", "unit", "secretary", "contact", "title", "area", "summary", "highlights")
TEMPLATE_EXAMPLE = {
    "branch_name": "党建工作科党支部",
    "unit": "芙蓉区税务局",
    "secretary": "谭玲",
    "contact": "13800001111",
    "title": "“37℃学习法”",
    "summary": "以“37℃”的温度开展党员学习，让学习有温度、交流有热度。",
    "highlights": "学习有温度、交流有热度",
}


def template_xlsx(area: str, rows: int = 500) -> bytes:
    """The import template: the header row (Chinese, the first name each column is known by),
    one example row in ``area``, and every cell of the first ``rows`` rows formatted as text,
    so a phone number typed in keeps all its digits."""
    import io  # noqa: PLC0415 -- only for the template download

    import openpyxl  # noqa: PLC0415 -- openpyxl is loaded only where a workbook is written
    from openpyxl.styles import Font  # noqa: PLC0415 -- as above

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报名单"
    example = {**TEMPLATE_EXAMPLE, "area": area}
    for col, key in enumerate(TEMPLATE_COLUMNS, start=1):
        head = sheet.cell(row=1, column=col, value=HEADERS[key][0])
        head.font = Font(bold=True)
        sheet.cell(row=2, column=col, value=example[key])
        for row in range(1, rows + 1):
            cell = sheet.cell(row=row, column=col)
            cell.number_format = "@"
            cell.data_type = "s" if cell.value is not None else cell.data_type
        letter = head.column_letter
        sheet.column_dimensions[letter].width = 40 if key in ("summary", "highlights") else 18
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
