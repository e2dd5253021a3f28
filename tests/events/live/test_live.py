"""The live day's timing (pure): expected times follow what actually happened on stage."""

import datetime as dt

from events.live import rules as live

T0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def plan() -> list[live.Slot]:
    """Opening 10 min, then three talks of 20 min."""
    return [live.Slot(1, at(0), 10), live.Slot(2, at(10), 20), live.Slot(3, at(30), 20), live.Slot(4, at(50), 20)]


def test_before_the_day_the_plan_is_the_forecast():
    forecast = live.expected(plan(), at(-30))
    assert [(e.start, e.end, e.state) for e in forecast] == [
        (at(0), at(10), "coming"),
        (at(10), at(30), "coming"),
        (at(30), at(50), "coming"),
        (at(50), at(70), "coming"),
    ]
    assert live.running_late(plan(), at(-30)) == 0


def test_a_late_start_and_an_extension_push_everything_after():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(5), actual_end=at(17))  # opening ran 7 minutes late
    slots[1] = live.Slot(2, at(10), 20, actual_start=at(17), extended=5)  # on stage, extended by 5
    forecast = {e.id: e for e in live.expected(slots, at(20))}
    assert forecast[1].state == "done" and forecast[2].state == "on_stage"
    assert forecast[2].end == at(42)  # 17 + 20 + 5
    assert forecast[3].start == at(42) and forecast[3].late_minutes == 12
    assert forecast[4].start == at(62)
    assert live.running_late(slots, at(20)) == 7


def test_running_over_time_moves_the_rest_with_the_clock():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(0))
    forecast = {e.id: e for e in live.expected(slots, at(14))}
    assert forecast[1].state == "over_time" and forecast[1].end == at(14)
    assert forecast[2].start == at(14)
    assert live.running_late(slots, at(14)) == 4


def test_an_early_finish_never_pulls_the_next_item_before_its_plan():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(0), actual_end=at(6))
    forecast = {e.id: e for e in live.expected(slots, at(6))}
    assert forecast[2].start == at(10)  # people come for the announced time


def test_a_skipped_item_takes_no_time():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(0), actual_end=at(10))
    slots[1] = live.Slot(2, at(10), 20, skipped=True)
    forecast = {e.id: e for e in live.expected(slots, at(10))}
    assert forecast[2].state == "skipped" and forecast[3].start == at(30)
    assert live.next_up(slots).id == 3


def test_next_ends_the_current_item_and_starts_the_following_one():
    slots = plan()
    slots[0] = live.Slot(1, at(0), 10, actual_start=at(0))
    moved = live.go_next(slots, at(11))
    assert moved[0].actual_end == at(11) and moved[1].actual_start == at(11)
    assert live.on_stage(moved).id == 2


def test_the_board_gives_the_end_the_projector_counts_down_to():
    """The screens count down to ``ends`` (amber in the last two minutes, red past it: the
    browser test watches the colours)."""
    slots = live.go_next(plan(), at(10))
    assert live.board(slots, {2, 3, 4}, at(15), T0.tzinfo)["ends"] == int(at(20).timestamp() * 1000)
    assert live.board(plan(), {2, 3, 4}, at(-5), T0.tzinfo)["ends"] is None  # nothing on stage, nothing to count


def test_back_puts_the_last_ended_item_on_stage_again():
    slots = live.go_next(live.go_next(plan(), at(0)), at(12))
    slots = live.extend(slots, 5)
    back = live.go_back(slots)
    assert live.on_stage(back).id == 1 and back[0].actual_start == at(0) and back[0].actual_end is None
    assert back[1].actual_start is None and back[1].extended == 0
    assert live.day_state(back) == "live"
    assert live.go_back(live.go_back(back)) == plan()  # back to before the day started


def test_end_frees_the_stage_and_next_starts_the_following_item():
    slots = live.end_current(live.go_next(plan(), at(0)), at(9))
    assert live.on_stage(slots) is None and live.day_state(slots) == "between"
    assert live.next_up(slots).id == 2
    slots = live.go_next(slots, at(15))
    assert live.on_stage(slots).id == 2 and slots[0].actual_end == at(9)


