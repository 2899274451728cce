"""The iCal feed builder, read back by independent parsers and compared with the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from ical_readers import (
    node_available,
    read_dose_line,
    with_icalendar,
    with_icaljs,
    with_vobject,
)

from plugin import catalog
from plugin.catalog.model import WEEKDAYS, Plan
from plugin.formats import ical

BERLIN = "Europe/Berlin"
CHANGED = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
FEED_ID = "0123456789abcdef0123456789abcdef"

READERS = [pytest.param(with_icalendar, id="icalendar"), pytest.param(with_vobject, id="vobject")]
READERS.append(
    pytest.param(
        with_icaljs,
        id="ical.js",
        marks=pytest.mark.skipif(not node_available(), reason="npm install in tests/js first (.ci/run does)"),
    )
)

# Windows of 14 days that cross the end (October) and the start (March) of summer time in Berlin.
WINDOWS = {
    "october": (date(2026, 10, 19), date(2026, 11, 1)),
    "march": (date(2027, 3, 22), date(2027, 4, 4)),
}


def plan(start: date, **changes) -> Plan:
    fields = dict(
        routines=(catalog.builtin_routine("daily-hamstring"), catalog.builtin_routine("trunk-rotation")),
        times=(time(19, 30), time(7, 0)),
        timezone=BERLIN,
        days=("MO", "WE", "FR"),
        reminders_min=(10, 30),
        start=start,
        name="My stretching",
    )
    fields.update(changes)
    return Plan(**fields)


def feed_of(p: Plan, **kw) -> bytes:
    kw.setdefault("feed_id", FEED_ID)
    kw.setdefault("sequence", 0)
    kw.setdefault("changed_at", CHANGED)
    return ical.feed(p, **kw)


def planned(p: Plan, first: date, last: date) -> list[tuple[str, datetime, datetime]]:
    """What the plan says, computed from the plan with zoneinfo: (routine name, local, utc)."""
    zone = ZoneInfo(p.timezone)
    out = []
    day = first
    while day <= last:
        if WEEKDAYS[day.weekday()] in p.days and day >= p.start:
            for at in p.times:
                local = datetime.combine(day, at)
                for routine in p.routines:
                    out.append((routine.name, local, local.replace(tzinfo=zone).astimezone(UTC)))
        day += timedelta(days=1)
    return sorted(out, key=lambda o: (o[2], o[0]))


def week_of(p: Plan, day: date) -> int:
    """The plan's week of ``day``, counted here from the start: 1 for its first 7 days."""
    return (day - p.start).days // 7 + 1


def routine_on(p: Plan, name: str, day: date):
    """The plan's routine by name, with the dose of ``day``'s week."""
    return next(r for r in p.routines if r.name == name).at_week(week_of(p, day))


def name_of(summary: str) -> str:
    # SUMMARY is "<routine name> (<duration>)", possibly after a ✓.
    return summary.removeprefix(ical.DONE_MARK + " ").rsplit(" (", 1)[0]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("reader", READERS)
def test_expanding_14_days_gives_exactly_the_planned_occurrences(reader, window):
    first, last = WINDOWS[window]
    p = plan(first)
    found = reader(feed_of(p), first, last)
    got = sorted(((name_of(o.summary), o.local, o.utc) for o in found), key=lambda o: (o[2], o[0]))
    expected = planned(p, first, last)
    assert got == expected
    # 3 days a week × 2 weeks × 2 times × 2 routines, and the clock change is inside the window.
    assert len(got) == 24
    offsets = {o[1].replace(tzinfo=None) - o[2].replace(tzinfo=None) for o in got}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


@pytest.mark.parametrize("reader", READERS)
def test_each_occurrence_lasts_as_long_as_its_routine(reader):
    first, last = WINDOWS["october"]
    p = plan(first - timedelta(days=7))  # the window is the plan's weeks 2 and 3
    found = reader(feed_of(p), first, last)
    assert {week_of(p, o.local.date()) for o in found} == {2, 3}
    for occurrence in found:
        routine = routine_on(p, name_of(occurrence.summary), occurrence.local.date())
        assert occurrence.duration_s == routine.duration_s


