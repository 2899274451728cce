"""Expand a plan into dated occurrences (pure): what adherence counts as planned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from plugin.catalog.model import WEEKDAYS, Plan


@dataclass(frozen=True)
class Occurrence:
    routine_id: str
    starts_at: datetime  # aware, in the plan's timezone
    day: date


def occurrences(plan: Plan, first: date, last: date) -> list[Occurrence]:
    """Every planned (routine, time) between ``first`` and ``last`` inclusive, in time order."""
    zone = ZoneInfo(plan.timezone)
    found: list[Occurrence] = []
    day = max(first, plan.start) if plan.start else first
    while day <= last:
        if WEEKDAYS[day.weekday()] in plan.days:
            for at in sorted(plan.times):
                for routine in plan.routines:
                    found.append(Occurrence(routine.id, datetime.combine(day, at, tzinfo=zone), day))
        day += timedelta(days=1)
    return found
