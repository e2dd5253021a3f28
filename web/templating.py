"""The one Jinja environment, shared by pages and (later) printed handouts."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from settings import ROOT
from web import i18n


def filesize(size: int) -> str:
    """1.2 MB, 340 KB: how people read a file's size."""
    if size >= 1024 * 1024:
        return f"{size / 1048576:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(ROOT / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["filesize"] = filesize
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        format_date=i18n.format_date,
        format_time=i18n.format_time,
        current_locale=i18n.current_locale.get,
        html_lang=i18n.html_lang,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
    )
    return env
