"""CSV and XLSX downloads from rows (Chinese intact when opened in Excel or WPS), and
reading the lists people already have (.xlsx, or .csv in UTF-8 or GBK).

Every download goes through ``file_bytes`` (``web.responses.spreadsheet`` answers with it): text is cleaned again (rows stored before
cleaning existed may hold control characters, which make openpyxl refuse the workbook) and
made inert (text starting like a formula gets an apostrophe, OWASP's advice; .xlsx text
cells are written as strings, never formulas). Numbers stay numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from core import documents
from core.text import clean_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_bytes(
    header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str, sheet_title: str
) -> tuple[bytes, str]:
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
#
# Read as a stream with every limit checked as it goes: a hostile file is refused at the
# first row, cell or character past a limit, never read whole first. XLSX is read with
# expat straight from the zip (openpyxl's read-only mode scans a whole sheet to size it
# before any row limit applies: a million rows blocked for 13–47 s). Blocking: callers run
# it in a worker thread.

MAX_ROWS = 5000  # rows that hold anything, the header aside
MAX_LINES = 20 * MAX_ROWS  # rows counted with the empty ones
MAX_BYTES = 5 * 1024 * 1024
MAX_CELLS = 200  # cells in a row
MAX_CELL_CHARS = 10_000  # characters in a cell
MAX_UNPACKED = 128 * 1024 * 1024  # an .xlsx's members together, as declared
MAX_SHARED = 500_000  # an .xlsx's shared strings
_CHUNK = 64 * 1024
_PIECE = 16 * 1024
_MEGABYTE = 1024 * 1024


class TableRefused(Exception):
    """A file refused while it is read; ``code`` names why (FILE_ERRORS in the pages)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Limits:
    """How long a list may be: rows that hold anything (the header aside), rows counted
    with the empty ones, and the file's size. Each kind of list has its own (an attendee
    list may be ten times a round of applications); the limits of a row, a cell and an
    .xlsx's parts are the same for every list."""

    rows: int = MAX_ROWS
    lines: int = MAX_LINES
    size: int = MAX_BYTES


DEFAULT_LIMITS = Limits()

# Given the header (the first row that holds anything), the columns to keep of every
# later row, in that order (-1: a column the list lacks, kept as ""). May raise
# TableRefused to stop at the header.
Pick = Callable[[tuple[str, ...]], Sequence[int]]


class _Rows:
    """Rows as they are read, by their line in the file, refused past the limits. Each row
    is a tuple of strings, which the garbage collector stops tracking: thousands of lists
    kept alive while a sheet is read made the next full collection (holding the GIL, so
    stopping the event loop too) take half a second on a busy machine.

    With ``pick``, a row after the header keeps only the cells picked: a long list with
    many columns then takes the memory of the few that are read (a string object per cell
    kept, 50 bytes and more each, is what a long list costs)."""

    def __init__(self, limits: Limits, pick: Pick | None = None) -> None:
        self.cells: list[tuple[str, ...]] = []
        self.filled = 0
        self.limits = limits
        self.pick = pick
        self.keep: tuple[int, ...] | None = None

    def add(self, line: int, row: Sequence[str]) -> None:
        if line > self.limits.lines:
            raise TableRefused("too_many_rows")
        if len(row) > MAX_CELLS:
            raise TableRefused("too_many_cells")
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            raise TableRefused("cell_too_long")
        while len(self.cells) < line - 1:
            self.cells.append(())
        if not any(cell.strip() for cell in row):
            self.cells.append(())  # nothing in it: nothing kept
            return
        self.filled += 1
        if self.filled > self.limits.rows + 1:
            raise TableRefused("too_many_rows")
        kept = tuple(row)
        if self.pick is not None:
            if self.keep is None:
                self.keep = tuple(self.pick(kept))
            else:
                kept = tuple(kept[i] if 0 <= i < len(kept) else "" for i in self.keep)
        self.cells.append(kept)


