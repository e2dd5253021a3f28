"""Pure agenda logic: timing, generation, warnings. No database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from events.agenda import rules as agenda
from events.agenda.rules import GenerationPlan, Slot

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 7, 1, 9, 0, tzinfo=TZ)


def hm(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def test_timetable_times_follow_durations():
    slots = [Slot(1, "opening", 10), Slot(2, "presentation", 20), Slot(3, "break", 15), Slot(4, "presentation", 25)]
    timed = agenda.timetable(START, slots)
    assert [(hm(t.start), hm(t.end)) for t in timed] == [
        ("09:00", "09:10"),
        ("09:10", "09:30"),
        ("09:30", "09:45"),
        ("09:45", "10:10"),
    ]


def test_timetable_change_anywhere_retimes_the_rest():
    slots = [Slot(1, "opening", 10), Slot(2, "presentation", 20), Slot(3, "presentation", 20)]
    longer = [slots[0], Slot(2, "presentation", 35), slots[2]]
    assert hm(agenda.timetable(START, slots)[2].start) == "09:30"
    assert hm(agenda.timetable(START, longer)[2].start) == "09:45"


def test_timetable_empty_agenda_is_empty():
    assert agenda.timetable(START, []) == []


def test_event_end_past_midnight_is_next_day():
    end = agenda.event_end(dt.date(2026, 7, 1), dt.time(20, 0), dt.time(1, 0), TZ)
    assert end == dt.datetime(2026, 7, 2, 1, 0, tzinfo=TZ)


def test_warnings_overrun_reports_minutes_late():
    timed = agenda.timetable(START, [Slot(1, "presentation", 100, presenter_id=7, method_id=1)])
    found = agenda.warnings(timed, START + dt.timedelta(minutes=90))
    assert [(w.code, w.minutes) for w in found] == [("overrun", 10)]


def test_warnings_exactly_on_time_is_no_overrun():
    timed = agenda.timetable(START, [Slot(1, "presentation", 90, presenter_id=7, method_id=1)])
    assert agenda.warnings(timed, START + dt.timedelta(minutes=90)) == []


def test_warnings_presenter_twice_names_both_items():
    slots = [
        Slot(1, "presentation", 20, presenter_id=5, method_id=1, label="彭强"),
        Slot(2, "break", 10),
        Slot(3, "presentation", 20, presenter_id=5, method_id=2, label="彭强"),
    ]
    found = agenda.warnings(agenda.timetable(START, slots), START + dt.timedelta(hours=3))
    assert [(w.code, w.item_ids, w.label) for w in found] == [("presenter_twice", (1, 3), "彭强")]


def test_warnings_a_speech_and_a_presentation_by_one_person_are_no_duplicate():
    """Leaders often open the day and present a method too: only presenting twice is warned."""
    slots = [
        Slot(1, "opening", 10, presenter_id=5, label="彭强"),
        Slot(2, "remarks", 10, presenter_id=5, label="彭强"),
        Slot(3, "presentation", 20, presenter_id=5, method_id=1, label="彭强"),
        Slot(4, "closing", 10, presenter_id=5, label="彭强"),
    ]
    assert agenda.warnings(agenda.timetable(START, slots), START + dt.timedelta(hours=3)) == []


def test_warnings_presenter_twice_names_only_the_presentations():
    slots = [
        Slot(1, "remarks", 10, presenter_id=5, label="彭强"),
        Slot(2, "presentation", 20, presenter_id=5, method_id=1, label="彭强"),
        Slot(3, "presentation", 20, presenter_id=5, method_id=2, label="彭强"),
    ]
    found = agenda.warnings(agenda.timetable(START, slots), START + dt.timedelta(hours=3))
    assert [(w.code, w.item_ids) for w in found] == [("presenter_twice", (2, 3))]


def test_warnings_method_without_presenter_and_missing_method():
    slots = [Slot(1, "presentation", 20, method_id=3, label="37℃学习法"), Slot(2, "presentation", 20)]
    found = agenda.warnings(agenda.timetable(START, slots), START + dt.timedelta(hours=3))
    assert [(w.code, w.item_ids) for w in found] == [("missing_presenter", (1,)), ("missing_method", (2,))]


def test_warnings_segments_need_no_presenter():
    slots = [Slot(1, "opening", 10), Slot(2, "break", 10), Slot(3, "closing", 10)]
    assert agenda.warnings(agenda.timetable(START, slots), START + dt.timedelta(hours=1)) == []


def test_generate_talks_breaks_opening_closing():
    plan = GenerationPlan(
        method_ids=[11, 12, 13, 14, 15],
        talk_minutes=15,
        qa_minutes=5,
        break_every=2,
        break_minutes=10,
        opening_minutes=5,
        closing_minutes=10,
        presenters={11: 101, 13: 103},
    )
    items = agenda.generate(plan)
    assert [(i.kind, i.duration, i.method_id, i.presenter_id) for i in items] == [
        ("opening", 5, None, None),
        ("presentation", 20, 11, 101),
        ("presentation", 20, 12, None),
        ("break", 10, None, None),
        ("presentation", 20, 13, 103),
        ("presentation", 20, 14, None),
        ("break", 10, None, None),
        ("presentation", 20, 15, None),
        ("closing", 10, None, None),
    ]


def test_generate_no_trailing_break_and_no_optional_segments():
    items = agenda.generate(GenerationPlan(method_ids=[1, 2], break_every=2, opening_minutes=0, closing_minutes=0))
    assert [i.kind for i in items] == ["presentation", "presentation"]


def test_generate_refuses_impossible_talk_length():
    with pytest.raises(ValueError, match="duration_too_long"):
        agenda.generate(GenerationPlan(method_ids=[1], talk_minutes=470, qa_minutes=20))


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(0, "duration_too_short"), (-5, "duration_too_short"), (10_000, "duration_too_long"), (1, None), (480, None)],
)
def test_validate_duration_bounds(minutes, code):
    assert agenda.validate_duration(minutes) == code


def test_move_up_down_and_clamped():
    assert agenda.move([1, 2, 3], 3, -1) == [1, 3, 2]
    assert agenda.move([1, 2, 3], 1, 1) == [2, 1, 3]
    assert agenda.move([1, 2, 3], 1, -1) == [1, 2, 3]
    with pytest.raises(KeyError):
        agenda.move([1, 2], 9, 1)


@pytest.mark.parametrize(
    ("talk", "qa", "code"),
    [(470, 20, "duration_too_long"), (480, 120, "duration_too_long"), (460, 20, None), (15, 5, None)],
)
def test_plan_error_names_an_impossible_plan_before_generating(talk, qa, code):
    assert agenda.plan_error(GenerationPlan(method_ids=[1], talk_minutes=talk, qa_minutes=qa)) == code


def test_reconcile_keeps_presentations_by_method_and_segments_by_kind():
    existing = [
        Slot(11, "opening", 10),
        Slot(12, "presentation", 20, method_id=1),
        Slot(13, "break", 10),
        Slot(14, "presentation", 20, method_id=2),
        Slot(15, "presentation", 20, method_id=3),
        Slot(16, "closing", 5),
    ]
    drafts = agenda.generate(GenerationPlan(method_ids=[2, 1, 4], break_every=0))
    kept, dropped = agenda.reconcile(existing, drafts)
    assert [(d.kind, d.method_id, k) for d, k in zip(drafts, kept, strict=True)] == [
        ("opening", None, 11),
        ("presentation", 2, 14),
        ("presentation", 1, 12),
        ("presentation", 4, None),
        ("closing", None, 16),
    ]
    assert [s.id for s in dropped] == [13, 15]


def test_reconcile_a_method_listed_twice_keeps_one_item_and_drops_the_other():
    existing = [Slot(1, "presentation", 20, method_id=7), Slot(2, "presentation", 20, method_id=7)]
    kept, dropped = agenda.reconcile(
        existing, agenda.generate(GenerationPlan(method_ids=[7], opening_minutes=0, closing_minutes=0))
    )
    assert kept == [1] and [s.id for s in dropped] == [2]