def test_extend_only_touches_the_item_on_stage():
    assert live.extend(plan(), 5) == plan()  # nothing on stage: nothing to extend
    slots = live.extend(live.go_next(plan(), at(0)), 5)
    assert [s.extended for s in slots] == [5, 0, 0, 0]
    assert live.board(slots, set(), at(12), T0.tzinfo)["ends"] == int(at(15).timestamp() * 1000)


def test_skip_toggles_only_items_that_have_not_started():
    started = live.go_next(plan(), at(0))
    assert live.skip(started, 1) == started  # on stage: cannot be skipped
    skipped = live.skip(started, 3)
    assert skipped[2].skipped and live.skip(skipped, 3)[2].skipped is False


def test_the_day_is_done_when_nothing_is_left():
    slots = plan()
    for minute in (0, 10, 30, 50, 70):
        slots = live.go_next(slots, at(minute))
    assert live.day_state(slots) == "done" and live.on_stage(slots) is None
    assert live.running_late(slots, at(80)) == 0


def test_the_feedback_qr_shows_between_talks_and_briefly_into_the_next():
    talks = {2, 3, 4}
    slots = live.go_next(live.go_next(plan(), at(0)), at(10))  # opening done, talk 2 on stage
    assert live.to_rate(slots, talks, at(12)) is None  # no talk has ended yet
    ended = live.end_current(slots, at(30))
    assert live.to_rate(ended, talks, at(31)) == 2  # stage free: rate the talk that ended
    following = live.go_next(ended, at(32))
    assert live.to_rate(following, talks, at(34)) == 2  # first three minutes of the next talk
    assert live.to_rate(following, talks, at(36)) is None


def test_the_board_is_language_neutral_and_carries_clock_times():
    slots = live.extend(live.go_next(plan(), at(5)), 2)
    board = live.board(slots, {2, 3, 4}, at(6), T0.tzinfo)
    assert board["day"] == "live" and board["on"] == 1 and board["next"] == 2 and board["late"] == 5
    assert board["ends"] == int((at(5) + dt.timedelta(minutes=12)).timestamp() * 1000)
    assert board["items"][0] == [1, "09:05", "09:17", "on_stage", 5, 12]  # last: its length, extended
    assert board["items"][1] == [2, "09:17", "09:37", "coming", 7, 20]


def test_a_day_that_has_not_started_on_time_runs_late_with_the_clock():
    forecast = {e.id: e for e in live.expected(plan(), at(12))}  # nobody pressed "start" yet
    assert forecast[1].start == at(12) and forecast[1].late_minutes == 12
    assert forecast[2].start == at(22) and forecast[4].start == at(62)
    assert live.running_late(plan(), at(12)) == 12
    assert live.day_state(plan()) == "before"


def test_a_free_stage_past_the_next_items_time_runs_late_too():
    slots = live.end_current(live.go_next(plan(), at(0)), at(10))  # opening on time, stage free since
    assert {e.id: e for e in live.expected(slots, at(15))}[2].start == at(15)
    assert live.running_late(slots, at(15)) == 5


def test_a_past_day_never_run_from_the_stage_keeps_its_plan():
    months_later = at(60 * 24 * 90)
    forecast = live.expected(plan(), months_later)
    assert [e.start for e in forecast] == [at(0), at(10), at(30), at(50)]
    assert live.running_late(plan(), months_later) == 0


def test_a_day_left_with_an_item_on_stage_stops_drifting_after_twelve_hours():
    slots = live.go_next(plan(), at(0))  # the opening started, and nobody pressed anything again
    day_after = {e.id: e for e in live.expected(slots, at(60 * 24 * 2))}
    assert day_after[1].end == at(70 + 12 * 60)  # frozen 12 h after the planned end (09:00 + 70 min)
    assert day_after[2].start == at(70 + 12 * 60)
