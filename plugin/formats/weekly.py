"""A routine as a plan has it on a given day: that week's dose, and a hold's warning first (pure).

The feed, the exports and the pushes all take a routine through here, so that the
calendar, the watch file and the tracker show the same dose on the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from plugin.catalog.model import Routine
from plugin.catalog.progress import Hold, PlanProgress
from plugin.formats.text import hold_notice


@dataclass(frozen=True)
class Stretch:
    """Days on which a routine reads the same: from ``start`` to ``end`` (exclusive; None: on)."""

    start: date
    end: date | None
    routine: Routine  # the week's dose, the hold's notice first
    week: int
    hold: Hold | None


def routine_on(routine: Routine, progress: PlanProgress, day: date) -> Routine:
    """``routine`` as done on ``day``: the week's dose, and the hold's warning when one covers it."""
    period = progress.at(day)
    notice = hold_notice(period.hold, routine) if period.hold else ""
    return routine.at_week(period.week, notice)


def stretches(routine: Routine, progress: PlanProgress) -> list[Stretch]:
    """The plan's periods as ``routine`` sees them: neighbours that read the same are one."""
    out: list[Stretch] = []
    for period in progress.periods:
        notice = hold_notice(period.hold, routine) if period.hold else ""
        at_week = routine.at_week(period.week, notice)
        if out and out[-1].routine == at_week and out[-1].hold == period.hold:
            last = out[-1]
            out[-1] = Stretch(last.start, period.end, last.routine, last.week, last.hold)
            continue
        out.append(Stretch(period.start, period.end, at_week, period.week, period.hold))
    return out
