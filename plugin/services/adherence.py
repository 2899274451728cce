"""Adherence: planned occurrences against completed sessions, per routine and per day.

One report (``AdherenceReport``) built by ``report``, for ``GET /adherence`` (an
installation's plan) and for the adherence page (a calendar's plan, reached by its
token, see calendar_adherence); ``plugin.schemas.adherence`` dumps it for both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock
from plugin.catalog.model import Plan
from plugin.errors import InvalidInput, NotFound
from plugin.services import installations
from plugin.services import sessions as session_service
from plugin.services.plan_state import PlanState, state_of
from plugin.services.routines import get_routine
from plugin.services.schedule import Done, match, occurrences
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo

MAX_DAYS = 366


@dataclass(frozen=True)
class Counts:
    """Occurrences planned, sessions completed, and the planned ones those sessions met."""

    planned: int
    completed: int
    met: int


@dataclass(frozen=True, kw_only=True)
class RoutineCounts(Counts):
    routine: str


@dataclass(frozen=True, kw_only=True)
class Day(Counts):
    day: date
    done: bool  # every occurrence planned that day was met
    routines: dict[str, Counts]


@dataclass(frozen=True)
class FlaggedSession:
    """A session with pain at the stop level, and what to do about it."""

    session: str
    routine: str | None
    started_at: datetime  # in the plan's timezone
    caution: session_service.PainCaution | None


@dataclass(frozen=True)
class AdherenceReport:
    first: date
    last: date  # today, in the plan's timezone
    days: int
    timezone: str
    planned: int
    completed: int
    met: int
    rate: float | None  # met / planned; None with nothing planned
    current_streak: int
    missed_days: list[date]
    routines: list[RoutineCounts]
    per_day: list[Day]
    flagged: list[FlaggedSession]
    name: str | None  # the plan's name; None without a plan
    linked: bool  # whether completed sessions reach this plan (a calendar of its own receives none)
    routine_names: dict[str, str]  # the planned and flagged routines by id
    plan_state: PlanState | None = None  # week, doses of today and pain holds; None without a plan


def adherence(
    db_session: Session, installation_id: str, days: int = 30, now: datetime | None = None
) -> AdherenceReport:
    """The installation's plan against its completed sessions over the last ``days`` days."""
    row = installation_repo.get(db_session, installation_id)
    if row is None:
        raise NotFound("no such installation", field="clientKey")
    return report(db_session, installations.plan_of(db_session, row), installation_id, days, now)


def report(
    db_session: Session,
    plan: Plan | None,
    installation_id: str | None,
    days: int = 30,
    now: datetime | None = None,
) -> AdherenceReport:
    """The last ``days`` days up to today (in the plan's timezone): planned, met, streak, misses.

    The completed sessions are those of ``installation_id`` (none without one). An
    occurrence is met by a session of its routine on the same day (see
    schedule.match). A day is done when all its occurrences are met. Today
    extends the streak once done and does not break it before; days with nothing
    planned neither extend nor break it.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days is 1-{MAX_DAYS}", field="days")
    zone = ZoneInfo(plan.timezone) if plan else UTC
    today = (now or clock.now()).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    window = [first + timedelta(days=i) for i in range(days)]
    planned = occurrences(plan, first, today) if plan else []
    rows = []
    if installation_id is not None:
        rows = session_repo.window(
            db_session,
            installation_id,
            datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone),
        )
    completed = {r.id: session_service.completed_of(r) for r in rows}
    met = (
        match(plan, planned, [Done(k, c.routine_id, c.started_at) for k, c in completed.items()])
        if plan
        else {}
    )

    wanted: dict[date, Counter[str]] = {day: Counter() for day in window}
    for occurrence in planned:
        wanted[occurrence.day][occurrence.routine_id] += 1
    got: dict[date, Counter[str]] = {day: Counter() for day in window}
    fulfilled: dict[date, Counter[str]] = {day: Counter() for day in window}
    for key, session in completed.items():
        got[session.started_at.astimezone(zone).date()][session.routine_id or "-"] += 1
        if key in met:
            fulfilled[met[key].day][met[key].routine_id] += 1

    per_day = [
        Day(
            day=day,
            planned=sum(wanted[day].values()),
            completed=sum(got[day].values()),
            met=sum(fulfilled[day].values()),
            done=bool(wanted[day]) and fulfilled[day] == wanted[day],
            routines={
                r: Counts(wanted[day][r], got[day][r], fulfilled[day][r])
                for r in sorted(set(wanted[day]) | set(got[day]))
            },
        )
        for day in window
    ]
    flagged = [
        FlaggedSession(
            session=r.id,
            routine=r.routine_id,
            started_at=completed[r.id].started_at.astimezone(zone),
            caution=session_service.stop_caution(db_session, r),
        )
        for r in rows
        if r.flagged
    ]
    named = {r.id for r in plan.routines} if plan else set()
    named |= {f.routine for f in flagged if f.routine}
    return AdherenceReport(
        first=first,
        last=today,
        days=days,
        timezone=str(zone),
        planned=len(planned),
        completed=len(completed),
        met=len(met),
        rate=round(len(met) / len(planned), 3) if planned else None,
        current_streak=_streak(per_day, today),
        missed_days=[d.day for d in per_day if d.planned and not d.done and d.day != today],
        routines=_per_routine(per_day),
        per_day=per_day,
        flagged=flagged,
        name=plan.name if plan else None,
        linked=installation_id is not None,
        routine_names={r: get_routine(db_session, r).name for r in sorted(named)},
        plan_state=state_of(db_session, plan, installation_id, now) if plan else None,
    )


def _per_routine(per_day: list[Day]) -> list[RoutineCounts]:
    totals: dict[str, Counter[str]] = {}
    for day in per_day:
        for routine, counts in day.routines.items():
            totals.setdefault(routine, Counter()).update(
                planned=counts.planned, completed=counts.completed, met=counts.met
            )
    return [
        RoutineCounts(routine=r, planned=t["planned"], completed=t["completed"], met=t["met"])
        for r, t in sorted(totals.items())
    ]


def _streak(per_day: list[Day], today: date) -> int:
    streak = 0
    for day in reversed(per_day):
        if not day.planned:
            continue
        if day.done:
            streak += 1
        elif day.day != today:
            break
    return streak
