"""The feed follows the plan's week and its pain holds, read the same by icalendar, vobject and ical.js."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from ical_readers import node_available, read_dose_line, with_icalendar, with_icaljs, with_vobject

from plugin import catalog
from plugin.catalog.model import Plan
from plugin.catalog.progress import PainReport, progress
from plugin.formats import ical

BERLIN = "Europe/Berlin"
MONDAY = date(2026, 11, 2)
CHANGED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FEED_ID = "feedfeedfeedfeedfeedfeedfeedfeed"
STOP_RULE = catalog.exercise("lying-hamstring").cautions[2].text

READERS = [pytest.param(with_icalendar, id="icalendar"), pytest.param(with_vobject, id="vobject")]
READERS.append(
    pytest.param(
        with_icaljs,
        id="ical.js",
        marks=pytest.mark.skipif(not node_available(), reason="npm install in tests/js first (.ci/run does)"),
    )
)


def plan(**changes) -> Plan:
    fields = dict(
        routines=(catalog.builtin_routine("daily-hamstring"), catalog.builtin_routine("trunk-rotation")),
        times=(time(7, 0), time(19, 0)),
        timezone=BERLIN,
        days=("MO", "WE", "FR", "SA"),
        reminders_min=(10,),
        start=MONDAY,
        name="Getting longer",
    )
    fields.update(changes)
    return Plan(**fields)


def feed_of(p: Plan, reports=(), **kw) -> bytes:
    kw.setdefault("feed_id", FEED_ID)
    kw.setdefault("sequence", 0)
    kw.setdefault("changed_at", CHANGED)
    state = progress(p.start, reports, p.timezone, max(r.weeks for r in p.routines))
    return ical.feed(p, plan_state=state, **kw)


def lying_hold(description: str) -> int:
    lines = description.splitlines()
    return read_dose_line(lines[lines.index("1. Lying hamstring stretch") + 1])["work_s"]


def week_of(day: date) -> int:
    return (day - MONDAY).days // 7 + 1


def hamstring(found):
    return [o for o in found if o.summary.lstrip("⚠ ").startswith("Daily hamstring")]


@pytest.mark.parametrize("reader", READERS)
def test_a_plan_started_on_a_monday_shows_15_s_in_week_1_and_30_s_from_week_4(reader):
    p = plan()
    found = hamstring(reader(feed_of(p), MONDAY, MONDAY + timedelta(days=48)))
    assert {week_of(o.local.date()) for o in found} == set(range(1, 8))
    for occurrence in found:
        week = week_of(occurrence.local.date())
        want = {1: 15, 2: 20, 3: 25}.get(week, 30)
        assert lying_hold(occurrence.description) == want, (occurrence.local, week)
        routine = catalog.builtin_routine("daily-hamstring").at_week(week)
        assert occurrence.duration_s == routine.duration_s
        assert occurrence.summary == ical.summary(routine)
    # 4 planned days a week, 2 times a day, 7 weeks: nothing lost or doubled at a step's edge.
    assert len(found) == 4 * 2 * 7


def test_the_three_readers_agree():
    if not node_available():
        pytest.skip("npm install in tests/js first (.ci/run does)")
    reports = [PainReport("p7", datetime(2026, 11, 25, 6, 30, tzinfo=UTC), 7)]
    body = feed_of(plan(), reports)
    first, last = MONDAY, MONDAY + timedelta(days=55)
    seen = [
        [(o.uid, o.local, o.utc, o.summary, o.duration_s, o.description) for o in reader(body, first, last)]
        for reader in (with_icalendar, with_vobject, with_icaljs)
    ]
    assert seen[0] and seen[0] == seen[1] == seen[2]


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_uids_of_a_step_stay_across_fetches_plan_changes_and_history_windows():
    before = feed_of(plan())
    assert feed_of(plan()) == before
    slot = f"{FEED_ID}-daily-hamstring-1"
    assert {u for u in uids(before) if u.startswith(slot + "-") or u.startswith(slot + "@")} == {
        f"{slot}@stretchsync",
        f"{slot}-20261109@stretchsync",
        f"{slot}-20261116@stretchsync",
        f"{slot}-20261123@stretchsync",
    }
    changed = plan(times=(time(7, 30), time(18, 0)), days=("TU", "TH"), reminders_min=(5, 30), name="Other")
    after = feed_of(changed, sequence=1, changed_at=CHANGED + timedelta(days=3))
    assert uids(after) == uids(before)
    # A history window that begins in week 3 keeps the UIDs of the steps it still shows.
    windowed = feed_of(plan(), since=MONDAY + timedelta(days=16))
    assert uids(windowed) < uids(before)
    assert f"{slot}-20261116@stretchsync" in uids(windowed)
    assert f"{slot}-20261109@stretchsync" not in uids(windowed)


def test_every_step_but_the_last_ends_with_until_in_utc():
    cal = icalendar.Calendar.from_ical(feed_of(plan()))
    series = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    first = series[f"{FEED_ID}-daily-hamstring-1@stretchsync"]
    (until,) = first["RRULE"]["UNTIL"]
    assert until == datetime(2026, 11, 8, 6, 0, tzinfo=UTC)  # Sunday 07:00 in Berlin, week 1's last day
    last = series[f"{FEED_ID}-daily-hamstring-1-20261123@stretchsync"]
    assert "UNTIL" not in last["RRULE"]
    trunk = series[f"{FEED_ID}-trunk-rotation-1@stretchsync"]  # no progression: one open series
    assert "UNTIL" not in trunk["RRULE"]
    assert not [u for u in series if u.startswith(f"{FEED_ID}-trunk-rotation-1-")]


@pytest.mark.parametrize("reader", READERS)
def test_a_pain_7_report_warns_for_7_days_and_steps_the_dose_back(reader):
    reported = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # Wednesday of week 4, 07:30 in Berlin
    body = feed_of(plan(), [PainReport("p7", reported, 7)])
    found = reader(body, MONDAY + timedelta(days=21), MONDAY + timedelta(days=48))
    held_days = {date(2026, 11, 25) + timedelta(days=n) for n in range(8)}
    assert {o.local.date() for o in found if o.summary.startswith("⚠")} == {
        o.local.date() for o in found if o.local.date() in held_days
    }
    for occurrence in found:
        day = occurrence.local.date()
        if day in held_days:
            first_line = occurrence.description.splitlines()[0]
            assert first_line.startswith("⚠ You reported pain 7/10 on 2026-11-25 07:30.")
            assert STOP_RULE in first_line
            assert "ask a physiotherapist or doctor before you go on" in first_line
            assert occurrence.summary.startswith("⚠ ")
        else:
            assert "⚠" not in occurrence.summary and "⚠" not in occurrence.description
        if "Daily hamstring" in occurrence.summary:
            want = 25 if date(2026, 11, 25) <= day < date(2026, 12, 7) else 30
            assert lying_hold(occurrence.description) == want, day
    assert any(o.summary.startswith("⚠ Trunk rotation") for o in found)  # every routine of the plan


@pytest.mark.parametrize("reader", READERS)
def test_a_later_low_pain_session_ends_the_warning(reader):
    reports = [
        PainReport("p7", datetime(2026, 11, 25, 6, 30, tzinfo=UTC), 7),
        PainReport("p2", datetime(2026, 11, 27, 6, 30, tzinfo=UTC), 2),
    ]
    found = reader(feed_of(plan(), reports), date(2026, 11, 25), date(2026, 12, 10))
    warned = {o.local.date() for o in found if o.summary.startswith("⚠")}
    assert warned == {date(2026, 11, 25), date(2026, 11, 27)}  # the planned days up to the easy one


def test_a_hold_bumps_the_sequence_of_the_series_it_touches_only():
    quiet = icalendar.Calendar.from_ical(feed_of(plan(), sequence=3))
    held = icalendar.Calendar.from_ical(
        feed_of(plan(), [PainReport("p7", datetime(2026, 11, 25, 6, 30, tzinfo=UTC), 7)], sequence=3)
    )
    before = {str(e["UID"]): e["SEQUENCE"] for e in quiet.walk("VEVENT")}
    after = {str(e["UID"]): e["SEQUENCE"] for e in held.walk("VEVENT")}
    assert after[f"{FEED_ID}-daily-hamstring-1@stretchsync"] == 3  # week 1 ended before the report
    assert after[f"{FEED_ID}-daily-hamstring-1-20261123@stretchsync"] == 4  # cut by the hold
    assert set(before.values()) == {3}


def test_a_done_mark_overrides_the_step_its_day_falls_in():
    done = [ical.DoneOccurrence("daily-hamstring", datetime(2026, 11, 18, 7, 0), "all of it", "host:1")]
    cal = icalendar.Calendar.from_ical(feed_of(plan(), done=done))
    (override,) = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert str(override["UID"]) == f"{FEED_ID}-daily-hamstring-1-20261116@stretchsync"
    assert override["DURATION"].dt == timedelta(
        seconds=catalog.builtin_routine("daily-hamstring").at_week(3).duration_s
    )


def test_the_warning_gives_the_advice_once_even_without_a_stop_rule():
    from dataclasses import replace

    from plugin.formats.text import hold_notice

    reports = [PainReport("p7", datetime(2026, 11, 25, 6, 30, tzinfo=UTC), 7)]
    (hold,) = progress(MONDAY, reports, BERLIN, 4).holds
    routine = catalog.builtin_routine("trunk-rotation")
    text = hold_notice(hold, routine)
    assert text.count("physiotherapist or doctor") == 1 and STOP_RULE in text
    entry = routine.entries[0]
    no_stop = replace(entry, exercise=replace(entry.exercise, cautions=entry.exercise.cautions[1:]))
    bare = hold_notice(hold, replace(routine, entries=(no_stop,)))
    assert "Stop rule" not in bare
    assert "Ask a physiotherapist or doctor before you go on." in bare
