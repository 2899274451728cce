"""Every reader gives the same instants: a series starts on a planned day, and a planned time
that a clock change skips or repeats is pinned to one instant (docs/icalendar.md#clock-changes).

Each case is expanded by icalendar + recurring-ical-events, by vobject and by ical.js, and
compared with what the plan says, computed with zoneinfo (``fold=0``, RFC 5545 §3.3.5).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical_readers import node_available, with_icalendar, with_icaljs, with_vobject

from plugin import catalog
from plugin.catalog.model import WEEKDAYS, Plan
from plugin.formats import ical

FEED_ID = "0123456789abcdef0123456789abcdef"
CHANGED = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
READERS = [
    pytest.param(with_icalendar, id="icalendar"),
    pytest.param(with_vobject, id="vobject"),
    pytest.param(
        with_icaljs,
        id="ical.js",
        marks=pytest.mark.skipif(not node_available(), reason="npm install in tests/js first (.ci/run does)"),
    ),
]
ROUTINE = catalog.builtin_routine("desk-break")

# (zone, the clock-change Sunday, the planned time it skips or repeats)
CLOCK_CHANGES = {
    "berlin-spring-gap": ("Europe/Berlin", date(2027, 3, 28), time(2, 30)),
    "berlin-autumn-overlap": ("Europe/Berlin", date(2027, 10, 31), time(2, 30)),
    "new-york-spring-gap": ("America/New_York", date(2027, 3, 14), time(2, 30)),
    "new-york-autumn-overlap": ("America/New_York", date(2027, 11, 7), time(1, 30)),
    # A half-hour change, and the southern hemisphere (autumn in April, spring in October).
    "lord-howe-autumn-overlap": ("Australia/Lord_Howe", date(2027, 4, 4), time(1, 45)),
    "lord-howe-spring-gap": ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15)),
    "sydney-autumn-overlap": ("Australia/Sydney", date(2027, 4, 4), time(2, 30)),
    "sydney-spring-gap": ("Australia/Sydney", date(2027, 10, 3), time(2, 30)),
    # Chile changes at midnight: 00:30 on this Sunday does not exist.
    "santiago-spring-gap": ("America/Santiago", date(2027, 9, 5), time(0, 30)),
}


def make_plan(tzid: str, at: time, start: date, days: tuple[str, ...] = ("SU", "WE")) -> Plan:
    return Plan(
        routines=(ROUTINE,),
        times=(at,),
        timezone=tzid,
        days=days,
        reminders_min=(10,),
        start=start,
        name="Clock change",
    )


def feed_of(p: Plan, **kw) -> bytes:
    return ical.feed(p, feed_id=FEED_ID, sequence=0, changed_at=CHANGED, **kw)


def expected(p: Plan, first: date, last: date) -> list[datetime]:
    """The plan's instants, from the plan alone: planned days from its start, zoneinfo fold=0."""
    zone, day, out = ZoneInfo(p.timezone), max(first, p.start), []
    while day <= last:
        if WEEKDAYS[day.weekday()] in p.days:
            out += [datetime.combine(day, at, tzinfo=zone).astimezone(UTC) for at in p.times]
        day += timedelta(days=1)
    return sorted(out)


@pytest.mark.parametrize("case", CLOCK_CHANGES)
@pytest.mark.parametrize("reader", READERS)
def test_a_time_a_clock_change_skips_or_repeats_is_one_instant_in_every_reader(reader, case):
    tzid, sunday, at = CLOCK_CHANGES[case]
    p = make_plan(tzid, at, sunday - timedelta(days=10))
    first, last = sunday - timedelta(days=7), sunday + timedelta(days=7)
    found = reader(feed_of(p), first - timedelta(days=1), last + timedelta(days=1))
    assert [o.utc for o in found] == expected(p, first - timedelta(days=1), last + timedelta(days=1))
    on_the_day = [o for o in found if o.utc.astimezone(ZoneInfo(tzid)).date() == sunday]
    assert len(on_the_day) == 1
    # It is still the routine, with its text and its length: an override, not a bare time.
    # The plan's week on that day: the desk break's forward bend lengthens week by week.
    routine = ROUTINE.at_week((sunday - p.start).days // 7 + 1)
    assert on_the_day[0].summary == ical.summary(routine)
    assert on_the_day[0].description.startswith("CAUTIONS")
    assert on_the_day[0].duration_s == routine.duration_s


def test_the_rule_is_the_time_after_a_gap_and_the_first_of_a_repeat():
    berlin = ZoneInfo("Europe/Berlin")
    # 02:30 does not exist on 28 March 2027: 03:30 summer time, the same instant as 02:30 winter time.
    spring = ical.instant(berlin, datetime(2027, 3, 28, 2, 30))
    assert spring == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert spring.astimezone(berlin).replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)
    # 02:30 happens twice on 31 October 2027: the first one, still in summer time.
    assert ical.instant(berlin, datetime(2027, 10, 31, 2, 30)) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert ical.is_unclear(berlin, datetime(2027, 3, 28, 2, 30))
    assert ical.is_unclear(berlin, datetime(2027, 10, 31, 2, 30))
    assert not ical.is_unclear(berlin, datetime(2027, 3, 28, 3, 30))
    assert not ical.is_unclear(berlin, datetime(2027, 3, 27, 2, 30))


