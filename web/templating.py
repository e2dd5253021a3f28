"""The one Jinja environment, shared by pages and (later) printed handouts."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from core.text import LONGEST_KEPT, keep_together
from settings import ROOT
from web import i18n
from web.assets import asset


def jinja_env(app: Litestar) -> Environment:
    """The app's Jinja environment (create_app configures a JinjaTemplateEngine)."""
    assert isinstance(app.template_engine, JinjaTemplateEngine), "create_app sets a Jinja template engine"
    return app.template_engine.engine


def filesize(size: int) -> str:
    """1.2 MB, 340 KB: how people read a file's size."""
    if size >= 1024 * 1024:
        return f"{size / 1048576:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def unbroken(text: Any, longest: int = LONGEST_KEPT, tail: bool = True) -> Markup:
    """A title with its short “…” titles and its last characters in nowrap spans, so that a
    line never breaks inside them (core.text.keep_together says which; ``longest``: the
    longest quoted title kept whole, less in a narrow table column; ``tail``: keep the last
    characters together, which a narrow column may have no room for)."""
    if text is None:
        return Markup("")
    return Markup("").join(
        Markup('<span class="nobr">%s</span>') % part if kept else escape(part)
        for part, kept in keep_together(str(text), longest, tail)
    )


@pass_context
def _gettext(context: Context, message: str, **variables: Any) -> str:
    """``_`` and ``gettext`` in templates: the translation is text, so it is escaped before
    it is marked safe (the i18n extension's own version marks it safe as it is, and a help
    text such as "/e/<address>" became an element). Values are escaped by the ``%``."""
    text = i18n.gettext(message)
    return (escape(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    text = i18n.translations(i18n.current_locale.get()).ngettext(singular, plural, num)
    return (escape(text) if context.eval_ctx.autoescape else text) % {"num": num, **variables}


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
    env.filters["unbroken"] = unbroken
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(gettext=_gettext, ngettext=_ngettext)  # the escaping versions of both
    env.globals.update(
        format_date=i18n.format_date,
        format_time=i18n.format_time,
        current_locale=i18n.current_locale.get,
        html_lang=i18n.html_lang,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        asset=asset,  # asset("css/app.css"): the URL with its version, kept a year by browsers
    )
    return env
