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
  a completed session off the schedule becomes an event of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from icalendar import Alarm, Calendar, Component, Event, vDuration

from plugin.catalog.model import WEEKDAYS, Plan, Routine
from plugin.errors import InvalidInput
from plugin.formats.text import reminder_line, routine_text, seconds_phrase
from plugin.formats.vtimezone import vtimezone

MEDIA_TYPE = "text/calendar"
EXTENSION = "ics"

PRODID = "-//stretchsync//stretch calendar 1.0//EN"
# Stored feeds are reused while this and the built-in catalog are unchanged
# (services.calendars.renderer_fingerprint). Bump it with any change to the bytes a
# feed renders to: this module, plugin.formats.vtimezone, or the wording in plugin.formats.text.
RENDERER_VERSION = "2026.11.1"
UID_DOMAIN = "stretchsync"
# RFC 7986 §5.7: a suggested minimum polling interval; Google ignores it, Apple and Outlook do not.
REFRESH = timedelta(hours=1)
CATEGORY = "Stretching"
# The one-off export of a routine is reproducible: without a start it is placed here (a Monday),
# as a floating local time, so the reference exports in exports/ics/ never drift.
REFERENCE_START = datetime(2026, 1, 5, 7, 0)
REFERENCE_STAMP = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
DONE_MARK = "✓"


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
    """One recurring series of the feed: a routine at one time of day."""

    routine: Routine
    at: time
    slot: int
    uid: str


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


def description(routine: Routine, reminders_min: Sequence[int] = ()) -> str:
    """Cautions first, then every exercise with its dose, then the reminders (Google drops VALARM)."""
    text = routine_text(routine)
    if reminders_min:
        text += "\n\n" + reminder_line(reminders_min)
    return text


# --- feed --------------------------------------------------------------------------------------


def series_of(plan: Plan, feed_id: str) -> list[Series]:
    """The plan's series in feed order: by routine as planned, then by time of day."""
    times = sorted(set(plan.times))
    return [
        Series(routine, at, slot, f"{feed_id}-{routine.id}-{slot}@{UID_DOMAIN}")
        for routine in plan.routines
        for slot, at in enumerate(times, start=1)
    ]


def first_date(plan: Plan, changed_at: datetime) -> date:
    """The plan's start, or the local date of its last change when it has none."""
    return plan.start or changed_at.astimezone(ZoneInfo(plan.timezone)).date()


def is_occurrence(plan: Plan, first: date, series: Series, local_start: datetime) -> bool:
    """Whether ``local_start`` (naive, plan time) is a planned occurrence of ``series``."""
    return (
        local_start.time() == series.at
        and local_start.date() >= first
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
    alarm.add("description", f"{routine.name} in {minutes} min" if minutes else routine.name)
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
    return [CATEGORY, routine.focus.value.capitalize()]


def build_feed(
    plan: Plan,
    *,
    feed_id: str,
    sequence: int,
    changed_at: datetime,
    created_at: datetime | None = None,
    done: Iterable[DoneOccurrence] = (),
) -> Calendar:
    """The subscribable calendar of ``plan``.

    Parameters:
        feed_id: the subscription's public id (never its token); every UID derives from it.
        sequence: SEQUENCE of every series; the caller bumps it when the plan changes.
        changed_at: when the plan last changed; becomes DTSTAMP and LAST-MODIFIED.
        done: completed sessions to show as done (see ``DoneOccurrence``).
    """
    zone = ZoneInfo(plan.timezone)
    stamp = _stamp(changed_at)
    first = first_date(plan, changed_at)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", plan.name)  # RFC 7986 §5.1
    cal.add("x-wr-calname", plan.name)  # Apple, Google, Outlook
    cal.add("x-wr-timezone", plan.timezone)
    # RFC 7986 §5.7: REFRESH-INTERVAL needs VALUE=DURATION; icalendar's helper leaves it out.
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))  # Outlook's polling hint
    # A year earlier than the first event, so every occurrence lies after an observance's DTSTART.
    cal.add_component(vtimezone(plan.timezone, first.year - 1))

    done = list(done)
    matched: set[DoneOccurrence] = set()
    for series in series_of(plan, feed_id):
        routine = series.routine
        start = datetime.combine(first, series.at, tzinfo=zone)
        event = _base_event(series.uid, start, routine.duration_s, sequence, stamp, created_at)
        # Weekly on the chosen days: BYHOUR and sub-daily rules do not port (docs/icalendar.md#recurrence).
        event.add("rrule", {"FREQ": "WEEKLY", "BYDAY": list(plan.days), "WKST": "MO"})
        event.add("summary", summary(routine))
        event.add("categories", _categories(routine))
        event.add("description", description(routine, plan.reminders_min))
        event.add("transp", "OPAQUE")
        for minutes in plan.reminders_min:
            event.add_component(_alarm(routine, minutes))
        cal.add_component(event)
        for occurrence in done:
            if occurrence.routine_id == routine.id and is_occurrence(
                plan, first, series, occurrence.local_start
            ):
                matched.add(occurrence)
                cal.add_component(_done_override(series, occurrence, zone, sequence, stamp, created_at))
    for occurrence in done:
        if occurrence not in matched:
            cal.add_component(_done_event(plan, feed_id, occurrence, zone, sequence, stamp))
    return cal


def _done_text(occurrence: DoneOccurrence) -> str:
    return f"{DONE_MARK} Done: {occurrence.done}"


def _done_override(
    series: Series,
    occurrence: DoneOccurrence,
    zone: ZoneInfo,
    sequence: int,
    stamp: datetime,
    created: datetime | None,
) -> Event:
    # RFC 5545 §3.8.4.4: an override shares the UID and names the occurrence in RECURRENCE-ID.
    start = occurrence.local_start.replace(tzinfo=zone)
    event = _base_event(series.uid, start, series.routine.duration_s, sequence, stamp, created)
    event.add("recurrence-id", start)
    event.add("summary", f"{DONE_MARK} {summary(series.routine)}")
    event.add("categories", _categories(series.routine))
    event.add("description", _done_text(occurrence) + "\n\n" + description(series.routine))
    event.add("transp", "TRANSPARENT")
    return event


def done_uid(feed_id: str, key: str) -> str:
    """The UID of a completed session that matches no planned occurrence."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return f"{feed_id}-done-{digest}@{UID_DOMAIN}"


def _done_event(
    plan: Plan, feed_id: str, occurrence: DoneOccurrence, zone: ZoneInfo, sequence: int, stamp: datetime
) -> Event:
    routine = next((r for r in plan.routines if r.id == occurrence.routine_id), None)
    name = routine.name if routine else (occurrence.routine_name or CATEGORY)
    seconds = occurrence.duration_s or (routine.duration_s if routine else 60)
    start = occurrence.local_start.replace(tzinfo=zone)
    event = _base_event(done_uid(feed_id, occurrence.key), start, seconds, sequence, stamp, None)
    event.add("summary", f"{DONE_MARK} {name}")
    event.add("categories", [CATEGORY])
    event.add("description", _done_text(occurrence))
    event.add("transp", "TRANSPARENT")
    return event


def feed(plan: Plan, **options: Any) -> bytes:
    """The feed of ``plan`` as bytes (CRLF, folded at 75 octets, UTF-8); options as ``build_feed``."""
    return build_feed(plan, **options).to_ical()


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