def test_only_the_unclear_occurrences_are_pinned_and_in_utc():
    tzid, sunday, at = CLOCK_CHANGES["berlin-spring-gap"]
    cal = icalendar.Calendar.from_ical(feed_of(make_plan(tzid, at, date(2027, 1, 4))))
    pinned = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    # Five years of clock changes from the series' first day, two Sundays a year.
    assert len(pinned) == 2 * ical.CLOCK_CHANGE_YEARS
    assert {e["RECURRENCE-ID"].dt.replace(tzinfo=None).time() for e in pinned} == {at}
    assert all(e["DTSTART"].to_ical().endswith(b"Z") for e in pinned)
    assert all(e["RECURRENCE-ID"].dt.weekday() == 6 for e in pinned)
    # Alarms are the series' own.
    assert all(len(e.walk("VALARM")) == 1 for e in pinned)
    # A time no clock change touches needs none.
    plain = icalendar.Calendar.from_ical(feed_of(make_plan(tzid, time(7, 0), date(2027, 1, 4))))
    assert not [e for e in plain.walk("VEVENT") if "RECURRENCE-ID" in e]


@pytest.mark.parametrize("reader", READERS)
def test_a_done_mark_on_an_unclear_time_is_at_the_same_instant(reader):
    tzid, sunday, at = CLOCK_CHANGES["berlin-autumn-overlap"]
    p = make_plan(tzid, at, sunday - timedelta(days=3))
    done = [ical.DoneOccurrence(ROUTINE.id, datetime.combine(sunday, at), "4 reps, each leg", "calendar:1")]
    found = reader(feed_of(p, done=done), sunday - timedelta(days=1), sunday + timedelta(days=1))
    assert [(o.summary.startswith(ical.DONE_MARK), o.utc) for o in found] == [
        (True, datetime(2027, 10, 31, 0, 30, tzinfo=UTC))
    ]


@pytest.mark.parametrize("reader", READERS)
def test_a_plan_made_on_a_day_it_does_not_include_starts_on_its_first_planned_day(reader):
    friday = date(2026, 11, 27)
    p = make_plan("Europe/Berlin", time(7, 0), friday, days=("MO", "WE"))
    found = reader(feed_of(p), friday - timedelta(days=7), friday + timedelta(days=14))
    assert [o.utc for o in found] == expected(p, friday, friday + timedelta(days=14))
    assert found[0].utc.date() == date(2026, 11, 30)  # the Monday after
    assert {WEEKDAYS[o.local.weekday()] for o in found} == {"MO", "WE"}


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "America/New_York"])
def test_the_series_dtstart_is_on_a_planned_day(tzid):
    friday = date(2026, 11, 27)
    cal = icalendar.Calendar.from_ical(feed_of(make_plan(tzid, time(7, 0), friday, days=("MO", "WE"))))
    every_series = [e for e in cal.walk("VEVENT") if "RRULE" in e]  # one per weekly step
    first = next(e for e in every_series if str(e["UID"]).endswith(f"-{ROUTINE.id}-1@stretchsync"))
    assert first["DTSTART"].dt.date() == date(2026, 11, 30)
    assert {WEEKDAYS[e["DTSTART"].dt.weekday()] for e in every_series} <= {"MO", "WE"}
