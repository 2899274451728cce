"""A plan's dated occurrences, and which completed session fulfils which occurrence (pure).

Adherence counts with these, and an installation's calendar marks the same
occurrences done, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from plugin.catalog import builtin_routines, exercises
from plugin.catalog.model import WEEKDAYS, CompletedSession, Plan
from plugin.formats import ical
from plugin.formats.text import done_phrase


@dataclass(frozen=True)
class Occurrence:
    routine_id: str
    starts_at: datetime  # aware, in the plan's timezone

    @property
    def day(self) -> date:
        return self.starts_at.date()


@dataclass(frozen=True)
class Done:
    """A completed session as the schedule sees it."""

    key: str
    routine_id: str | None
    started_at: datetime  # aware


def occurrence_dates(plan: Plan, first: date, last: date) -> list[date]:
    """Dates from ``first`` (not before the plan's start) to ``last`` inclusive, on the plan's days.

    The same days the feed's RRULE (FREQ=WEEKLY;BYDAY=<plan days>, from the start) produces.
    """
    day, found = max(first, plan.start) if plan.start else first, []
    while day <= last:
        if WEEKDAYS[day.weekday()] in plan.days:
            found.append(day)
        day += timedelta(days=1)
    return found


def occurrences(plan: Plan, first: date, last: date) -> list[Occurrence]:
    """Every planned (routine, time) between ``first`` and ``last`` inclusive, in time order."""
    zone = ZoneInfo(plan.timezone)
    return [
        Occurrence(routine.id, datetime.combine(day, at, tzinfo=zone))
        for day in occurrence_dates(plan, first, last)
        for at in sorted(set(plan.times))
        for routine in plan.routines
    ]


def match(plan: Plan, planned: Iterable[Occurrence], done: Iterable[Done]) -> dict[str, Occurrence]:
    """Pair completed sessions with planned occurrences: session key → the occurrence it fulfils.

    A session fulfils the occurrence of its routine, on the same local day, nearest
    in time that no earlier session took; a session with none left is unmatched
    (it shows as an extra event, and counts as completed but not as planned-and-met).
    """
    zone = ZoneInfo(plan.timezone)
    free: dict[tuple[str, date], list[Occurrence]] = {}
    for occurrence in planned:
        free.setdefault((occurrence.routine_id, occurrence.day), []).append(occurrence)
    matched: dict[str, Occurrence] = {}
    for session in sorted(done, key=lambda d: d.started_at):
        local = session.started_at.astimezone(zone)
        candidates = free.get((session.routine_id or "", local.date()))
        if not candidates:
            continue
        nearest = min(candidates, key=lambda o: abs(o.starts_at - local))
        candidates.remove(nearest)
        matched[session.key] = nearest
    return matched


def done_occurrences(
    plan: Plan, completed: Iterable[tuple[str, CompletedSession]]
) -> list[ical.DoneOccurrence]:
    """Completed sessions placed on the feed: on the occurrence they meet, or on their own start.

    ``completed`` pairs a stable key (the stored session's id) with each session.
    """
    completed = list(completed)
    if not completed:
        return []
    zone = ZoneInfo(plan.timezone)
    days = [c.started_at.astimezone(zone).date() for _, c in completed]
    planned = occurrences(plan, min(days), max(days))
    met = match(plan, planned, [Done(key, c.routine_id, c.started_at) for key, c in completed])
    names = {routine.id: routine.name for routine in (*builtin_routines(), *plan.routines)}
    exercise_names = {ex.id: ex.name for ex in exercises()}
    placed = []
    for key, session in completed:
        at = met[key].starts_at if key in met else session.started_at.astimezone(zone)
        placed.append(
            ical.DoneOccurrence(
                routine_id=session.routine_id or "",
                local_start=at.replace(tzinfo=None),
                done=done_phrase(session, exercise_names),
                key=key,
                duration_s=session.duration_s,
                routine_name=names.get(session.routine_id or ""),
            )
        )
    return placed