@pytest.mark.parametrize("reader", READERS)
def test_every_caution_and_every_dose_can_be_read_back_from_each_description(reader):
    first, last = WINDOWS["october"]
    p = plan(first)
    found = reader(feed_of(p), first, last)
    assert found
    for occurrence in found:
        routine = routine_on(p, name_of(occurrence.summary), occurrence.local.date())
        text = occurrence.description
        assert text.startswith("CAUTIONS")
        # Cautions come before the first exercise.
        first_exercise = text.index(routine.entries[0].exercise.name)
        for caution in routine.cautions:
            assert 0 < text.index(caution.text) < first_exercise
        lines = text.splitlines()
        for number, entry in enumerate(routine.entries, start=1):
            head = lines.index(f"{number}. {entry.exercise.name}")
            dose = read_dose_line(lines[head + 1])
            assert dose["sets"] == entry.dose.sets
            assert dose["reps"] == entry.dose.reps
            assert dose["per_side"] == entry.dose.per_side
            assert dose["rest_s"] == entry.dose.rest_s
            timed = entry.dose.hold_s or entry.dose.contract_s or entry.dose.duration_s
            assert dose["work_s"] == timed
            for equipment in entry.exercise.equipment:
                assert equipment in text
        for minutes in p.reminders_min:
            assert f"{minutes} min before" in text


def test_the_calendar_carries_the_properties_clients_need():
    body = feed_of(plan(date(2026, 10, 19)))
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    cal = icalendar.Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == ical.PRODID
    assert cal["CALSCALE"] == "GREGORIAN"
    assert cal["METHOD"] == "PUBLISH"
    assert cal["NAME"] == cal["X-WR-CALNAME"] == "My stretching"
    assert cal["X-WR-TIMEZONE"] == BERLIN
    declared = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    used = {
        prop.params["TZID"]
        for event in cal.walk("VEVENT")
        for name in ("DTSTART", "RECURRENCE-ID")
        if (prop := event.get(name)) is not None and "TZID" in prop.params
    }
    assert used and used <= declared
    for vtz in cal.walk("VTIMEZONE"):
        # Yearly rules, never RDATE lists (docs/icalendar.md#vtimezone).
        assert all("RDATE" not in part for part in vtz.subcomponents)


STEADY = (catalog.builtin_routine("contract-relax"), catalog.builtin_routine("trunk-rotation"))


def test_one_weekly_series_per_routine_and_time_with_alarms():
    p = plan(date(2026, 10, 19), routines=STEADY)  # doses that do not progress
    cal = icalendar.Calendar.from_ical(feed_of(p, sequence=4))
    events = cal.walk("VEVENT")
    assert len(events) == len(p.routines) * len(p.times)
    assert len({str(e["UID"]) for e in events}) == len(events)
    for event in events:
        rule = event["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"]
        assert sorted(rule["BYDAY"]) == sorted(p.days)
        assert "UNTIL" not in rule and "COUNT" not in rule
        assert event["DTSTART"].params["TZID"] == BERLIN
        assert event["DTSTAMP"].dt == CHANGED
        assert event["SEQUENCE"] == 4
        assert "Stretching" in event["CATEGORIES"].cats
        alarms = event.walk("VALARM")
        assert [a["ACTION"] for a in alarms] == ["DISPLAY"] * len(p.reminders_min)
        assert sorted(-a["TRIGGER"].dt for a in alarms) == [timedelta(minutes=m) for m in p.reminders_min]
        assert all(a["DESCRIPTION"] for a in alarms)


def test_two_renderings_are_byte_identical():
    p = plan(date(2026, 10, 19))
    assert feed_of(p) == feed_of(p)


def test_a_plan_change_keeps_the_uids_and_moves_sequence_and_dtstamp():
    before = icalendar.Calendar.from_ical(feed_of(plan(date(2026, 10, 19))))
    later = CHANGED + timedelta(days=2)
    changed = plan(date(2026, 10, 19), times=(time(7, 30), time(19, 30)), days=("TU", "TH"))
    after = icalendar.Calendar.from_ical(feed_of(changed, sequence=1, changed_at=later))
    uids = [str(e["UID"]) for e in before.walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in after.walk("VEVENT")]
    for event in after.walk("VEVENT"):
        assert event["SEQUENCE"] == 1
        assert event["DTSTAMP"].dt == later


def test_uids_derive_from_the_feed_and_the_series_only():
    p = plan(date(2026, 10, 19))
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(feed_of(p)).walk("VEVENT")}
    other = {str(e["UID"]) for e in icalendar.Calendar.from_ical(feed_of(p, feed_id="f" * 32)).walk("VEVENT")}
    assert uids.isdisjoint(other)
    assert all(uid.startswith(FEED_ID) for uid in uids)


def test_start_defaults_to_the_local_date_of_the_last_change():
    p = plan(None, routines=STEADY)  # type: ignore[arg-type]
    late_evening_utc = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)  # already the 21st in Berlin
    cal = icalendar.Calendar.from_ical(feed_of(p, changed_at=late_evening_utc))
    assert {e["DTSTART"].dt.date() for e in cal.walk("VEVENT")} == {date(2026, 10, 21)}


# --- completed sessions ------------------------------------------------------------------------


