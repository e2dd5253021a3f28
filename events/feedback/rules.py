"""Pure feedback rules: what a rating and a comment may be, when feedback is open, and how
results are summarised. No database, no HTTP."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

COMMENT_MAX = 500
RATINGS = (1, 2, 3, 4, 5)


def parse_rating(raw: object) -> tuple[int | None, str | None]:
    """(rating, None) or (None, error code)."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, "rating_required"
    if not re.fullmatch(r"[1-5]", text):
        return None, "rating_invalid"
    return int(text), None


def comment_error(comment: str) -> str | None:
    return "comment_too_long" if len(comment) > COMMENT_MAX else None


def window_state(now: dt.datetime, opens: dt.datetime, closes: dt.datetime) -> str:
    """A closing time already passed wins, even over a presentation that never started."""
    if now >= closes:
        return "closed"
    if now < opens:
        return "not_yet"
    return "open"


def default_close(planned_end: dt.datetime) -> dt.datetime:
    """Without an organiser's time: feedback stays open until three hours after the end."""
    return planned_end + dt.timedelta(hours=3)


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    distribution: tuple[int, int, int, int, int]  # how many gave 1, 2, 3, 4, 5

    @property
    def peak(self) -> int:
        return max(self.distribution) if self.count else 0


def summarise(ratings: Sequence[int]) -> Summary:
    counts = tuple(sum(1 for r in ratings if r == value) for value in RATINGS)
    mean = round(sum(ratings) / len(ratings), 2) if ratings else None
    return Summary(count=len(ratings), mean=mean, distribution=counts)  # type: ignore[arg-type]


def rank(summaries: dict[int, Summary]) -> list[int]:
    """Item ids, best first: by mean, then by how many rated; unrated last."""
    return sorted(
        summaries, key=lambda i: (summaries[i].mean is None, -(summaries[i].mean or 0), -summaries[i].count, i)
    )
