"""Pure check-in rules: codes, door codes, windows, names, phones, matching, buckets."""

import datetime as dt

import pytest

from events import checkin

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def test_ticket_codes_are_long_random_and_distinct():
    codes = {checkin.new_ticket_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(c) == 32 and checkin.TICKET_RE.fullmatch(c) for c in codes)  # 24 bytes = 192 bits


@pytest.mark.parametrize(
    ("scanned", "expected"),
    [
        ("A" * 32, "A" * 32),
        ("https://showcase.example/t/" + "b" * 32, "b" * 32),
        ("http://127.0.0.1:8000/t/" + "c_-" * 10 + "cc/", "c_-" * 10 + "cc"),
        ("A" * 31, None),
        ("A" * 33, None),
        ("https://evil.example/t/short", None),
        ("<script>", None),
        ("", None),
        ("x" * 1000, None),
    ],
)
def test_extract_ticket_code(scanned, expected):
    assert checkin.extract_ticket_code(scanned) == expected


def test_door_code_valid_now_and_within_grace():
    secret = "s" * 32
    window = checkin.door_window(NOW)
    assert checkin.check_door_code(secret, 7, checkin.door_code(secret, 7, window), NOW) == "ok"
    old = checkin.door_code(secret, 7, window - checkin.DOOR_GRACE_WINDOWS)
    assert checkin.check_door_code(secret, 7, old, NOW) == "ok"


def test_door_code_expired_after_grace():
    secret = "s" * 32
    stale = checkin.door_code(secret, 7, checkin.door_window(NOW) - checkin.DOOR_GRACE_WINDOWS - 1)
    assert checkin.check_door_code(secret, 7, stale, NOW) == "expired"


@pytest.mark.parametrize("code", ["", "123", "abc.def", "999999999999.000000000000", "1.zzzzzzzzzzzz"])
def test_door_code_forged_is_invalid(code):
    assert checkin.check_door_code("s" * 32, 7, code, NOW) == "invalid"


def test_door_code_of_another_event_or_secret_is_invalid():
    window = checkin.door_window(NOW)
    code = checkin.door_code("a" * 32, 7, window)
    assert checkin.check_door_code("a" * 32, 8, code, NOW) == "invalid"
    assert checkin.check_door_code("b" * 32, 7, code, NOW) == "invalid"


def test_door_code_from_the_future_is_invalid():
    secret = "s" * 32
    future = checkin.door_code(secret, 7, checkin.door_window(NOW) + 5)
    assert checkin.check_door_code(secret, 7, future, NOW) == "invalid"


def test_checkin_state_edges():
    opens, closes = NOW, NOW + dt.timedelta(hours=2)
    assert checkin.checkin_state(NOW - dt.timedelta(seconds=1), opens, closes) == "not_yet"
    assert checkin.checkin_state(NOW, opens, closes) == "open"
    assert checkin.checkin_state(closes, opens, closes) == "closed"


def test_clean_text_folds_fullwidth_and_spaces():
    assert checkin.clean_text("  彭\u3000强 ") == "彭 强"
    assert checkin.clean_text("ＡＢＣ１２３") == "ABC123"
    assert checkin.clean_text("a\u0000b\u200bc") == "abc"


@pytest.mark.parametrize(("name", "code"), [("", "name_required"), ("彭强", None), ("长" * 50, None), ("长" * 51, "name_too_long"), ("x" * 300, "name_too_long")])
def test_name_error(name, code):
    assert checkin.name_error(name) == code


@pytest.mark.parametrize(
    ("raw", "clean", "masked"),
    [("138 1234 5678", "13812345678", "138****5678"), ("+86 138-1234-5678", "13812345678", "138****5678"),
     ("0086 13812345678", "13812345678", "138****5678"), ("0731-8888 1234", "073188881234", "073****1234"), ("", "", "")],
)
def test_phone_clean_and_mask(raw, clean, masked):
    assert checkin.clean_phone(raw) == clean
    assert checkin.mask_phone(clean) == masked


def test_match_registration_by_name_and_last4():
    people = [checkin.Registration(1, "彭强", "雨花区税务局", "13800001111"),
              checkin.Registration(2, "彭强", "望城区税务局", "13900002222"),
              checkin.Registration(3, "谭玲", "第一稽查局", "13700003333")]
    assert checkin.match_registration(people, "谭玲") == ("one", 3)
    assert checkin.match_registration(people, "彭强") == ("ambiguous", None)
    assert checkin.match_registration(people, "彭强", "2222") == ("one", 2)
    assert checkin.match_registration(people, "彭强", "9999") == ("mismatch", None)
    twice = people + [checkin.Registration(4, "彭强", "雨花区税务局", "13800001111")]
    assert checkin.match_registration(twice, "彭强", "1111") == ("see_staff", None)
    assert checkin.match_registration(people, "曾辉") == ("none", None)


def test_arrivals_per_five_minutes_with_gaps():
    base = dt.datetime(2026, 7, 1, 8, 50, tzinfo=UTC)
    times = [base, base + dt.timedelta(minutes=1), base + dt.timedelta(minutes=16, seconds=30)]
    buckets = checkin.arrivals_per_bucket(times)
    assert [(b.strftime("%H:%M"), n) for b, n in buckets] == [("08:50", 2), ("08:55", 0), ("09:00", 0), ("09:05", 1)]
    assert checkin.arrivals_per_bucket([]) == []
