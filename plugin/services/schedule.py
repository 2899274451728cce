"""A plan's dated occurrences, and which completed session fulfils which occurrence (pure).

Adherence counts with these, and an installation's calendar marks the same
occurrences done, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from plugin.catalog.model import WEEKDAYS, Plan


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
    """Dates from ``first`` (not before the plan's start) to ``last`` inclusive, on the plan's days."""
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
