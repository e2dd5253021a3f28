"""Pure logic for presenters' slides beyond what any uploaded document is (web.documents):
the names in the slide pack."""

from __future__ import annotations

import re

from core.documents import ACCEPTED, KINDS, archive_problem, content_disposition, detect_kind, safe_filename  # noqa: F401 - used as slides.*


def pack_name(position: int, unit: str, title: str, kind: str) -> str:
    """A file name in the slide pack: ``01 芙蓉区税务局 37℃学习法.pdf``, in running order."""
    title = title.strip()
    if len(title) > 2 and title[0] + title[-1] in ("“”", '""') and not any(q in title[1:-1] for q in '“”"'):
        title = title[1:-1]  # “37℃学习法” → 37℃学习法, but “三小”工作法 stays whole
    words = " ".join(w for w in (unit.strip(), title) if w)
    words = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", words)[:100] or "slides"
    return f"{position:02d} {words}{KINDS[kind][0]}"
