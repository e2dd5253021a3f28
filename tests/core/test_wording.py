"""Names and titles in running text: quoted once, units once."""

import pytest

from core.wording import joined, person_label, quoted, unit_and_branch


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("三小工作法", "“三小工作法”"),
        ("“37℃学习法”", "“37℃学习法”"),
        ("“五个一”学习法", "“‘五个一’学习法”"),
        ("青年党员成长“三三制”工作法", "“青年党员成长‘三三制’工作法”"),
        ("“三小”与“五微”", "“‘三小’与‘五微’”"),
        ("", ""),
    ],
)
def test_quoted_never_doubles_quotation_marks(title, shown):
    assert quoted(title) == shown
    assert "““" not in quoted(title) and "””" not in quoted(title)


@pytest.mark.parametrize(
    ("name", "role", "unit", "shown"),
    [
        ("罗亿成", "党建工作科科长（宁乡市税务局）", None, "罗亿成 · 党建工作科科长 · 宁乡市税务局"),
        ("罗亿成", "党建工作科科长（宁乡市税务局）", "宁乡市税务局", "罗亿成 · 党建工作科科长 · 宁乡市税务局"),
        ("罗亿成", "宁乡市税务局党建工作科科长", "宁乡市税务局", "罗亿成 · 党建工作科科长 · 宁乡市税务局"),
        ("罗亿成", "党建工作科科长", "宁乡市税务局", "罗亿成 · 党建工作科科长 · 宁乡市税务局"),
        ("曾辉", "党委书记、局长(长沙市税务局第二税务分局)", "", "曾辉 · 党委书记、局长 · 长沙市税务局第二税务分局"),
        ("彭强", "", "雨花区税务局", "彭强 · 雨花区税务局"),
        ("彭强", None, None, "彭强"),
        ("谭玲", "科长（兼）", "", "谭玲 · 科长（兼）"),
    ],
)
def test_person_label_names_the_unit_once_without_nested_brackets(name, role, unit, shown):
    assert person_label(name, role, unit) == shown


def test_unit_and_branch_names_the_unit_once():
    assert unit_and_branch("宁乡市税务局", "宁乡市税务局党建工作科党支部") == "宁乡市税务局 党建工作科党支部"
    assert unit_and_branch("天心区税务局", "文源税务所党支部") == "天心区税务局 文源税务所党支部"
    assert unit_and_branch(None, "文源税务所党支部") == "文源税务所党支部"


def test_joined_skips_empty_and_repeated_parts():
    assert joined("a", "", None, "b", "a") == "a · b"