def done_plan() -> tuple[Plan, list[ical.DoneOccurrence]]:
    p = plan(date(2026, 10, 19))
    done = [
        # Matches Wednesday's 07:00 occurrence of the daily hamstring routine.
        ical.DoneOccurrence(
            "daily-hamstring", datetime(2026, 10, 21, 7, 0), "3 stretches, each leg", "wger:17"
        ),
        # Off the schedule (a Thursday at noon): an event of its own.
        ical.DoneOccurrence(
            "trunk-rotation", datetime(2026, 10, 22, 12, 0), "3 min with a pole", "hevy:ab12", duration_s=200
        ),
    ]
    return p, done


@pytest.mark.parametrize("reader", READERS)
def test_a_completed_occurrence_shows_a_check_mark_and_what_was_done(reader):
    p, done = done_plan()
    first, last = WINDOWS["october"]
    found = reader(feed_of(p, done=done), first, last)
    checked = [o for o in found if o.summary.startswith(ical.DONE_MARK)]
    assert sorted((name_of(o.summary), o.local) for o in checked) == [
        ("Daily hamstring stretch", datetime(2026, 10, 21, 7, 0)),
        ("Trunk rotation", datetime(2026, 10, 22, 12, 0)),
    ]
    for occurrence, session in zip(sorted(checked, key=lambda o: o.local), done, strict=True):
        assert session.done in occurrence.description
    # The matched occurrence replaced its planned twin; nothing else moved.
    unchecked = sorted(
        ((name_of(o.summary), o.local, o.utc) for o in found if not o.summary.startswith(ical.DONE_MARK)),
        key=lambda o: (o[2], o[0]),
    )
    expected = [o for o in planned(p, first, last) if (o[0], o[1]) != checked_key(done[0], p)]
    assert unchecked == expected
    standalone = next(o for o in checked if o.local.hour == 12)
    assert standalone.uid == ical.done_uid(FEED_ID, "hevy:ab12")
    assert standalone.duration_s == 200


def checked_key(session: ical.DoneOccurrence, p: Plan) -> tuple[str, datetime]:
    routine = next(r for r in p.routines if r.id == session.routine_id)
    return routine.name, session.local_start


def test_a_completed_occurrence_is_an_override_of_its_series():
    p, done = done_plan()
    cal = icalendar.Calendar.from_ical(feed_of(p, done=done))
    overrides = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    override = overrides[0]
    series = [e for e in cal.walk("VEVENT") if e["UID"] == override["UID"] and "RRULE" in e]
    assert len(series) == 1
    assert override["RECURRENCE-ID"].dt == datetime(2026, 10, 21, 7, 0, tzinfo=ZoneInfo(BERLIN))
    assert str(override["SUMMARY"]).startswith(ical.DONE_MARK)


@pytest.mark.parametrize("reader", READERS)
def test_a_window_starts_the_series_on_a_planned_day_and_drops_older_done_marks(reader):
    p, done = done_plan()  # Monday 2026-10-19 on: MO, WE, FR; done on Wed 21st and Thu 22nd
    since = date(2026, 10, 22)  # a Thursday: not planned, so the series start on Friday 23rd
    first, last = WINDOWS["october"]
    found = reader(feed_of(p, done=done, since=since), first, last)
    assert min(o.local for o in found if not o.summary.startswith(ical.DONE_MARK)) == (
        datetime(2026, 10, 23, 7, 0)
    )
    # The Wednesday mark is outside the window and so is its occurrence; the Thursday session
    # off the schedule is inside it and stays an event of its own.
    assert [o.local for o in found if o.summary.startswith(ical.DONE_MARK)] == [datetime(2026, 10, 22, 12, 0)]
    expected = planned(p, date(2026, 10, 23), last)
    assert (
        sorted(
            ((name_of(o.summary), o.local, o.utc) for o in found if not o.summary.startswith(ical.DONE_MARK)),
            key=lambda o: (o[2], o[0]),
        )
        == expected
    )


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 200, 230, 3600, 3605, 3660, 86399, 86400, 90061, 172800])
def test_a_done_mark_writes_its_duration_as_icalendar_does(seconds):
    expected = icalendar.vDuration(timedelta(seconds=seconds)).to_ical().decode()
    assert ical._duration(seconds) == expected


def test_a_done_mark_links_to_its_routine_instead_of_repeating_it():
    p, done = done_plan()
    body = feed_of(
        p, done=done, routine_url=lambda routine_id: f"https://stretch.example/routine/{routine_id}"
    )
    cal = icalendar.Calendar.from_ical(body)
    (override,) = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert str(override["URL"]) == "https://stretch.example/routine/daily-hamstring"
    text = str(override["DESCRIPTION"])
    assert text.startswith(ical.DONE_MARK + " Done: " + done[0].done)
    assert "https://stretch.example/routine/daily-hamstring" in text and "CAUTIONS" not in text
    series = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    assert all(str(e["DESCRIPTION"]).startswith("CAUTIONS (read first)") for e in series)


