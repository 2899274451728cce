"""The progression rules on their own (plugin.catalog.progress): weeks, pain holds, early ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from plugin import catalog
from plugin.catalog.model import Progression
from plugin.catalog.progress import HoldReason, PainReport, calendar_week, progress
from plugin.errors import InvalidDose

START = date(2026, 11, 2)  # a Monday
ZONE = "Europe/Berlin"


def report(day: date, pain: int, key: str | None = None, hour: int = 7) -> PainReport:
    # 07:00 UTC is 08:00 in Berlin in November: the same local day.
    return PainReport(
        key or f"s-{day}-{hour}", datetime(day.year, day.month, day.day, hour, tzinfo=UTC), pain
    )


def weeks_by_day(reports, weeks: int = 4, days: int = 49) -> dict[date, tuple[int, bool]]:
    state = progress(START, reports, ZONE, weeks)
    out = {}
    for n in range(days):
        day = START + timedelta(days=n)
        period = state.at(day)
        out[day] = (period.week, period.hold is not None)
    return out


def test_one_step_a_week_from_the_start_and_the_last_kept():
    by_day = weeks_by_day([])
    assert by_day[START] == (1, False)
    assert by_day[START + timedelta(days=6)] == (1, False)
    assert by_day[START + timedelta(days=7)] == (2, False)
    assert by_day[START + timedelta(days=21)] == (4, False)
    assert by_day[START + timedelta(days=48)] == (4, False)
    assert progress(START, [], ZONE, 4).periods[-1].end is None


def test_days_before_the_start_read_as_week_one():
    assert calendar_week(START, START - timedelta(days=10)) == 1
    assert progress(START, [], ZONE, 4).at(START - timedelta(days=3)).week == 1


def test_pain_7_steps_back_one_week_and_holds_the_day_and_seven_more():
    reported = START + timedelta(days=22)  # week 4
    state = progress(START, [report(reported, 7)], ZONE, 4)
    (hold,) = state.holds
    assert (hold.start, hold.end, hold.week, hold.reason, hold.pain) == (
        reported,
        reported + timedelta(days=8),
        3,
        HoldReason.PAIN,
        7,
    )
    by_day = weeks_by_day([report(reported, 7)])
    assert by_day[reported - timedelta(days=1)] == (4, False)
    for n in range(8):
        assert by_day[reported + timedelta(days=n)] == (3, True)
    # Back to the plan's own week boundaries: week 3 until the next one, then week 4.
    after = reported + timedelta(days=8)
    assert by_day[after] == (3, False)
    next_boundary = START + timedelta(days=35)
    assert by_day[next_boundary - timedelta(days=1)] == (3, False)
    assert by_day[next_boundary] == (4, False)


def test_two_sessions_in_a_row_at_5_hold_but_one_does_not():
    day = START + timedelta(days=8)  # week 2
    assert progress(START, [report(day, 5)], ZONE, 4).holds == ()
    broken = [report(day, 5), report(day + timedelta(days=1), 4), report(day + timedelta(days=2), 5)]
    assert progress(START, broken, ZONE, 4).holds == ()
    state = progress(START, [report(day, 5), report(day + timedelta(days=1), 6)], ZONE, 4)
    (hold,) = state.holds
    assert (hold.start, hold.week, hold.reason, hold.pain) == (
        day + timedelta(days=1),
        1,
        HoldReason.PAIN_TWICE,
        6,
    )


def test_a_pair_counts_once():
    day = START + timedelta(days=15)  # week 3
    three = [report(day + timedelta(days=n), 5) for n in range(3)]
    (hold,) = progress(START, three, ZONE, 4).holds
    assert hold.week == 2


def test_low_pain_ends_the_hold_after_its_day():
    reported = START + timedelta(days=15)  # week 3
    eased = reported + timedelta(days=2)
    state = progress(START, [report(reported, 8), report(eased, 2, "easy")], ZONE, 4)
    (hold,) = state.holds
    assert hold.end == eased + timedelta(days=1)
    assert hold.ended_by == "easy" and hold.ended_early_at is not None
    assert state.at(eased).hold is hold
    assert state.at(eased + timedelta(days=1)).hold is None
    assert state.at(eased + timedelta(days=1)).week == 2


def test_low_pain_outside_a_hold_changes_nothing():
    assert progress(START, [report(START + timedelta(days=3), 1)], ZONE, 4) == progress(START, [], ZONE, 4)


def test_a_new_report_in_a_hold_steps_back_again_and_starts_seven_days_anew():
    first = START + timedelta(days=22)  # week 4 → held at 3
    second = first + timedelta(days=3)
    state = progress(START, [report(first, 7), report(second, 9)], ZONE, 4)
    earlier, later = state.holds
    assert (earlier.week, earlier.end) == (3, second)
    assert (later.week, later.start, later.end) == (2, second, second + timedelta(days=8))


def test_never_below_week_one_and_holds_without_progression_still_warn():
    state = progress(START, [report(START, 7)], ZONE, 1)
    (hold,) = state.holds
    assert hold.week == 1
    assert state.at(START + timedelta(days=3)).hold is hold


def test_a_plan_past_its_last_step_steps_back_from_the_last_step():
    reported = START + timedelta(days=70)  # calendar week 11 of a 4-step plan
    (hold,) = progress(START, [report(reported, 7)], ZONE, 4).holds
    assert hold.week == 3


def test_reports_are_read_in_time_order_and_in_the_plans_timezone():
    late = PainReport("late", datetime(2026, 11, 9, 23, 30, tzinfo=UTC), 7)  # 00:30 on the 10th in Berlin
    (hold,) = progress(START, [late], ZONE, 4).holds
    assert hold.start == date(2026, 11, 10)
    day = START + timedelta(days=8)
    shuffled = [report(day + timedelta(days=1), 6), report(day, 5)]
    assert len(progress(START, shuffled, ZONE, 4).holds) == 1


def test_changes_count_what_touched_a_series():
    reported = START + timedelta(days=15)
    state = progress(START, [report(reported, 7), report(reported + timedelta(days=2), 1)], ZONE, 4)
    assert state.changes(reported - timedelta(days=1)) == 0
    assert state.changes(reported) == 1
    assert state.changes(None) == 2


# --- the model's side ------------------------------------------------------------------------


def test_a_progression_steps_a_dose_and_keeps_its_last_step():
    lying = catalog.builtin_routine("daily-hamstring").entries[0]
    assert [lying.at_week(w).dose.hold_s for w in (1, 2, 3, 4, 5, 40)] == [15, 20, 25, 30, 30, 30]
    assert lying.progression.weeks == 4


def test_a_step_that_makes_no_valid_dose_is_named():
    trunk = catalog.exercise("standing-trunk-rotation")
    with pytest.raises(InvalidDose) as err:
        Progression(reps=(1, 2)).check(trunk.dose)
    assert err.value.field == "reps.1"


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_built_in_progressions_stay_inside_the_source_ranges(routine):
    for entry in routine.entries:
        dose, steps = entry.exercise.dose, entry.progression
        ranged = {"hold_s": dose.hold_range_s, "reps": dose.reps_range}
        ranged = {name: bounds for name, bounds in ranged.items() if bounds and bounds[0] != bounds[1]}
        if not ranged:
            assert not steps, f"{entry.exercise.id}: the source gives one number"
            continue
        for name, (low, high) in ranged.items():
            values = getattr(steps, name)
            assert values, f"{entry.exercise.id}: the source gives {low}-{high}"
            assert values[0] == low and values[-1] == high
            assert list(values) == sorted(values)
            assert all(low <= v <= high for v in values)
        assert not steps.sets


def test_reports_given_with_the_pain_before_them_read_like_the_whole_history():
    day = START + timedelta(days=8)
    whole = [report(day, 5), report(day + timedelta(days=1), 4), report(day + timedelta(days=2), 5)]
    # What the store hands over: only the 5s, each with the score of the session before it.
    subset = [
        PainReport("a", whole[0].at, 5, previous_pain=2),
        PainReport("c", whole[2].at, 5, previous_pain=4),
    ]
    assert progress(START, whole, ZONE, 4).holds == progress(START, subset, ZONE, 4).holds == ()
    paired = [
        PainReport("a", whole[0].at, 5, previous_pain=1),
        PainReport("b", whole[2].at, 6, previous_pain=5),
    ]
    (hold,) = progress(START, paired, ZONE, 4).holds
    assert hold.reason is HoldReason.PAIN_TWICE
