"""PURE: the characters a piece of text may keep, the same wherever it comes in (forms, the
JSON API, imports, public forms) and again on every export (for rows stored before).

Why: a control character pasted from Word makes openpyxl refuse a whole workbook and XML
invalid; NUL is refused by PostgreSQL but stored by SQLite; a bidirectional override in a
name shows what follows it reversed ("报告" U+202E "gpj.exe" reads "报告exe.jpg"). Standard
library only.

The decision: NUL is refused where a person sends it (``has_nul``, answered 400 by the
web layer); every other unwanted character is silently removed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NUL = "\x00"

# C0 controls except tab, LF and CR; DEL and the C1 controls; surrogates (never valid on
# their own); U+FFFE/U+FFFF (not characters, forbidden in XML).
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI_OVERRIDES = "\u202a-\u202e\u2066-\u2069"
# The plain direction marks: harmless in running text, never needed in a name or title.
_BIDI_MARKS = "\u200e\u200f"

# For the OpenAPI schema: text a person may send (no NUL), and one-line text that still shows
# something once cleaned (what ``clean_fields(required=...)`` asks): a character that is
# neither dropped by ``clean_line`` nor whitespace to ``str.strip`` (surrogates left out: a
# JSON schema's regex sees a character beyond U+FFFF as two of them).
NO_NUL_PATTERN = r"^[^\x00]*$"
_INVISIBLE = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u200e\u200f\u2028-\u202f\u205f\u2066-\u2069\u3000\ufffe\uffff"
VISIBLE_PATTERN = rf"^[^\x00]*[^{_INVISIBLE}][^\x00]*$"

_MULTI_LINE_DROP = re.compile(f"[{_CONTROLS}{_BIDI_OVERRIDES}]")
_ONE_LINE_DROP = re.compile(f"[{_CONTROLS}{_BIDI_OVERRIDES}{_BIDI_MARKS}]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def has_nul(value: object) -> bool:
    """True when a NUL character is anywhere in ``value`` (a string, or strings nested in
    lists and dicts as a JSON body decodes), keys included."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False


def clean_text(value: str) -> str:
    """Multi-line text (summaries, comments, notes): keeps tab and line breaks, drops the
    other control characters, non-characters and bidirectional overrides."""
    return _MULTI_LINE_DROP.sub("", value)


def clean_line(value: str) -> str:
    """One-line text (names, titles, units, contacts): as ``clean_text``, and tabs and line
    breaks become one space; direction marks go too."""
    return _LINE_BREAKS.sub(" ", _ONE_LINE_DROP.sub("", value))


def clean_fields(record: object, multi_line: Iterable[str] = (), required: Iterable[str] = ()) -> None:
    """Every text field of a decoded msgspec Struct cleaned in place (one-line unless named in
    ``multi_line``); for its ``__post_init__``, so the JSON API stores what the forms store.
    A ``required`` field left blank by the cleaning is a ValueError (msgspec answers 400)."""
    long_text, needed = set(multi_line), set(required)
    for name in getattr(record, "__struct_fields__", ()):
        value = getattr(record, name)
        if isinstance(value, str):
            value = (clean_text if name in long_text else clean_line)(value)
            if name in needed and not value.strip():
                raise ValueError(f"`{name}` holds no visible text")
            setattr(record, name, value)


# -- where a title may break across lines -------------------------------------------------
# Chinese has no spaces: a browser or WeasyPrint may break between any two characters, so a
# title in “…” splits ("“红色引擎·党建+纳税服 / 务”") and a last line may hold two characters
# ("期）" alone). WeasyPrint knows neither ``word-break: keep-all`` nor ``line-break``, so the
# parts to keep whole are marked, and printed in ``white-space: nowrap`` spans (the
# ``keep_together`` template filter; assets/js/live-day.js does the same on the projector).

LONGEST_KEPT = 14  # characters, quotes included: a longer “…” title may still break (it must, to fit)
TAIL = 3  # the last characters always share a line
_QUOTED = re.compile(r"“[^“”]{1,98}”")
_WORD_AFTER = re.compile(r"[\u4e00-\u9fff]{1,3}")
_LAST_BRACKETS = re.compile(r"[（(][^（()）]{1,6}[）)]$")


def keep_together(text: str, longest: int = LONGEST_KEPT, tail: bool = True) -> list[tuple[str, bool]]:
    """``text`` in runs, each with whether it must stay on one line: quoted titles of at most
    ``longest`` characters and, with ``tail``, the last ``TAIL`` characters (or a closing
    bracket group such as "（第二期）")."""
    if tail and len(text) <= TAIL + 1:
        return [(text, True)] if text else []
    spans = []
    for match in _QUOTED.finditer(text):
        start, end = match.span()
        if end - start > longest:
            continue
        # "“三小”工作法": the closing quote holds on to what follows it, so keep the word too.
        word = _WORD_AFTER.match(text, end)
        if word and word.end() - start <= longest and word.end() < len(text) - 1:
            end = word.end()
        spans.append((start, end))
    if not tail:
        return _runs(text, spans)
    bracket = _LAST_BRACKETS.search(text)
    tail_start = min(bracket.start() if bracket else len(text) - TAIL, len(text) - TAIL)
    while tail_start > 0 and text[tail_start] in "”）)」』》〉】、，。：；！？·":
        tail_start -= 1  # never open a line with closing punctuation
    # A quoted title that reaches into the tail joins it.
    kept: list[tuple[int, int]] = [(s, e) for s, e in spans if e <= tail_start]
    overlapping = [s for s, e in spans if e > tail_start]
    kept.append((min([tail_start, *overlapping]), len(text)))
    return _runs(text, kept)


def _runs(text: str, kept: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in kept:
        if start > at:
            runs.append((text[at:start], False))
        if end > start:
            runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs
