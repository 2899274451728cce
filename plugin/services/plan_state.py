"""Where a plan stands now: its week, the doses of now, and any hold after a pain report.

The rules are ``plugin.catalog.progress`` (pure); this reads what they need from the
store: the plan's start and the pain scores of the installation's sessions. The feed,
the pushes, the adherence report and the pages all ask here, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock
from plugin.catalog import progress as progress_rules
from plugin.catalog.localize import localize
from plugin.catalog.model import Plan, Routine
from plugin.catalog.progress import Hold, PainReport, PlanProgress, progress
from plugin.errors import NotFound
from plugin.formats import weekly
from plugin.i18n import N_
from plugin.services import calendar_lookup
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo
from plugin.store.tables import utc


@dataclass(frozen=True)
class PlanState:
    """A plan now: the week, the routines with the doses of today, the hold in force and past holds."""

    start: date
    today: date  # in the plan's timezone
    week: int
    weeks: int  # the week from which the doses stay the same
    hold: Hold | None
    holds: list[Hold]
    routines: list[Routine]  # as done today: the week's dose, a hold's warning first


def plan_progress(
    session: Session, plan: Plan, installation_id: str | None, changed_at: datetime | None = None
) -> PlanProgress:
    """The plan's weeks and holds from the pain scores of ``installation_id``'s sessions (none without)."""
    # Week 1 starts on the plan's start (a stored plan always has one), planned day or not.
    start = plan.start or today_of(plan, changed_at or clock.now())
    reports: list[PainReport] = []
    if installation_id is not None:
        first = datetime.combine(start, time(0), tzinfo=ZoneInfo(plan.timezone))
        rows = session_repo.pain_reports(
            session,
            installation_id,
            first,
            high=progress_rules.TWICE_LEVEL,
            low=progress_rules.EASE_LEVEL,
            # A hold lasts from the report's day to HOLD_DAYS days after it: any later easing is moot.
            reach=timedelta(days=progress_rules.HOLD_DAYS + 2),
        )
        reports = [
            PainReport(row_id, utc(started_at), pain, routine_id, previous)  # type: ignore[arg-type]
            for row_id, started_at, pain, routine_id, previous in rows
        ]
    return progress(start, reports, plan.timezone, max(r.weeks for r in plan.routines))


def today_of(plan: Plan, now: datetime) -> date:
    """The date of ``now`` in the plan's timezone."""
    return now.astimezone(ZoneInfo(plan.timezone)).date()


def state_of(
    session: Session, plan: Plan, installation_id: str | None, now: datetime | None = None
) -> PlanState:
    """The state of ``plan`` at ``now`` (default: the clock), holds from the installation's sessions."""
    now = now or clock.now()
    plan_state = plan_progress(session, plan, installation_id, now)
    today = today_of(plan, now)
    period = plan_state.at(today)
    return PlanState(
        start=plan_state.start,
        today=today,
        week=period.week,
        weeks=plan_state.weeks,
        hold=period.hold,
        holds=list(plan_state.holds),
        # In the current language: a page's, or English for the API.
        routines=[weekly.routine_on(localize(r), plan_state, today) for r in plan.routines],
    )


def installation_state(
    session: Session, installation_id: str, now: datetime | None = None
) -> PlanState | None:
    """The state of the installation's plan; None when it has none. NotFound for an unknown one."""
    row = installation_repo.get(session, installation_id)
    if row is None:
        raise NotFound(N_("no such installation"), field="clientKey")
    owned = calendar_lookup.installation_calendar(session, installation_id)
    plan = calendar_lookup.plan_from_spec(session, owned.spec) if owned is not None and owned.spec else None
    return state_of(session, plan, installation_id, now) if plan is not None else None


def routine_now(
    session: Session, plan: Plan | None, installation_id: str, routine: Routine, now: datetime | None = None
) -> Routine:
    """``routine`` as the installation's plan has it today (itself when the plan does not hold it)."""
    if plan is None or routine.id not in {r.id for r in plan.routines}:
        return routine
    now = now or clock.now()
    plan_state = plan_progress(session, plan, installation_id, now)
    return weekly.routine_on(routine, plan_state, today_of(plan, now))