def csv_encoding(data: bytes) -> str | None:
    """The encoding a .csv is in: UTF-8 (with or without BOM), else GBK (GB 18030, what
    older office tools write); None when it is neither. Checked a megabyte at a time, so
    the file's text is never held whole (twice to four times its bytes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _MEGABYTE):
                decoder.decode(data[start : start + _MEGABYTE])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def read_table(
    data: bytes, filename: str = "", limits: Limits = DEFAULT_LIMITS, pick: Pick | None = None
) -> tuple[list[tuple[str, ...]] | None, str, str | None]:
    """(cells, encoding, error code): .xlsx, or .csv in UTF-8 or GBK (older office tools).
    With ``pick``, rows after the header hold only the columns it picks (see ``Pick``).
    Blocking (a few seconds for a file at every limit at once): run it in a thread."""
    if len(data) > limits.size:
        return None, "", "too_big"
    if not data.strip():
        return None, "", "empty"
    try:
        if data[:4] == b"PK\x03\x04":
            return _read_xlsx(data, _Rows(limits, pick)), "xlsx", None
        if b"\x00" in data[:2048]:
            return None, "", "not_a_table"
        encoding = csv_encoding(data)
        if encoding is None:
            return None, "", "bad_encoding"
        return _read_csv(data, encoding, _Rows(limits, pick)), encoding, None
    except TableRefused as refused:
        return None, "", refused.code


def _read_csv(data: bytes, encoding: str, rows: _Rows) -> list[tuple[str, ...]]:
    sample = data[:8192].decode(encoding, "ignore")[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    pending = [0]

    def lines() -> Iterator[str]:
        """The file's lines, refused when the row being built has more delimiters than a row
        may have cells (with room for quoted ones): csv would build the whole row first.
        Decoded as they are read: the text is never held whole."""
        for line in io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""):
            pending[0] += line.count(dialect.delimiter)
            if pending[0] > 4 * MAX_CELLS:
                raise TableRefused("too_many_cells")
            yield line

    try:
        for line, row in enumerate(csv.reader(lines(), dialect), start=1):
            pending[0] = 0
            rows.add(line, row)
    except csv.Error as error:  # csv stops a field at 131,072 characters itself
        raise TableRefused("cell_too_long" if "field limit" in str(error) else "not_a_table") from None
    return rows.cells


def _expat(handlers: dict[str, Callable[..., None]]) -> Any:
    """A namespace-aware expat parser that refuses any DOCTYPE (so no entity expands)."""

    def no_doctype(*_args: object) -> None:
        raise TableRefused("bad_xlsx")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True  # text in runs, not a call a character (as expat gives CJK)
    parser.buffer_size = _CHUNK
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    return parser


def _feed(archive: zipfile.ZipFile, name: str, handlers: dict[str, Callable[..., None]]) -> None:
    """Parse one member as it unpacks, 16 KB at a time, letting other threads (the event
    loop) have the GIL between pieces rather than wait for the interpreter's 5 ms switch."""
    parser = _expat(handlers)
    with archive.open(name) as member:
        while chunk := member.read(_PIECE):
            parser.Parse(chunk, False)
            time.sleep(0)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """The first sheet's member and the shared strings' (if any), from the workbook and
    its relationships."""
    sheet_ids: list[str] = []
    targets: dict[str, str] = {}
    shared: list[str] = []

    def workbook(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            sheet_ids.extend(v for k, v in attrs.items() if k.endswith("}id"))

    def relationship(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and "Target" in attrs:
            target = attrs["Target"]
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets[attrs.get("Id", "")] = target
            if attrs.get("Type", "").endswith("/sharedStrings"):
                shared.append(target)

    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        _feed(archive, "xl/workbook.xml", {"StartElementHandler": workbook})
    if "xl/_rels/workbook.xml.rels" in names:
        _feed(archive, "xl/_rels/workbook.xml.rels", {"StartElementHandler": relationship})
    sheet = targets.get(sheet_ids[0], "") if sheet_ids else ""
    if sheet not in names:
        sheet = "xl/worksheets/sheet1.xml"
    strings = shared[0] if shared else "xl/sharedStrings.xml"
    return sheet, strings if strings in names else None


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    strings: list[str] = []
    text: list[str] = []
    state = {"in_t": False, "skip": 0, "length": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "si":
            text.clear()
            state["length"] = 0
        elif tag == "rPh":  # phonetic guide: not part of the text
            state["skip"] += 1
        elif tag == "t" and not state["skip"]:
            state["in_t"] = True

    def end(tag: str) -> None:
        tag = _local(tag)
        if tag == "si":
            strings.append("".join(text))
            if len(strings) > MAX_SHARED:
                raise TableRefused("too_many_cells")
        elif tag == "rPh":
            state["skip"] -= 1
        elif tag == "t":
            state["in_t"] = False

    def characters(data: str) -> None:
        if state["in_t"]:
            state["length"] += len(data)
            if state["length"] > MAX_CELL_CHARS:
                raise TableRefused("cell_too_long")
            text.append(data)

    _feed(archive, name, {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": characters})
    return strings


def _column(reference: str) -> int:
    """1 for A1, 27 for AA7; refused past MAX_CELLS as soon as the letters say so."""
    column = 0
    for ch in reference:
        if "A" <= ch <= "Z":
            column = column * 26 + ord(ch) - 64
            if column > MAX_CELLS:
                raise TableRefused("too_many_cells")
        else:
            break
    return column


def _number(text: str) -> str:
    """A number cell as the person typed it: 13712345678, not 13712345678.0."""
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return text


def _read_xlsx(data: bytes, rows: _Rows) -> list[tuple[str, ...]]:
    source = io.BytesIO(data)
    if documents.archive_problem(source, MAX_UNPACKED):
        raise TableRefused("bad_archive")
    try:
        with zipfile.ZipFile(source) as archive:
            sheet, strings_part = _first_sheet(archive)
            shared = _shared_strings(archive, strings_part) if strings_part else []
            return _read_sheet(archive, sheet, shared, rows)
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        IndexError,
        OSError,
        EOFError,
        NotImplementedError,
        expat.ExpatError,
    ):
        raise TableRefused("bad_xlsx") from None


def _read_sheet(archive: zipfile.ZipFile, name: str, shared: list[str], rows: _Rows) -> list[tuple[str, ...]]:
    row: list[str] = []
    text: list[str] = []
    state: dict[str, Any] = {"line": 0, "column": 0, "type": "", "in_value": False, "length": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "c":
            reference = attrs.get("r", "")
            state["column"] = _column(reference) if reference[:1].isalpha() else state["column"] + 1
            if state["column"] > MAX_CELLS:
                raise TableRefused("too_many_cells")
            state["type"], state["length"] = attrs.get("t", "n"), 0
            text.clear()
        elif tag in ("v", "t"):  # a value, or the text of an inline string
            state["in_value"] = True
        elif tag == "rPh":
            state["in_value"] = False
        elif tag == "dimension":  # what the sheet says it spans: refused at once if past the limits
            last = attrs.get("ref", "").split(":")[-1]
            _column(last)
            digits = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$").replace("$", "")
            if digits.isdecimal() and int(digits) > rows.limits.lines:
                raise TableRefused("too_many_rows")
        elif tag == "row":
            number = attrs.get("r", "")
            state["line"] = max(int(number), state["line"] + 1) if number.isdecimal() else state["line"] + 1
            if state["line"] > rows.limits.lines:
                raise TableRefused("too_many_rows")
            state["column"] = 0
            row.clear()

    def end(tag: str) -> None:
        tag = _local(tag)
        if tag in ("v", "t"):
            state["in_value"] = False
        elif tag == "c":
            raw, kind = "".join(text), state["type"]
            value = (
                (shared[int(raw)] if raw else "")
                if kind == "s"
                else raw
                if kind in ("inlineStr", "str", "e", "d")
                else str(raw == "1")
                if kind == "b" and raw
                else _number(raw)
            )
            row.extend([""] * (state["column"] - 1 - len(row)))
            row.append(value)
        elif tag == "row":
            rows.add(state["line"], row)

    def characters(data: str) -> None:
        if state["in_value"]:
            state["length"] += len(data)
            if state["length"] > MAX_CELL_CHARS:
                raise TableRefused("cell_too_long")
            text.append(data)

    _feed(archive, name, {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": characters})
    return rows.cells


def non_empty_lines(cells: Sequence[Sequence[str]]) -> list[tuple[int, Sequence[str]]]:
    """The rows that hold anything, with their line numbers in the file (1-based)."""
    return [(line, row) for line, row in enumerate(cells, start=1) if any(str(c).strip() for c in row)]


def find_columns(
    header: Sequence[str], names: dict[str, tuple[str, ...]], clean: Callable[[str], str]
) -> dict[str, int]:
    """Which column holds each field, by the header titles people use for it."""
    titles = [clean(str(c)).lower() for c in header]
    columns: dict[str, int] = {}
    for key, accepted in names.items():
        for index, title in enumerate(titles):
            if title in accepted:
                columns[key] = index
                break
    return columns
