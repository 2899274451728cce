"""iCalendar (RFC 5545, RFC 7986): the subscribable stretch feed and one-off routine events.

Pure functions, model in → calendar out. Nothing here reads the clock: every
timestamp (DTSTAMP, LAST-MODIFIED) comes from the caller, so two renderings of
the same plan are byte-identical, which the feed's ETag relies on.

Shape of a feed (see docs/icalendar.md):

- one recurring VEVENT series per (routine, time of day), ``RRULE:FREQ=WEEKLY``
  on the planned days, ``DTSTART;TZID=…`` at the planned local time and
  ``DURATION`` equal to the routine's computed duration;
- the UID is ``<feed id>-<routine id>-<slot>@stretchsync``, where the slot is the
  time's rank in the day (1 = earliest), so moving 07:00 to 07:30 keeps the UID and
  bumps SEQUENCE, as clients expect for a changed series (RFC 5545 §3.8.7.4);
- a VTIMEZONE per TZID written with yearly RRULE observances (``plugin.formats.vtimezone``);
- a completed occurrence becomes an override VEVENT (same UID + RECURRENCE-ID),
  a completed session off the schedule becomes an event of its own;
- history is windowed: with ``since`` every series starts at the first planned day on
  or after it and done marks before it are left out, so a feed stays the same size
  however many sessions are stored; an override says what was done (and the pain) and
  links to the routine, the series keeps the routine's full text, cautions first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from icalendar import Alarm, Calendar, Component, Event, vDuration

from plugin.catalog.model import WEEKDAYS, Plan, Routine
from plugin.catalog.progress import PlanProgress, progress
from plugin.errors import InvalidInput
from plugin.formats.text import WARNING_MARK, reminder_line, routine_text, seconds_phrase
from plugin.formats.vtimezone import clock_changes, vtimezone
from plugin.formats.weekly import stretches
from plugin.i18n import N_, _

MEDIA_TYPE = "text/calendar"
EXTENSION = "ics"

PRODID = "-//stretchsync//stretch calendar 1.0//EN"
# Stored feeds are reused while this and the built-in catalog are unchanged
# (services.feeds.renderer_fingerprint). Bump it with any change to the bytes a
# feed renders to: this module, plugin.formats.vtimezone, or the wording in plugin.formats.text.
RENDERER_VERSION = "2026.11.4"
UID_DOMAIN = "stretchsync"
# RFC 7986 §5.7: a suggested minimum polling interval; Google ignores it, Apple and Outlook do not.
REFRESH = timedelta(hours=1)
CATEGORY = N_("Stretching")
# The second category names the routine's focus.
FOCUS_CATEGORY = {"hamstring": N_("Hamstring"), "trunk": N_("Trunk"), "mixed": N_("Mixed")}
# The one-off export of a routine is reproducible: without a start it is placed here (a Monday),
# as a floating local time, so the reference exports in exports/ics/ never drift.
REFERENCE_START = datetime(2026, 1, 5, 7, 0)
REFERENCE_STAMP = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
DONE_MARK = "✓"
MARK_AS_DONE = N_("Mark as done")  # the line that ends each series' description, before its link
CHANGE_DONE = N_("Change what you recorded")


@dataclass(frozen=True)
class DoneOccurrence:
    """A completed session, placed on the feed.

    ``local_start`` is naive wall-clock time in the plan's timezone; when it equals an
    occurrence of the routine's series, that occurrence is marked done, otherwise the
    session becomes an event of its own whose UID is derived from ``key``.
    """

    routine_id: str
    local_start: datetime
    done: str  # a short "what was done" text
    key: str  # stable identity of the session, e.g. "wger:1234"
    duration_s: int | None = None
    routine_name: str | None = None


@dataclass(frozen=True)
class Series:
    """One recurring series of the feed: a routine at one time of day, over a stretch of days.

    A routine whose dose never changes has one series from the plan's first day on. One
    that progresses, or is held after a pain report, has one series per stretch of days
    that read the same (``plugin.formats.weekly``): the first keeps the plain UID, each
    later one adds its first day, and every one but the last ends with ``UNTIL``
    (docs/icalendar.md#progression).
    """

    routine: Routine  # as done on the series' days: that week's dose, a hold's warning first
    at: time
    slot: int
    uid: str
    start: date | None = None  # first day of the stretch; None: the plan's first day
    end: date | None = None  # first day after the stretch; None: open-ended
    sequence_bump: int = 0  # plan-state changes that touched this series (docs/icalendar.md#progression)


# --- timezones ----------------------------------------------------------------------------------


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (no paths, no 'localtime')."""
    return name in _zone_names()


def check_timezone(tzid: object, field: str = "timezone") -> str:
    """Return ``tzid`` when it is a known IANA zone; InvalidInput naming ``field`` otherwise."""
    if not isinstance(tzid, str) or not is_timezone(tzid):
        raise InvalidInput(f"unknown timezone {tzid!r}; give an IANA name like Europe/Berlin", field=field)
    return tzid


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    # A system zone folder also lists links that name no place ("localtime" is the server's own zone).
    return frozenset(available_timezones()) - {"localtime", "posixrules", "Factory"}


# --- text --------------------------------------------------------------------------------------


def summary(routine: Routine) -> str:
    """'Contract-relax hamstring (4 min 48 s)': the name and how long it takes."""
    return f"{routine.name} ({seconds_phrase(routine.duration_s)})"


def series_summary(routine: Routine) -> str:
    """The summary of a planned occurrence: with a warning first while the plan is held."""
    return f"{WARNING_MARK} {summary(routine)}" if routine.notice else summary(routine)


def description(routine: Routine, reminders_min: Sequence[int] = ()) -> str:
    """Cautions first, then every exercise with its dose, then the reminders (Google drops VALARM)."""
    text = routine_text(routine)
    if reminders_min:
        text += "\n\n" + reminder_line(reminders_min)
    return text


# --- feed --------------------------------------------------------------------------------------


def plan_progress(plan: Plan, changed_at: datetime) -> PlanProgress:
    """The plan's weeks with no pain reported (a calendar that receives no sessions).

    Week 1 starts on the plan's start, or the local date of its last change without one.
    """
    start = plan.start or changed_at.astimezone(ZoneInfo(plan.timezone)).date()
    return progress(start, (), plan.timezone, max(r.weeks for r in plan.routines))


def series_of(plan: Plan, feed_id: str, plan_state: PlanProgress | None = None) -> list[Series]:
    """The plan's series in feed order: by routine as planned, then by time of day, then by days."""
    times = sorted(set(plan.times))
    out = []
    for routine in plan.routines:
        parts = stretches(routine, plan_state) if plan_state is not None else []
        for slot, at in enumerate(times, start=1):
            base = f"{feed_id}-{routine.id}-{slot}"
            if len(parts) <= 1:
                at_week = parts[0].routine if parts else routine
                bump = plan_state.changes(None) if plan_state is not None else 0
                out.append(Series(at_week, at, slot, f"{base}@{UID_DOMAIN}", sequence_bump=bump))
                continue
            for index, part in enumerate(parts):
                uid = f"{base}@{UID_DOMAIN}" if index == 0 else f"{base}-{part.start:%Y%m%d}@{UID_DOMAIN}"
                start = None if index == 0 else part.start
                bump = plan_state.changes(part.end) if plan_state is not None else 0
                out.append(Series(part.routine, at, slot, uid, start, part.end, bump))
    return out


def first_date(plan: Plan, changed_at: datetime, since: date | None = None) -> date:
    """The first day of the feed's series: the first planned weekday on or after the plan's
    start (or the local date of its last change) and, with ``since``, on or after that too.

    DTSTART is always an occurrence of the weekly rule: RFC 5545 §3.8.5.3 counts DTSTART
    as the first instance but leaves a DTSTART off the rule undefined, and clients differ
    (recurring-ical-events and vobject show it, ical.js and Radicale do not;
    docs/icalendar.md#series-start). With a window (``since``, the start of the history
    window) every later occurrence, and so every RECURRENCE-ID, keeps the same date-time
    whatever the window.
    """
    day = plan.start or changed_at.astimezone(ZoneInfo(plan.timezone)).date()
    if since is not None and since > day:
        day = since
    for _day in range(7):
        if WEEKDAYS[day.weekday()] in plan.days:
            return day
        day += timedelta(days=1)
    return day  # a plan names at least one day; unreachable for a valid plan


def instant(zone: ZoneInfo, local: datetime) -> datetime:
    """The UTC instant of a planned wall-clock time (naive), by RFC 5545 §3.3.5.

    A time skipped by a clock change (02:30 on the spring-forward day in Berlin) means the
    same instant as that time in the offset before the change, so it is shown an hour later
    (03:30); a time that happens twice (02:30 on the autumn day) means its first occurrence.
    That is what zoneinfo gives with ``fold=0`` (docs/icalendar.md#clock-changes).
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def is_unclear(zone: ZoneInfo, local: datetime) -> bool:
    """Whether a wall-clock time (naive) does not exist or exists twice in ``zone``."""
    first = local.replace(tzinfo=zone, fold=0)
    if first.utcoffset() != local.replace(tzinfo=zone, fold=1).utcoffset():
        return True  # in a gap or an overlap: the two folds disagree
    return first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local


# Occurrences at an unclear wall-clock time get an override for this many years from the
# series' first day; a feed is rendered again with every session and plan change.
CLOCK_CHANGE_YEARS = 5


def unclear_days(plan: Plan, first: date, at: time) -> list[date]:
    """The planned days from ``first`` on (``CLOCK_CHANGE_YEARS``) whose ``at`` is unclear.

    Only days with a clock change can have one, so only those are checked.
    """
    zone = ZoneInfo(plan.timezone)
    days: set[date] = set()
    for change in clock_changes(plan.timezone, first.year, first.year + CLOCK_CHANGE_YEARS - 1):
        for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
            if (
                day >= first
                and WEEKDAYS[day.weekday()] in plan.days
                and is_unclear(zone, datetime.combine(day, at))
            ):
                days.add(day)
    return sorted(days)


def first_planned(plan: Plan, day: date) -> date:
    """The first planned day on or after ``day``."""
    for _day in range(7):
        if WEEKDAYS[day.weekday()] in plan.days:
            return day
        day += timedelta(days=1)
    return day  # a plan names at least one day; unreachable for a valid plan


def is_occurrence(plan: Plan, first: date, series: Series, local_start: datetime) -> bool:
    """Whether ``local_start`` (naive, plan time) is a planned occurrence of ``series``.

    ``first`` is the series' first day (its DTSTART's date).
    """
    return (
        local_start.time() == series.at
        and local_start.date() >= first
        and (series.end is None or local_start.date() < series.end)
        and WEEKDAYS[local_start.weekday()] in plan.days
    )


def _stamp(value: datetime) -> datetime:
    # DTSTAMP and LAST-MODIFIED are UTC date-times (RFC 5545 §3.8.7.2); whole seconds keep them stable.
    return value.astimezone(UTC).replace(microsecond=0)


def _alarm(routine: Routine, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    # RFC 5545 §3.8.6.3: a negative duration fires before DTSTART (-PT10M, never -P10M).
    alarm.add("trigger", timedelta(minutes=-minutes))
    alarm.add(
        "description",
        _("{name} in {minutes} min").format(name=routine.name, minutes=minutes) if minutes else routine.name,
    )
    return alarm


def _base_event(
    uid: str, start: datetime, seconds: int, sequence: int, stamp: datetime, created: datetime | None
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    if created is not None:
        event.add("created", _stamp(created))
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", start)
    event.add("duration", timedelta(seconds=seconds))
    return event


def _categories(routine: Routine) -> list[str]:
    return [_(CATEGORY), _(FOCUS_CATEGORY[routine.focus.value])]


def build_feed(plan: Plan, **options: Any) -> Calendar:
    """The subscribable calendar of ``plan`` as an icalendar object: ``feed``'s bytes, parsed.

    ``options`` are ``feed``'s, documented there.
    """
    return Calendar.from_ical(feed(plan, **options))


def feed(
    plan: Plan,
    *,
    feed_id: str,
    sequence: int,
    changed_at: datetime,
    created_at: datetime | None = None,
    done: Iterable[DoneOccurrence] = (),
    since: date | None = None,
    routine_url: Callable[[str], str] | None = None,
    figure_url: Callable[[str], str] | None = None,
    done_url: Callable[[str], str] | None = None,
    plan_state: PlanProgress | None = None,
) -> bytes:
    """The feed of ``plan`` as bytes (CRLF, folded at 75 octets, UTF-8).

    The calendar, its VTIMEZONE and the series are written by icalendar; the done marks,
    up to a few hundred small events of one shape, are written line by line
    (``_DoneWriter``), byte for byte as icalendar would write them, at a fraction of its
    cost, so a feed with a window of history builds in about the time of an empty one.

    Parameters:
        feed_id: the subscription's public id (never its token); every UID derives from it.
        sequence: SEQUENCE of every series; the caller bumps it when the plan changes.
        changed_at: when the plan last changed; becomes DTSTAMP and LAST-MODIFIED.
        done: completed sessions to show as done (see ``DoneOccurrence``).
        since: first day of the history window (plan time); series start there, earlier
            done marks are left out (see ``first_date``). None: the whole plan.
        routine_url: the public page of a routine by id, linked from each done mark.
        figure_url: the drawing of an exercise by id; each series carries one IMAGE per
            exercise (RFC 7986 §5.10), so a client that shows images can show the position.
        done_url: the private "Mark as done" page of a routine by id; each series carries it
            as its URL and at the end of its description, each done mark in its description
            (to change what was recorded). One link per routine, not per occurrence.
        plan_state: the plan's weeks and holds (``plugin.catalog.progress``); None: its weeks
            from its first day with no pain reported.
    """
    zone = ZoneInfo(plan.timezone)
    stamp = _stamp(changed_at)
    first = first_date(plan, changed_at, since)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # Plans stored before names were held to one line may still carry a line break.
    name = " ".join(plan.name.split())
    cal.add("name", name)  # RFC 7986 §5.1
    cal.add("x-wr-calname", name)  # Apple, Google, Outlook
    cal.add("x-wr-timezone", plan.timezone)
    # RFC 7986 §5.7: REFRESH-INTERVAL needs VALUE=DURATION; icalendar's helper leaves it out.
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))  # Outlook's polling hint
    # A year earlier than the first event, so every occurrence lies after an observance's DTSTART.
    cal.add_component(vtimezone(plan.timezone, first.year - 1))
    head = cal.to_ical()
    assert head.endswith(_END_CALENDAR)
    parts = [head[: -len(_END_CALENDAR)]]

    # Outside the window nothing is shown: neither the occurrence (the series starts later)
    # nor its done mark, so no occurrence a session met can show as open.
    done = [o for o in done if since is None or o.local_start.date() >= since]
    by_routine: dict[str, list[int]] = {}
    for index, occurrence in enumerate(done):
        by_routine.setdefault(occurrence.routine_id, []).append(index)
    writer = _DoneWriter(plan.timezone, sequence, stamp, created_at)
    matched: set[int] = set()
    plan_state = plan_state or plan_progress(plan, changed_at)
    for series in series_of(plan, feed_id, plan_state):
        routine = series.routine
        series_first = first if series.start is None else first_planned(plan, max(series.start, first))
        if series.end is not None and series_first >= series.end:
            continue  # no planned day of this stretch lies in the window
        start = datetime.combine(series_first, series.at, tzinfo=zone)
        event = _base_event(
            series.uid, start, routine.duration_s, sequence + series.sequence_bump, stamp, created_at
        )
        # Weekly on the chosen days: BYHOUR and sub-daily rules do not port (docs/icalendar.md#recurrence).
        rule: dict[str, object] = {"FREQ": "WEEKLY", "BYDAY": list(plan.days), "WKST": "MO"}
        if series.end is not None:
            # RFC 5545 §3.3.10: with a TZID DTSTART, UNTIL is UTC; the last day's slot, inclusive.
            last = datetime.combine(series.end - timedelta(days=1), series.at, tzinfo=zone)
            rule["UNTIL"] = last.astimezone(UTC)
        event.add("rrule", rule)
        event.add("summary", series_summary(routine))
        event.add("categories", _categories(routine))
        mark_link = done_url(routine.id) if done_url else None
        text = description(routine, plan.reminders_min)
        if mark_link:
            text += f"\n\n{_(MARK_AS_DONE)}: {mark_link}"
            event.add("url", mark_link)  # RFC 5545 §3.8.4.6; clients show it as a link
        event.add("description", text)
        event.add("transp", "OPAQUE")
        if figure_url is not None:
            for exercise_id in dict.fromkeys(entry.exercise.id for entry in routine.entries):
                # RFC 7986 §5.10: IMAGE by reference; DISPLAY=THUMBNAIL, since it shows a position.
                event.add(
                    "image",
                    figure_url(exercise_id),
                    parameters={"VALUE": "URI", "DISPLAY": "THUMBNAIL", "FMTTYPE": "image/svg+xml"},
                )
        for minutes in plan.reminders_min:
            event.add_component(_alarm(routine, minutes))
        series_bytes = event.to_ical()
        parts.append(series_bytes)
        link = routine_url(routine.id) if routine_url else None
        # Clock-change overrides belong to the stretch whose days they fall on.
        unclear = {
            day
            for day in unclear_days(plan, series_first, series.at)
            if series.end is None or day < series.end
        }
        for index in by_routine.get(routine.id, ()):
            if index not in matched and is_occurrence(plan, series_first, series, done[index].local_start):
                matched.add(index)
                day = done[index].local_start.date()
                at = instant(zone, done[index].local_start) if day in unclear else None
                unclear.discard(day)
                parts.append(writer.override(series, done[index], link, at, mark_link))
        for day in sorted(unclear):
            parts.append(_pinned(series_bytes, zone, datetime.combine(day, series.at)))
    for index, occurrence in enumerate(done):
        if index not in matched:
            link = routine_url(occurrence.routine_id) if routine_url and occurrence.routine_id else None
            parts.append(writer.event(plan, feed_id, occurrence, link))
    parts.append(_END_CALENDAR)
    return b"".join(parts)


def _pinned(series_bytes: bytes, zone: ZoneInfo, local: datetime) -> bytes:
    """The occurrence of a series at an unclear wall-clock time, pinned to its instant.

    RFC 5545 §3.8.4.4: an override with the series' UID and a RECURRENCE-ID written as the
    series writes it, so each client finds the occurrence it expanded however it read that
    time, and a DTSTART in UTC that no client can read two ways (``instant``).
    Everything else is the series' own, alarms included.
    """
    event = Event.from_ical(series_bytes)
    for name in ("RRULE", "DTSTART"):
        del event[name]
    event.add("recurrence-id", local.replace(tzinfo=zone))
    event.add("dtstart", instant(zone, local))
    body: bytes = event.to_ical()
    return body


_END_CALENDAR = b"END:VCALENDAR\r\n"
FOLD_OCTETS = 75  # RFC 5545 §3.1: lines longer than 75 octets are folded


def _done_text(occurrence: DoneOccurrence, link: str | None = None, mark_link: str | None = None) -> str:
    text = f"{DONE_MARK} " + _("Done: {what}").format(what=occurrence.done)
    if link:
        text += "\n\n" + _("The routine, cautions first: {link}").format(link=link)
    if mark_link:
        text += f"\n\n{_(CHANGE_DONE)}: {mark_link}"
    return text


def _escape(text: str) -> str:
    # RFC 5545 §3.3.11 TEXT, in icalendar's order (a line break of any kind becomes \n).
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 §3.1 folding as icalendar does it: at most 74 octets a line, never inside a
    UTF-8 sequence, and an escape's backslash stays with the character it escapes."""
    data = line.encode("utf-8")
    if len(data) < FOLD_OCTETS:
        return line
    pieces: list[bytes] = []
    start = 0
    while len(data) - start >= FOLD_OCTETS:
        end = start + FOLD_OCTETS - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character's start
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


class _DoneWriter:
    """Writes the done marks of one feed as content lines, as icalendar writes an Event.

    icalendar puts an event's properties in its canonical order (SUMMARY, DTSTART, DTEND,
    DURATION, DTSTAMP, UID, RECURRENCE-ID, SEQUENCE, …), the others alphabetically after
    them; the same order here keeps the bytes identical. Everything but the date-times and
    the description is the same for every mark of a series, so it is written once.
    """

    def __init__(self, tzid: str, sequence: int, stamp: datetime, created: datetime | None) -> None:
        self.tzid = tzid
        utc_stamp = f"{_stamp(stamp):%Y%m%dT%H%M%SZ}"
        self.stamp = f"DTSTAMP:{utc_stamp}\r\n"
        self.sequence = sequence
        self.created = f"CREATED:{_stamp(created):%Y%m%dT%H%M%SZ}\r\n" if created is not None else ""
        self.modified = f"LAST-MODIFIED:{utc_stamp}\r\n"
        self._series: dict[tuple[str, str | None], tuple[str, str, str, str]] = {}

    def _local(self, name: str, at: datetime) -> str:
        return (
            f"{name};TZID={self.tzid}:"
            f"{at.year:04d}{at.month:02d}{at.day:02d}T{at.hour:02d}{at.minute:02d}{at.second:02d}\r\n"
        )

    def _fixed(
        self,
        uid: str,
        summary_text: str,
        seconds: int,
        categories: list[str],
        created: bool,
        link: str | None,
        sequence: int,
    ) -> tuple[str, str, str, str]:
        return (
            "BEGIN:VEVENT\r\n" + _fold("SUMMARY:" + _escape(summary_text)) + "\r\n",
            f"DURATION:{_duration(seconds)}\r\n" + self.stamp + _fold(f"UID:{_escape(uid)}") + "\r\n",
            f"SEQUENCE:{sequence}\r\n"
            + _fold("CATEGORIES:" + ",".join(_escape(c) for c in categories))
            + "\r\n"
            + (self.created if created else ""),
            self.modified
            + "TRANSP:TRANSPARENT\r\n"
            + (_fold("URL:" + link) + "\r\n" if link else "")  # RFC 5545 §3.8.4.6
            + "END:VEVENT\r\n",
        )

    @staticmethod
    def _description(occurrence: DoneOccurrence, link: str | None, mark_link: str | None = None) -> str:
        # What was done and the pain, not the routine again: its full text is on the series and
        # on the linked page, and repeating it made a year of history weigh 600 KiB.
        return _fold("DESCRIPTION:" + _escape(_done_text(occurrence, link, mark_link))) + "\r\n"

    def override(
        self,
        series: Series,
        occurrence: DoneOccurrence,
        link: str | None,
        pinned: datetime | None = None,
        mark_link: str | None = None,
    ) -> bytes:
        """The done occurrence of a series: RFC 5545 §3.8.4.4, same UID and a RECURRENCE-ID.

        ``pinned``: the UTC instant of an occurrence at an unclear wall-clock time, written
        as its DTSTART (see ``_pinned``).
        """
        fixed = self._series.get((series.uid, link))
        if fixed is None:
            routine = series.routine
            summary_text = f"{DONE_MARK} {summary(routine)}"
            fixed = self._fixed(
                series.uid,
                summary_text,
                routine.duration_s,
                _categories(routine),
                True,
                link,
                self.sequence + series.sequence_bump,
            )
            self._series[(series.uid, link)] = fixed
        start = self._local("DTSTART", occurrence.local_start)
        recurrence = "RECURRENCE-ID" + start[7:]
        if pinned is not None:
            start = f"DTSTART:{pinned:%Y%m%dT%H%M%SZ}\r\n"
        after_uid = recurrence + fixed[2]
        described = self._description(occurrence, link, mark_link)
        text = fixed[0] + start + fixed[1] + after_uid + described + fixed[3]
        return text.encode("utf-8")

    def event(self, plan: Plan, feed_id: str, occurrence: DoneOccurrence, link: str | None) -> bytes:
        """A completed session that meets no planned occurrence: an event of its own."""
        routine = next((r for r in plan.routines if r.id == occurrence.routine_id), None)
        name = routine.name if routine else (occurrence.routine_name or _(CATEGORY))
        seconds = occurrence.duration_s or (routine.duration_s if routine else 60)
        uid = done_uid(feed_id, occurrence.key)
        fixed = self._fixed(uid, f"{DONE_MARK} {name}", seconds, [_(CATEGORY)], False, link, self.sequence)
        start = self._local("DTSTART", occurrence.local_start)
        text = fixed[0] + start + fixed[1] + fixed[2] + self._description(occurrence, link) + fixed[3]
        return text.encode("utf-8")


