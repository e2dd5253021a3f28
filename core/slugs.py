"""Public addresses (slugs) made from titles: pinyin for Chinese, plain letters otherwise.

An organiser who leaves the address empty gets one from the title, so a Chinese title is
never refused for want of an address: 税心向党·书记说 → shui-xin-xiang-dang-shu-ji-shuo.
The result always fits SLUG_PATTERN; callers make it unique with ``with_suffix``.
"""

from __future__ import annotations

import re
import unicodedata

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$"
MAX_LENGTH = 60
FALLBACK = "event"  # a title with nothing to spell (only emoji or punctuation)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _pinyin(text: str) -> list[str]:
    """Each Chinese character as its toneless pinyin (ü as v), other text as it is."""
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 -- loads a large dictionary: only when a title needs spelling

    return lazy_pinyin(text, style=Style.NORMAL, errors="default")


def _cut(slug: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a hyphen when there is one, no hyphen at the ends."""
    if len(slug) > limit:
        head = slug[:limit]
        slug = head.rsplit("-", 1)[0] if "-" in head and slug[limit] != "-" else head
    return slug.strip("-")


def slugify(title: str) -> str:
    """A URL-safe address for ``title``, within SLUG_PATTERN."""
    text = title.strip()
    if any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text):
        text = " ".join(_pinyin(text))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _cut(_NOT_SLUG.sub("-", ascii_text.lower()).strip("-"), MAX_LENGTH)
    if len(slug) < 3:
        slug = f"{FALLBACK}-{slug}" if slug else FALLBACK
    return slug


def with_suffix(slug: str, n: int) -> str:
    """The ``n``-th try at a free address: shuixin-2, shuixin-3 ... still within MAX_LENGTH."""
    suffix = f"-{n}"
    return _cut(slug, MAX_LENGTH - len(suffix)) + suffix
