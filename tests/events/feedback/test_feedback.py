"""Pure feedback rules."""

import datetime as dt

import pytest

from events.feedback import rules as feedback

T = dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", (1, None)),
        ("5", (5, None)),
        (" 3 ", (3, None)),
        ("0", (None, "rating_invalid")),
        ("6", (None, "rating_invalid")),
        ("five", (None, "rating_invalid")),
        ("4.5", (None, "rating_invalid")),
        ("", (None, "rating_required")),
        (None, (None, "rating_required")),
    ],
)
def test_parse_rating(raw, expected):
    assert feedback.parse_rating(raw) == expected


def test_comment_limit():
    assert feedback.comment_error("好" * 500) is None
    assert feedback.comment_error("好" * 501) == "comment_too_long"


def test_window_edges():
    assert feedback.window_state(T - dt.timedelta(seconds=1), T, T + dt.timedelta(hours=1)) == "not_yet"
    assert feedback.window_state(T, T, T + dt.timedelta(hours=1)) == "open"
    assert feedback.window_state(T + dt.timedelta(hours=1), T, T + dt.timedelta(hours=1)) == "closed"


def test_summary_and_ranking():
    s = feedback.summarise([5, 4, 5, 3])
    assert (s.count, s.mean, s.distribution) == (4, 4.25, (0, 0, 1, 1, 2))
    assert feedback.summarise([]).mean is None
    order = feedback.rank(
        {
            1: feedback.summarise([3, 3]),
            2: feedback.summarise([5]),
            3: feedback.summarise([]),
            4: feedback.summarise([5, 5]),
        }
    )
    assert order == [4, 2, 1, 3]
