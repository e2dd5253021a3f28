"""Reading our downloads back the way a spreadsheet program would: every cell of an .xlsx
with its type, every cell of a .csv."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

# What makes Excel or WPS evaluate a cell typed or pasted from a CSV (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_cells(data: bytes) -> list[list[tuple[object, str]]]:
    """(value, openpyxl data type) of every cell, row by row; "f" is a formula."""
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def formulas_in_xlsx(data: bytes) -> list[object]:
    """Cells a spreadsheet program would run: formula cells, and text that starts like one."""
    return [
        value
        for row in xlsx_cells(data)
        for value, kind in row
        if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_STARTS))
    ]


def formulas_in_csv(data: bytes) -> list[str]:
    return [cell for row in csv_rows(data) for cell in row if cell.startswith(FORMULA_STARTS)]
