"""The Simplified Chinese catalog is complete and safe, and the locale is chosen as expected.

Plain tests: no database and no app, only ``web.i18n`` (which imports nothing but Babel).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from web import i18n

ZH = "zh_Hans_CN"
PO_PATH = i18n.LOCALES_DIR / ZH / "LC_MESSAGES" / "messages.po"

# Python %-formatting: %(name)s, %s, %5.2f, and the literal %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _load_catalog():
    with PO_PATH.open("rb") as fh:
        return read_po(fh, locale=ZH)


CATALOG = _load_catalog()
MESSAGES = [m for m in CATALOG if m.id]


def _ids(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(value) -> list[str]:
    if isinstance(value, (tuple, list)):
        return list(value)
    return [value]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_catalog_is_not_empty():
    assert len(MESSAGES) > 100


def test_plural_forms_header_is_for_chinese():
    assert CATALOG.num_plurals == 1
    assert CATALOG.plural_expr.strip() == "0"


@pytest.mark.parametrize("message", MESSAGES, ids=_ids)
def test_every_message_is_translated(message):
    strings = _strings(message.string)
    # Chinese has one plural form: msgstr[0] is the only one that must be present.
    assert strings and strings[0] and strings[0].strip(), f"untranslated: {message.id!r}"
    assert all(s and s.strip() for s in strings[: CATALOG.num_plurals])


@pytest.mark.parametrize("message", MESSAGES, ids=_ids)
def test_placeholders_match(message):
    source = set().union(*(_placeholders(s) for s in _strings(message.id)))
    for translated in _strings(message.string)[: CATALOG.num_plurals]:
        assert _placeholders(translated) == source, (message.id, translated)


@pytest.mark.parametrize("message", [m for m in MESSAGES if m.python_format], ids=_ids)
def test_python_format_translations_format_cleanly(message):
    names = {p[2:-2] for p in _placeholders(_strings(message.id)[0]) if p.startswith("%(")}
    params = {name: 1 for name in names}
    for translated in _strings(message.string)[: CATALOG.num_plurals]:
        translated % params  # raises if a placeholder is malformed


def test_runtime_translation_of_agenda():
    assert i18n.translations(ZH).gettext("Agenda") == "议程"


def test_runtime_translation_keeps_placeholders_usable():
    text = i18n.translations(ZH).gettext("%(n)s min")
    assert text % {"n": 15} == "15分钟"


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected"),
    [
        (None, "en-US,en;q=0.9", "en"),
        (None, "zh-CN,zh;q=0.9", ZH),
        (None, None, ZH),
        ("en", "zh-CN", "en"),
        (ZH, "en-US,en;q=0.9", ZH),
        # A bogus cookie is ignored: Accept-Language decides, then the default.
        ("klingon", "en-US,en;q=0.9", "en"),
        ("klingon", "zh-CN,zh;q=0.9", ZH),
        ("", "en", "en"),
        ("klingon", None, ZH),
    ],
)
def test_choose_locale(cookie, accept_language, expected):
    assert i18n.choose_locale(cookie, accept_language) == expected


def test_no_message_is_translated_twice() -> None:
    """Translations are appended by several hands: a second entry for the same text would
    silently win over the first (two words for one thing across the pages)."""
    import collections
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "locales/zh_Hans_CN/LC_MESSAGES/messages.po").read_text("utf-8")
    entries = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"$', text, re.M)
    twice = [m for m, n in collections.Counter(entries).items() if n > 1 and m[1]]
    assert twice == []