def test_done_marks_are_written_byte_for_byte_as_icalendar_writes_them():
    p, done = done_plan()
    tricky = "7 min: Lying hamstring stretch, left leg; hold 30 s \\ ✓ äé€ 𝄞. Pain 3/10." * 3
    done = [
        done[0],
        ical.DoneOccurrence("daily-hamstring", datetime(2026, 10, 23, 19, 30), tricky, "wger:18"),
        ical.DoneOccurrence(
            "unknown-routine", datetime(2026, 10, 24, 9, 0), tricky, "x:1", routine_name="Plank"
        ),
        done[1],
    ]
    body = feed_of(
        p,
        done=done,
        created_at=CHANGED - timedelta(days=3),
        routine_url=lambda routine_id: f"https://stretch.example/routine/{routine_id}?a,b;c",
    )
    marks = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if "RRULE" not in e]
    assert len(marks) == 4
    for event in marks:
        # Written again by icalendar from what it read: the very bytes the feed holds.
        assert event.to_ical() in body
    assert str(marks[1]["DESCRIPTION"]).startswith("✓ Done: " + tricky)


# --- resources for CalDAV, one-off export -------------------------------------------------------


def test_resources_hold_one_uid_each_with_its_timezone_and_overrides():
    p, done = done_plan()
    body = feed_of(p, done=done)
    pieces = ical.resources(body)
    whole = icalendar.Calendar.from_ical(body)
    assert set(pieces) == {str(e["UID"]) for e in whole.walk("VEVENT")}
    for uid, piece in pieces.items():
        cal = icalendar.Calendar.from_ical(piece)
        assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {uid}
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [BERLIN]
    assert sum(len(icalendar.Calendar.from_ical(p).walk("VEVENT")) for p in pieces.values()) == len(
        whole.walk("VEVENT")
    )


@pytest.mark.parametrize("reader", READERS)
def test_the_one_off_export_is_a_single_event_of_the_routine(reader):
    routine = catalog.builtin_routine("contract-relax")
    start = datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo(BERLIN))
    found = reader(ical.export(routine, start), date(2026, 11, 1), date(2026, 12, 31))
    assert len(found) == 1
    assert found[0].local == datetime(2026, 11, 23, 7, 30)
    assert found[0].utc == datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
    assert found[0].duration_s == routine.duration_s
    for caution in routine.cautions:
        assert caution.text in found[0].description


def test_the_reference_export_is_floating_and_reproducible():
    routine = catalog.builtin_routine("trunk-rotation")
    assert ical.export(routine) == ical.export(routine)
    event = icalendar.Calendar.from_ical(ical.export(routine)).walk("VEVENT")[0]
    assert event["DTSTART"].dt == ical.REFERENCE_START
    assert "TZID" not in event["DTSTART"].params


def drawing(exercise_id: str) -> str:
    return f"https://stretch.example/exercises/{exercise_id}/figure.svg?v=1"


def test_each_series_carries_the_drawing_of_each_of_its_exercises():
    body = feed_of(plan(date(2026, 10, 5)), figure_url=drawing)
    series = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if "RRULE" in e]
    assert series
    for event in series:
        routine = catalog.builtin_routine(_routine_of(event))
        wanted = [drawing(i) for i in dict.fromkeys(e.exercise.id for e in routine.entries)]
        images = event.get("IMAGE")
        images = images if isinstance(images, list) else [images]
        assert [str(i) for i in images] == wanted
        assert all(i.params["VALUE"] == "URI" and i.params["FMTTYPE"] == "image/svg+xml" for i in images)
    read = vobject.readOne(body.decode())
    assert {img.value for ev in read.vevent_list for img in ev.contents.get("image", [])} == {
        drawing(e.exercise.id) for r in plan(date(2026, 10, 5)).routines for e in r.entries
    }
    assert b"IMAGE" not in feed_of(plan(date(2026, 10, 5)))  # no server address known: no image


def _routine_of(event) -> str:
    summary = str(event["SUMMARY"])
    return next(r.id for r in catalog.builtin_routines() if r.name in summary)


def test_a_stored_name_with_a_line_break_stays_one_line_of_the_feed():
    # Plans stored before the plan rules held names to one line may still carry a break.
    body = feed_of(plan(date(2026, 11, 23), name="Morning\r\nX-EVIL:1"))
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "Morning X-EVIL:1"
    assert b"\r\nX-EVIL" not in body
