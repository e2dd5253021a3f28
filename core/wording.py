"""PURE: how names and titles are put into running text, the same on every page.

Why: titles and roles arrive with their own punctuation. A method may already be called
“五个一”学习法, and a role may carry its unit in brackets (党建工作科科长（宁乡市税务局）), so
wrapping them again gives ““五个一”学习法” or 罗亿成（党建工作科科长（宁乡市税务局），）.
Standard library only.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "\u201c", "\u201d"  # “ ”
INNER_OPEN, INNER_CLOSE = "\u2018", "\u2019"  # ‘ ’

# A role that ends with its unit in brackets: 党建工作科科长（宁乡市税务局）.
_ROLE_AND_UNIT = re.compile(r"^(?P<role>.*?[^\s（(])\s*[（(](?P<unit>[^（）()]+)[）)]\s*$")
# What the name of a unit ends with (so 科长（兼） keeps its bracket: 兼 is no unit).
_UNIT_ENDINGS = (
    "局",
    "所",
    "处",
    "科",
    "室",
    "院",
    "部",
    "委",
    "会",
    "中心",
    "公司",
    "队",
    "站",
    "厅",
    "办",
    "校",
    "行",
)

SEPARATOR = " · "


def quoted(title: str) -> str:
    """``title`` in Chinese double quotes, once.

    A title that is already one quotation stays as it is (“37℃学习法”); quotation marks inside
    a title become single ones, as GB/T 15834 asks of quotes within quotes:
    “五个一”学习法 → “‘五个一’学习法”."""
    text = title.strip()
    if not text:
        return text
    if text[0] == OPEN and text[-1] == CLOSE and not any(q in text[1:-1] for q in (OPEN, CLOSE)):
        return text
    return OPEN + text.replace(OPEN, INNER_OPEN).replace(CLOSE, INNER_CLOSE) + CLOSE


def without_unit(text: str, unit: str) -> str:
    """``text`` without ``unit`` in front of it: 宁乡市税务局党建工作科 → 党建工作科."""
    text, unit = text.strip(), unit.strip()
    if unit and text.startswith(unit) and len(text) > len(unit):
        return text[len(unit) :].lstrip(" ·-—、，,")
    return text


def person_label(name: str, role: str | None = "", unit: str | None = "") -> str:
    """One line naming a person: 罗亿成 · 党建工作科科长 · 宁乡市税务局, whether the unit is
    stored on its own, in brackets after the role, in front of the role, or twice."""
    role, unit = (role or "").strip(), (unit or "").strip()
    bracketed = _ROLE_AND_UNIT.match(role)
    if bracketed:
        named = bracketed["unit"].strip()
        if named == unit or (not unit and named.endswith(_UNIT_ENDINGS)):
            role, unit = bracketed["role"].strip(), named
    role = without_unit(role, unit)
    return joined(name, role, unit)


def unit_and_branch(unit: str | None, branch: str | None) -> str:
    """宁乡市税务局 党建工作科党支部, with the unit once even when the branch's name repeats it."""
    unit = (unit or "").strip()
    return " ".join(p for p in (unit, without_unit(branch or "", unit)) if p)


def joined(*parts: str | None) -> str:
    """The non-empty parts, each once, separated by a middle dot."""
    seen: list[str] = []
    for part in parts:
        text = (part or "").strip()
        if text and text not in seen:
            seen.append(text)
    return SEPARATOR.join(seen)
