"""PURE: a list of units from a spreadsheet (.xlsx, or .csv in UTF-8 or GBK): name, short
name, parent. Nothing is stored here; the page shows every row with its errors first."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.spreadsheets import find_columns, non_empty_lines, read_table
from presenters.units.rules import ImportRow, Tree, clean_name, plan_import

HEADERS = {
    "name": ("单位名称", "名称", "单位", "name", "unit"),
    "short_name": ("简称", "单位简称", "short name", "short"),
    "parent": ("上级单位", "上级", "parent", "parent unit"),
}
MAX_UNITS = 2000  # a city's whole tree is a few hundred


@dataclass
class UnitList:
    rows: list[ImportRow] = field(default_factory=list)
    error: str | None = None  # a problem with the whole file


def parse_units(data: bytes, tree: Tree, filename: str = "") -> UnitList:
    cells, _encoding, error = read_table(data, filename)
    if error or cells is None:
        return UnitList(error=error or "empty")
    numbered = non_empty_lines(cells)
    if not numbered:
        return UnitList(error="empty")
    columns = find_columns(numbered[0][1], HEADERS, clean_name)
    if "name" not in columns:
        return UnitList(error="missing_columns")
    if len(numbered) - 1 > MAX_UNITS:
        return UnitList(error="too_many_rows")
    raw_rows = [
        (line, {k: str(raw[i]) if i < len(raw) else "" for k, i in columns.items()}) for line, raw in numbered[1:]
    ]
    return UnitList(rows=plan_import(raw_rows, tree))
