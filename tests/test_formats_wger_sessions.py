"""wger sessions read back: local wall-clock times, one completed session per bout, null amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from plugin import catalog
from plugin.catalog.model import Plan
from plugin.formats.wger import sessions

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 11, 20)
PLANNED = [
    sessions.PlannedExercise("lying-hamstring", 377, 1),
    sessions.PlannedExercise("lying-hamstring", 377, 1),
    sessions.PlannedExercise("band-hamstring", 377, 1),
    sessions.PlannedExercise("band-hamstring", 377, 1),
    sessions.PlannedExercise("standing-forward-bend", 268, 2),
]
UNITS = {1: "Repetitions", 3: "Seconds", 4: "Minutes"}


def plan(zone: str, *times: time) -> Plan:
    return Plan((catalog.builtin_routine("daily-hamstring"),), times, zone)


def log(id_, base, reps, unit=3):
    return {
        "id": id_,
        "exercise_base": base,
        "workout": 1,
        "repetition_unit": unit,
        "reps": reps,
        "weight": "0.00",
        "weight_unit": 1,
        "date": DAY.isoformat(),
        "rir": None,
    }


def one_pass(first_id: int) -> list[dict]:
    """Every set of PLANNED once: four logs of 377 (30 s) and two of 268."""
    return [log(first_id + i, 377, 30) for i in range(4)] + [log(first_id + 4 + i, 268, 30) for i in range(2)]


def wger_session(time_start=None, time_end=None, notes="") -> dict:
    return {
        "id": 12,
        "workout": 1,
        "date": DAY.isoformat(),
        "notes": notes,
        "impression": "3",
        "time_start": time_start,
        "time_end": time_end,
    }


def read(session, logs, zone=UTC, plan_=None, generation="2.1", planned=PLANNED):
    return sessions.completed_sessions(
        DAY, session, logs, planned, "daily-hamstring", UNITS, zone, plan_, generation=generation
    )


def test_a_21_session_and_its_logs_in_berlin_time():
    # ids 9 and 10: handed out by value, not as text ("10" < "9")
    logs = [
        log(10, 377, 20),
        log(9, 377, 20),
        log(11, 377, 30),
        log(12, 377, 30),
        log(35, 268, 30),
        log(36, 268, 30),
        log(37, 999, 5, unit=1),
    ]
    (done,) = read(wger_session("07:30:00", "07:42:00", "felt fine"), logs, BERLIN)
    assert (done.source, done.source_id, done.routine_id) == (
        "wger",
        "12:daily-hamstring:1",
        "daily-hamstring",
    )
    # wger keeps wall-clock time: 07:30 in Berlin in November (CET, UTC+1) is 06:30 UTC
    assert done.started_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    assert done.duration_s == 12 * 60 and done.notes == "felt fine"
    by_id = {e.exercise_id: e for e in done.exercises}
    assert set(by_id) == {"lying-hamstring", "band-hamstring", "standing-forward-bend", "wger:999"}
    assert (by_id["lying-hamstring"].sets, by_id["lying-hamstring"].hold_s) == (2, 20)  # logs 9 and 10
    assert (by_id["band-hamstring"].sets, by_id["band-hamstring"].hold_s) == (2, 30)
    assert by_id["standing-forward-bend"].sets == 2
    assert (by_id["wger:999"].sets, by_id["wger:999"].reps) == (1, 5)  # not ours, kept as recorded


def test_los_angeles_wall_clock_time_is_a_later_utc_instant():
    (done,) = read(wger_session("07:30", "07:40"), one_pass(1), LOS_ANGELES)
    assert done.started_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # PST, UTC-8


def test_summer_time_is_followed():
    summer = dict(wger_session("07:30", "07:40"), date="2026-07-01")
    (done,) = sessions.completed_sessions(
        date(2026, 7, 1), summer, [], PLANNED, "daily-hamstring", UNITS, BERLIN
    )
    assert done.started_at == datetime(2026, 7, 1, 5, 30, tzinfo=UTC)  # CEST, UTC+2


def test_a_session_without_times_is_placed_on_the_plans_time_of_that_day():
    (done,) = read(wger_session(), one_pass(1), LOS_ANGELES, plan("America/Los_Angeles", time(7, 30)))
    assert done.started_at.astimezone(LOS_ANGELES) == datetime(2026, 11, 20, 7, 30, tzinfo=LOS_ANGELES)
    assert done.duration_s == 6 * 30  # the seconds logged


def test_without_a_plan_or_times_a_session_stays_on_its_day_west_of_utc():
    (done,) = read(wger_session(), one_pass(1), LOS_ANGELES)
    assert done.started_at.astimezone(LOS_ANGELES).date() == DAY  # noon, never the day before
    assert done.started_at.astimezone(LOS_ANGELES).time() == time(12, 0)


def test_twice_a_day_in_one_session_is_two_bouts_on_the_plans_times():
    twice = plan("Europe/Berlin", time(7, 30), time(19, 0))
    morning, evening = read(wger_session("07:30", "07:36"), one_pass(1) + one_pass(7), BERLIN, twice)
    assert [morning.source_id, evening.source_id] == ["12:daily-hamstring:1", "12:daily-hamstring:2"]
    assert morning.started_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # the session's own start
    assert evening.started_at == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # the plan's 19:00
    assert morning.duration_s == evening.duration_s == 180  # each bout's logged seconds
    assert [(e.exercise_id, e.sets) for e in evening.exercises] == [
        ("lying-hamstring", 2),
        ("band-hamstring", 2),
        ("standing-forward-bend", 2),
    ]


def test_a_session_spanning_both_bouts_gives_the_evening_its_real_end():
    twice = plan("Europe/Berlin", time(7, 30), time(19, 0))
    morning, evening = read(wger_session("07:20", "19:13"), one_pass(1) + one_pass(7), BERLIN, twice)
    assert morning.started_at.astimezone(BERLIN).time() == time(7, 20)
    assert evening.started_at.astimezone(BERLIN).time() == time(19, 10)  # 19:13 less 180 s logged


def test_times_overwritten_by_the_evening_log_go_to_the_evening_bout():
    # wger's log page writes the session's times again on each visit: the last bout's times win.
    twice = plan("Europe/Berlin", time(7, 30), time(19, 0))
    morning, evening = read(wger_session("19:05", "19:11"), one_pass(1) + one_pass(7), BERLIN, twice)
    assert morning.started_at.astimezone(BERLIN).time() == time(7, 30)
    assert evening.started_at.astimezone(BERLIN).time() == time(19, 5)


def test_evening_logs_added_later_keep_the_morning_bout_as_it_was():
    twice = plan("Europe/Berlin", time(7, 30), time(19, 0))
    (before,) = read(wger_session("07:30", "07:36"), one_pass(1), BERLIN, twice)
    after = read(wger_session("07:30", "07:36"), one_pass(1) + one_pass(7), BERLIN, twice)
    assert after[0].source_id == before.source_id
    assert after[0].exercises == before.exercises and after[0].started_at == before.started_at
    # a single bout lasts time_end - time_start; once there are two, each lasts its logged seconds
    assert (before.duration_s, after[0].duration_s) == (360, 180)


def test_a_partly_logged_pass_stays_one_bout_when_finished_later():
    logs = one_pass(1)
    (done,) = read(wger_session(), logs[:3] + logs[3:], BERLIN)
    assert sum(e.sets or 0 for e in done.exercises) == 6


def test_a_session_with_no_logs_is_one_bout_with_nothing_logged():
    (done,) = read(wger_session("08:00", "08:10"), [], BERLIN)
    assert done.exercises == () and done.duration_s == 600


def entry_log(id_: str, at: str, repetitions: str | None) -> dict:
    return {
        "id": id_,
        "session": "01938c2e-7d4a-7b8e-9f00-0123456789ab",
        "exercise": 672,
        "repetitions_unit": 3,
        "repetitions": repetitions,
        "date": at,
    }


TRUNK = [sessions.PlannedExercise("standing-trunk-rotation", 672, 1)]
SESSION_23 = {
    "id": "01938c2e-7d4a-7b8e-9f00-0123456789ab",
    "routine": 4,
    "day": 9,
    "date": DAY.isoformat(),
    "notes": None,
    "time_start": None,
    "time_end": None,
}


def test_23_uuid_ids_and_the_logs_own_time():
    logs = [entry_log("01938c2e-aaaa-7b8e-9f00-0123456789ab", "2026-11-20T08:00:00Z", "180.00")]
    (done,) = read(SESSION_23, logs, BERLIN, generation="2.3", planned=TRUNK)
    assert done.source_id == "01938c2e-7d4a-7b8e-9f00-0123456789ab:daily-hamstring:1"
    assert done.started_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # the log's instant
    assert done.duration_s == 180
    assert [(e.exercise_id, e.hold_s) for e in done.exercises] == [("standing-trunk-rotation", 180)]


def test_23_null_repetitions_are_skipped_not_fatal():
    logs = [
        entry_log("01938c2e-aaaa-7b8e-9f00-0123456789ab", "2026-11-20T08:00:00Z", None),
        entry_log("01938c2e-bbbb-7b8e-9f00-0123456789ab", "2026-11-20T08:03:00Z", "120.00"),
    ]
    (done,) = read(SESSION_23, logs, BERLIN, generation="2.3", planned=TRUNK)
    assert [(e.exercise_id, e.sets, e.hold_s) for e in done.exercises] == [
        ("standing-trunk-rotation", 1, 120)
    ]


def test_23_logs_hours_apart_are_two_bouts():
    logs = [
        entry_log("01938c2e-aaaa-7b8e-9f00-0123456789ab", "2026-11-20T06:30:00Z", "60"),
        entry_log("01938c2e-bbbb-7b8e-9f00-0123456789ab", "2026-11-20T18:00:00Z", "60"),
    ]
    planned = [sessions.PlannedExercise("standing-trunk-rotation", 672, 3)]  # neither pass is full
    morning, evening = read(SESSION_23, logs, BERLIN, generation="2.3", planned=planned)
    assert (morning.started_at.hour, evening.started_at.hour) == (6, 18)


def test_exercise_for_comment_reads_our_names_back():
    assert sessions.exercise_for_comment("Lying hamstring stretch, left leg") == "lying-hamstring"
    assert sessions.exercise_for_comment("Standing trunk rotation with a pole") == "standing-trunk-rotation"
    assert sessions.exercise_for_comment("Squats") is None
