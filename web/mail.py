"""Notices written from templates: one template holds a message's subject, plain text and
HTML as blocks, rendered in the recipient's language (not the request's)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from web import i18n


def render_mail(env: Environment, template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of ``template`` in ``locale``: its blocks ``subject``, ``text``
    and ``html`` (the text and subject unescaped: they are not HTML)."""
    token = i18n.current_locale.set(locale if locale in i18n.SUPPORTED else i18n.DEFAULT_LOCALE)
    try:
        found = env.get_template(template)
        parts = []
        for block in ("subject", "text", "html"):
            ctx = found.new_context({**context, "locale": i18n.current_locale.get()})
            parts.append("".join(found.blocks[block](ctx)).strip())
    finally:
        i18n.current_locale.reset(token)
    subject, text, html = parts
    return " ".join(subject.split()), text + "\n", html
