"""A rehearsal's timing (pure): what the stage and the projector show while rehearsing, what
the public sees meanwhile (nothing), and delays that never run across days."""

import datetime as dt

from events.live import rules as live

CHINA = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=CHINA)  # the day, as planned
EVE = dt.datetime(2026, 6, 30, 15, 0, 40, tzinfo=CHINA)  # the rehearsal, the afternoon before


def at(minutes: float, base: dt.datetime = T0) -> dt.datetime:
    return base + dt.timedelta(minutes=minutes)


def plan() -> list[live.Slot]:
    """Opening 10 min, then three talks of 20 min."""
    return [live.Slot(1, at(0), 10), live.Slot(2, at(10), 20), live.Slot(3, at(30), 20), live.Slot(4, at(50), 20)]


def test_a_start_on_another_day_than_planned_is_no_delay_in_minutes():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(-8 * 24 * 60 - 12), actual_end=at(-8 * 24 * 60))
    slots[1] = live.Slot(2, at(10), 20, actual_start=at(-8 * 24 * 60))
    now = at(-8 * 24 * 60 + 5)
    forecast = {e.id: e for e in live.expected(slots, now)}
    assert forecast[1].late_minutes == 0 and forecast[2].late_minutes == 0  # not -11532
    assert live.running_late(slots, now) == 0
    board = live.board(slots, {2, 3, 4}, now, CHINA)
    assert board["late"] == 0 and [row[4] for row in board["items"]][:2] == [0, 0]
    assert live.delay_minutes(at(-8 * 24 * 60), at(10)) is None


def test_the_day_is_the_events_own_day_not_utcs():
    # 07:00 in China is 23:00 UTC the evening before: the same day where the event is.
    early = dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC)
    assert live.delay_minutes(early, T0) == -120
    assert live.delay_minutes(at(7), T0) == 7
    assert live.delay_minutes(dt.datetime(2026, 7, 1, 16, 30, tzinfo=dt.UTC), T0) is None  # 00:30 the day after


def test_a_rehearsal_runs_on_its_own_clock():
    """The plan moves to when the rehearsal started (to the minute): its delays, its countdown
    and what comes next are the rehearsal's, not tomorrow's."""
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=EVE, actual_end=at(12, EVE))
    slots[1] = live.Slot(2, at(10), 20, actual_start=at(12, EVE))
    rehearsed = live.rehearsal_plan(slots)
    assert rehearsed[0].planned_start == EVE.replace(second=0)
    forecast = {e.id: e for e in live.expected(rehearsed, at(15, EVE))}
    assert forecast[1].late_minutes == 0 and forecast[2].late_minutes == 2
    assert forecast[3].start == at(32, EVE) and forecast[3].late_minutes == 2  # 15:32, not 09:30 tomorrow
    assert live.running_late(rehearsed, at(15, EVE)) == 2
    assert live.board(rehearsed, {2, 3, 4}, at(15, EVE), CHINA)["items"][2][1] == "15:32"
    assert live.rehearsal_plan(plan()) == plan()  # nothing rehearsed yet: the plan stands


def test_the_public_sees_the_plan_during_a_rehearsal():
    slots = live.extend(live.go_next(live.go_next(plan(), EVE), at(12, EVE)), 5)
    slots = live.skip(slots, 3)  # a skip rehearsed
    public = live.without_rehearsal(slots, really_skipped={4})  # item 4 was dropped for real beforehand
    assert [(s.actual_start, s.actual_end, s.extended) for s in public] == [(None, None, 0)] * 4
    assert [s.skipped for s in public] == [False, False, False, True]
    board = live.board(public, {2, 3, 4}, at(15, EVE), CHINA)
    assert board["day"] == "before" and board["on"] is None and board["late"] == 0 and board["rate"] is None
    assert [row[3] for row in board["items"]] == ["coming", "coming", "coming", "skipped"]
    assert live.actual_or_expected_starts(public, at(15, EVE)) == {}  # feedback keeps to the plan


def test_ending_a_rehearsal_gives_back_the_day_before_it():
    rehearsed = live.skip(live.go_next(plan(), EVE), 3)
    cleared = live.without_rehearsal(rehearsed, really_skipped={4})
    assert live.day_state(cleared) == "before" and [s.skipped for s in cleared] == [False, False, False, True]
    started = live.go_next(cleared, at(1))  # the real start
    assert started[0].actual_start == at(1) and live.board(started, set(), at(2), CHINA)["late"] == 1
