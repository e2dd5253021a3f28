"""Gettext catalogs (Babel), the request's locale, and locale-aware formatting.

The catalogs are compiled from their .po files in memory at start-up, so there is no build
step and no stale .mo file. The current locale lives in a context variable set per request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
from functools import cache
from pathlib import Path

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LOCALE = "zh_Hans_CN"
SUPPORTED = ("zh_Hans_CN", "en")
LANG_COOKIE = "lang"
# What the language switch shows, each in its own language.
LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str, **params: object) -> str:
    text = translations(current_locale.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def lazy(message: str) -> str:
    """Marks a string for extraction where it is translated later (e.g. a label table)."""
    return message


def choose_locale(cookie: str | None, accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    if cookie in SUPPORTED:
        return cookie
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().replace("-", "_")
            if tag:
                wanted.append(tag)
        aliases = {"zh": "zh_Hans_CN", "zh_CN": "zh_Hans_CN", "zh_Hans": "zh_Hans_CN", "zh_SG": "zh_Hans_CN"}
        for tag in wanted:
            if tag in aliases:
                return aliases[tag]
            if tag.lower().startswith("zh"):
                return "zh_Hans_CN"
            found = negotiate_locale([tag], list(SUPPORTED), sep="_")
            if found:
                return found
    return default


def html_lang(locale: str | None = None) -> str:
    return "zh-CN" if (locale or current_locale.get()).startswith("zh") else "en"


WEEKDAYS_ZH = "一二三四五六日"


def format_date(value: dt.date) -> str:
    """2026年7月1日（星期三） in Chinese, Wednesday 1 July 2026 in English."""
    if current_locale.get().startswith("zh"):
        return f"{value.year}年{value.month}月{value.day}日（星期{WEEKDAYS_ZH[value.weekday()]}）"
    return f"{value:%A} {value.day} {value:%B %Y}"


def format_time(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
