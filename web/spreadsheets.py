"""CSV and XLSX downloads from rows (Chinese intact when opened in Excel or WPS), and
reading the lists people already have (.xlsx, or .csv in UTF-8 or GBK).

Every download goes through ``spreadsheet``: text is cleaned again (rows stored before
cleaning existed may hold control characters, which make openpyxl refuse the workbook) and
made inert (text starting like a formula gets an apostrophe, OWASP's advice; .xlsx text
cells are written as strings, never formulas). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Callable, Optional, Sequence
from urllib.parse import quote

import anyio
from litestar import Response

from web.text import clean_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def spreadsheet(filename: str, header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str,
                      sheet_title: str = "Sheet1") -> Response[bytes]:
    """``fmt`` is "csv" (UTF-8 with a BOM, which Excel needs to read UTF-8) or "xlsx".
    Written in a worker thread: 20,000 attendees took ~5 s as .xlsx here, which would
    otherwise hold up every other request of the process."""
    data, media_type = await anyio.to_thread.run_sync(_file_bytes, header, rows, fmt, sheet_title)
    name = f"{filename}.{fmt}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name.encode('ascii', 'replace').decode()}\"; filename*=UTF-8''{quote(name)}"})


def _file_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str, sheet_title: str) -> tuple[bytes, str]:
    lines = [[inert(value) for value in row] for row in (header, *rows)]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(lines)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv"  # Litestar adds "; charset=utf-8"
    from openpyxl import Workbook  # noqa: PLC0415 -- a large package only downloads need

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for line in lines:
        # Text is written as a string cell: openpyxl makes a formula only of text starting
        # with "=", and ``inert`` puts an apostrophe before any such text (cheaper than a
        # cell object each, which doubled the time of a large export).
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """A cell as it may be written: text cleaned and, when it starts like a formula,
    behind an apostrophe; anything else (numbers, empty cells) as it is."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# -- reading the lists people already have --------------------------------------------

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


def decode_csv(data: bytes) -> tuple[Optional[str], str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None, ""


def read_table(data: bytes, filename: str = "") -> tuple[Optional[list[list[str]]], str, Optional[str]]:
    """(cells, encoding, error code): .xlsx, or .csv in UTF-8 or GBK (older office tools)."""
    if len(data) > MAX_BYTES:
        return None, "", "too_big"
    if not data.strip():
        return None, "", "empty"
    if data[:4] == b"PK\x03\x04":
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
            return cells, "xlsx", None
        except Exception:  # noqa: BLE001 - any broken workbook is the same message to the user
            return None, "", "bad_xlsx"
    if b"\x00" in data[:2048]:
        return None, "", "not_a_table"
    text, encoding = decode_csv(data)
    if text is None:
        return None, "", "bad_encoding"
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)], encoding, None


def non_empty_lines(cells: list[list[str]]) -> list[tuple[int, list[str]]]:
    """The rows that hold anything, with their line numbers in the file (1-based)."""
    return [(line, row) for line, row in enumerate(cells, start=1) if any(str(c).strip() for c in row)]


def find_columns(header: list[str], names: dict[str, tuple[str, ...]], clean: Callable[[str], str]) -> dict[str, int]:
    """Which column holds each field, by the header titles people use for it."""
    titles = [clean(str(c)).lower() for c in header]
    columns: dict[str, int] = {}
    for key, accepted in names.items():
        for index, title in enumerate(titles):
            if title in accepted:
                columns[key] = index
                break
    return columns
