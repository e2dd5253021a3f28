"""Pure check-in rules: codes, door codes, windows, names, phones, matching, buckets."""

import datetime as dt

import pytest

from events.checkin import rules as checkin

UTC = dt.UTC
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


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "name_required"),
        ("彭强", None),
        ("长" * 50, None),
        ("长" * 51, "name_too_long"),
        ("x" * 300, "name_too_long"),
    ],
)
def test_name_error(name, code):
    assert checkin.name_error(name) == code


@pytest.mark.parametrize(
    ("stored", "masked"),
    [("13812345678", "138****5678"), ("073188881234", "073****1234"), ("88881234", "****1234"), ("", "")],
)
def test_phone_mask(stored, masked):
    assert checkin.mask_phone(stored) == masked


PEOPLE = [
    checkin.Registration(1, "彭强", "雨花区税务局", "13800001111"),
    checkin.Registration(2, "彭强", "望城区税务局", "13900002222"),
    checkin.Registration(3, "谭玲", "第一稽查局", "13700003333"),
]


def test_match_registration_by_name_and_last4():
    people = PEOPLE
    assert checkin.match_registration(people, "谭玲", last4="3333") == ("one", 3)
    assert checkin.match_registration(people, "彭强") == ("ambiguous", None)
    assert checkin.match_registration(people, "彭强", last4="2222") == ("one", 2)
    assert checkin.match_registration(people, "彭强", last4="9999") == ("mismatch", None)
    twice = people + [checkin.Registration(4, "彭强", "雨花区税务局", "13800001111")]
    assert checkin.match_registration(twice, "彭强", last4="1111") == ("see_staff", None)
    assert checkin.match_registration(people, "曾辉") == ("none", None)


def test_match_registration_name_alone_never_claims_a_mobile():
    assert checkin.match_registration(PEOPLE, "谭玲") == ("need_last4", None)
    assert checkin.match_registration(PEOPLE, "谭玲", unit="第一稽查局") == ("need_last4", None)
    assert checkin.match_registration(PEOPLE, "谭玲", last4="0000") == ("mismatch", None)


def test_match_registration_other_unit_is_never_the_registrant():
    for unit in ("天心区税务局", "雨花区税务局", "望城区税务局"):  # units prove nothing while mobiles are on file
        assert checkin.match_registration(PEOPLE, "彭强", unit=unit) == ("ambiguous", None)
        assert checkin.match_registration(PEOPLE, "彭强", unit=unit, last4="3333") == ("mismatch", None)
    same_digits = [
        checkin.Registration(1, "李明", "芙蓉区税务局", "13800001234"),
        checkin.Registration(2, "李明", "天心区税务局", "13900001234"),
    ]
    assert checkin.match_registration(same_digits, "李明", unit="天心区税务局", last4="1234") == ("one", 2)
    assert checkin.match_registration(same_digits, "李明", unit="开福区税务局", last4="1234") == ("see_staff", None)
    assert checkin.match_registration(same_digits, "李明", last4="1234") == ("see_staff", None)


def test_match_registration_without_mobile_needs_the_unit():
    one = [checkin.Registration(5, "王芳", "芙蓉区税务局", "")]
    assert checkin.match_registration(one, "王芳", unit="芙蓉区税务局") == ("one", 5)
    assert checkin.match_registration(one, "王芳", unit="芙蓉区 税务局", last4="1234") == ("one", 5)
    assert checkin.match_registration(one, "王芳") == ("need_unit", None)
    assert checkin.match_registration(one, "王芳", unit="天心区税务局") == ("wrong_unit", None)
    two = one + [checkin.Registration(6, "王芳", "天心区税务局", "")]
    assert checkin.match_registration(two, "王芳", unit="天心区税务局") == ("one", 6)
    assert checkin.match_registration(two, "王芳") == ("see_staff", None)
    assert checkin.match_registration(two, "王芳", unit="开福区税务局") == ("see_staff", None)
    bare = [checkin.Registration(7, "周杰", "", "")]  # the organiser gave a name and nothing else
    assert checkin.match_registration(bare, "周杰") == ("one", 7)
    mixed = [
        checkin.Registration(8, "刘洋", "芙蓉区税务局", "13800005678"),
        checkin.Registration(9, "刘洋", "天心区税务局", ""),
    ]
    assert checkin.match_registration(mixed, "刘洋", unit="天心区税务局") == ("one", 9)
    assert checkin.match_registration(mixed, "刘洋", unit="芙蓉区税务局") == ("ambiguous", None)


def test_match_registration_after_too_many_wrong_tries_goes_to_the_desk():
    assert checkin.match_registration(PEOPLE, "谭玲", last4="3333", locked={3}) == ("see_staff", None)
    assert checkin.match_registration(PEOPLE, "谭玲", last4="0000", locked={3}) == ("see_staff", None)
    assert checkin.match_registration(PEOPLE, "彭强", last4="2222", locked={1}) == ("see_staff", None)
    assert checkin.match_registration(PEOPLE, "彭强", last4="2222", locked={3}) == ("one", 2)


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("13800001111", "13800001111"),
        ("138 0000 1111", "13800001111"),
        ("138-0000-1111", "13800001111"),
        ("+86 138 0000 1111", "13800001111"),
        ("86-13800001111", "13800001111"),
        ("008613800001111", "13800001111"),
        ("13800001111.0", "13800001111"),
        ("１３８００００１１１１", "13800001111"),
        ("", ""),
    ],
)
def test_parse_mobile_accepts_mainland_mobiles(cell, stored):
    assert checkin.parse_mobile(cell) == (stored, None)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("1.38073E+10", "phone_scientific"),
        ("1.38073e10", "phone_scientific"),
        ("1.3807312345E+10", "phone_scientific"),
        ("13807312345.5", "phone_invalid"),
        ("1380731234.0", "phone_invalid"),
        ("1380731", "phone_invalid"),
        ("1380000111", "phone_invalid"),
        ("138000011112", "phone_invalid"),
        ("23800001111", "phone_invalid"),
        ("0731-88881234", "phone_invalid"),
        ("138OOOO1111", "phone_invalid"),
        ("123", "phone_invalid"),
    ],
)
def test_parse_mobile_refuses_mangled_numbers(cell, code):
    assert checkin.parse_mobile(cell) == (cell, code)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("1234", "1234"),
        ("12 34", "1234"),
        ("１２３４", "1234"),
        ("138", ""),
        ("1380731", ""),
        ("13807312345", ""),
        ("12345", ""),
        ("彭强", None),
        ("彭1", None),
        ("", None),
    ],
)
def test_last4_query_is_a_whole_last4_or_nothing(query, found):
    assert checkin.last4_query(query) == found


def test_arrivals_per_five_minutes_with_gaps():
    base = dt.datetime(2026, 7, 1, 8, 50, tzinfo=UTC)
    times = [base, base + dt.timedelta(minutes=1), base + dt.timedelta(minutes=16, seconds=30)]
    buckets = checkin.arrivals_per_bucket(times)
    assert [(b.strftime("%H:%M"), n) for b, n in buckets] == [("08:50", 2), ("08:55", 0), ("09:00", 0), ("09:05", 1)]
    assert checkin.arrivals_per_bucket([]) == []
