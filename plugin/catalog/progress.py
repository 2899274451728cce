"""Where a plan stands: its week of progression and any hold after a reported pain (pure).

The rules (docs/catalog.md#progression):

- Week 1 starts on the plan's start date, and a new week every 7 days after it; a
  routine's progression takes one step a week and keeps its last step.
- A session with pain at or above ``STOP_LEVEL``, or two sessions in a row (of those
  that report pain) at or above ``TWICE_LEVEL``, steps the plan back one week and holds
  it there: the rest of that day and the ``HOLD_DAYS`` days after it. A pair counts once.
- A later session with pain at or below ``EASE_LEVEL`` ends the hold after its day.
- After a hold the plan goes on from the week it was held at, one step a week again,
  counted from the plan's own week boundaries.

Days are local dates in the plan's timezone; nothing here reads the clock or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

STOP_LEVEL = 7  # the same level that flags a session and answers with the stop rule
TWICE_LEVEL = 5
EASE_LEVEL = 3
HOLD_DAYS = 7


class HoldReason(StrEnum):
    PAIN = "pain"  # one session at or above STOP_LEVEL
    PAIN_TWICE = "pain_twice"  # two sessions in a row at or above TWICE_LEVEL


@dataclass(frozen=True)
class PainReport:
    """A completed session that carried a pain score (0-10)."""

    key: str  # the stored session's id
    at: datetime  # aware
    pain: int
    routine_id: str | None = None
    # The pain of the session with a score just before this one, when the caller passes only
    # the reports that can matter (those at TWICE_LEVEL and up, and low ones near them);
    # None: the reports given are all of them, and the one before is the previous one given.
    previous_pain: int | None = None


@dataclass(frozen=True)
class Hold:
    """A stretch of days held at one week after a pain report."""

    start: date  # the report's local day, the first one held
    end: date  # the first day no longer held (exclusive)
    week: int  # the week held
    reason: HoldReason
    pain: int
    reported_at: datetime  # in the plan's timezone
    session: str  # the session that set it
    ended_early_at: datetime | None = None  # the session with low pain that ended it, local
    ended_by: str | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class Period:
    """Days with one week and one hold (or none); ``end`` None: from ``start`` on."""

    start: date
    end: date | None
    week: int
    hold: Hold | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class PlanProgress:
    """Every period of a plan from its start, in order, the last one open-ended, and its holds."""

    start: date
    weeks: int  # the week from which no dose changes any more
    periods: tuple[Period, ...]
    holds: tuple[Hold, ...]

    def at(self, day: date) -> Period:
        """The period ``day`` falls in (the first one for days before the start)."""
        for period in self.periods:
            if period.covers(day):
                return period
        return self.periods[0]

    def changes(self, day: date | None) -> int:
        """How many hold starts and early ends fall on or before ``day`` (None: all of them).

        A series of the feed that runs up to ``day`` was changed by each of them, so its
        SEQUENCE goes up by this many (docs/icalendar.md#progression).
        """
        count = 0
        for hold in self.holds:
            count += day is None or hold.start <= day
            if hold.ended_early_at is not None:
                count += day is None or hold.ended_early_at.date() <= day
        return count


def calendar_week(start: date, day: date) -> int:
    """The plan's week of ``day`` counted from ``start`` (1 for the first 7 days and before)."""
    return max(1, (day - start).days // 7 + 1)


def progress(start: date, reports: Iterable[PainReport], timezone: str, weeks: int = 1) -> PlanProgress:
    """Apply the rules to the pain reports of a plan that started on ``start``.

    ``weeks`` is the longest progression among the plan's routines: the week a hold steps
    back from is never past it, so a step back always changes a dose that progresses.
    """
    zone = ZoneInfo(timezone)
    weeks = max(1, weeks)
    offsets: list[tuple[date, int]] = [(start, 0)]  # from this day on, week = calendar week - offset
    holds: list[Hold] = []
    current: Hold | None = None
    high_before = False

    def week_on(day: date) -> int:
        offset = next(o for d, o in reversed(offsets) if d <= day) if day >= start else 0
        return min(weeks, max(1, calendar_week(start, day) - offset))

    def resume(hold: Hold) -> None:
        # The plan goes on from the week held: that week now falls on the hold's end.
        offsets.append((hold.end, calendar_week(start, hold.end) - hold.week))

    for report in sorted(reports, key=lambda r: r.at):
        local = report.at.astimezone(zone)
        day = local.date()
        if day < start:
            continue
        if current is not None and day >= current.end:
            resume(current)
            current = None
        if current is not None and report.pain <= EASE_LEVEL:
            ended = replace(current, end=day + timedelta(days=1), ended_early_at=local, ended_by=report.key)
            holds[-1] = ended
            resume(ended)
            current, high_before = None, False
            continue
        reason = None
        if report.pain >= STOP_LEVEL:
            reason = HoldReason.PAIN
        elif report.pain >= TWICE_LEVEL and high_before and not _broken(report):
            reason = HoldReason.PAIN_TWICE
        high_before = report.pain >= TWICE_LEVEL and reason is None
        if reason is None:
            continue
        held_from = current.week if current is not None else week_on(day)
        if current is not None:
            # A new report within a hold replaces what is left of it.
            holds[-1] = replace(current, end=max(day, current.start))
        current = Hold(
            start=day,
            end=day + timedelta(days=HOLD_DAYS + 1),
            week=max(1, held_from - 1),
            reason=reason,
            pain=report.pain,
            reported_at=local,
            session=report.key,
        )
        holds.append(current)
    if current is not None:
        resume(current)
    holds = [h for h in holds if h.end > h.start or h.ended_early_at is not None]
    return PlanProgress(start, weeks, _periods(start, weeks, holds, week_on), tuple(holds))


def _broken(report: PainReport) -> bool:
    """Whether a session with a lower score (left out of the reports given) came just before."""
    return report.previous_pain is not None and report.previous_pain < TWICE_LEVEL


def _periods(
    start: date, weeks: int, holds: list[Hold], week_on: Callable[[date], int]
) -> tuple[Period, ...]:
    """Cut the days into periods at week boundaries and hold edges; merge equal neighbours."""
    held = [h for h in holds if h.end > h.start]
    last_change = max([start, *(h.end for h in held)])
    horizon = last_change + timedelta(days=7 * (weeks + 1))
    cuts = {start, *(h.start for h in held), *(h.end for h in held)}
    day = start
    while day <= horizon:
        cuts.add(day)
        day += timedelta(days=7)
    ordered = sorted(c for c in cuts if c >= start)
    periods: list[Period] = []
    for cut in ordered:
        hold = next((h for h in held if h.covers(cut)), None)
        week = hold.week if hold else week_on(cut)
        if periods and periods[-1].week == week and periods[-1].hold == hold:
            continue
        if periods:
            periods[-1] = replace(periods[-1], end=cut)
        periods.append(Period(cut, None, week, hold))
    return tuple(periods)