def _duration(seconds: int) -> str:
    """RFC 5545 §3.3.6, as icalendar's vDuration writes it: PT3M50S, PT1H0M5S, P1DT2H, P0D."""
    days, rest = divmod(seconds, 86400)
    hours, minutes, secs = rest // 3600, rest % 3600 // 60, rest % 60
    time_part = ""
    if rest:
        time_part = "T" + (f"{hours}H" if hours else "")
        time_part += f"{minutes}M" if minutes or (hours and secs) else ""
        time_part += f"{secs}S" if secs else ""
    return f"P{time_part}" if days == 0 and time_part else f"P{days}D{time_part}"


def done_uid(feed_id: str, key: str) -> str:
    """The UID of a completed session that matches no planned occurrence."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return f"{feed_id}-done-{digest}@{UID_DOMAIN}"


def resources(calendar_bytes: bytes) -> dict[str, bytes]:
    """Split a calendar into one calendar per UID (CalDAV stores one UID per resource, RFC 4791 §4.1).

    Each piece keeps the calendar's properties and the VTIMEZONEs (Radicale 3.9 answers
    500 on a TZID without one, docs/icalendar.md#caldav); overrides stay with their series.
    """
    whole = Calendar.from_ical(calendar_bytes)
    zones = [c for c in whole.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list[Component]] = {}
    for component in whole.subcomponents:
        if component.name == "VEVENT":
            by_uid.setdefault(str(component["UID"]), []).append(component)
    out: dict[str, bytes] = {}
    for uid, events in by_uid.items():
        piece = Calendar()
        for key in ("PRODID", "VERSION", "CALSCALE"):
            piece.add(key, whole[key])
        for component in [*zones, *events]:
            piece.add_component(component)
        out[uid] = piece.to_ical()
    return out


# --- one-off export of a routine -----------------------------------------------------------------


def export(routine: Routine, start: datetime | None = None) -> bytes:
    """One event of ``routine`` to import once; ``start`` naive = floating, aware = with its TZID."""
    start = start or REFERENCE_START
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    tzid = getattr(start.tzinfo, "key", None)
    if tzid:
        cal.add_component(vtimezone(tzid, start.year - 1))
    uid = f"{routine.id}-{start:%Y%m%dT%H%M}@{UID_DOMAIN}"
    event = _base_event(uid, start, routine.duration_s, 0, REFERENCE_STAMP, None)
    event.add("summary", summary(routine))
    event.add("categories", _categories(routine))
    event.add("description", description(routine))
    cal.add_component(event)
    body: bytes = cal.to_ical()
    return body
