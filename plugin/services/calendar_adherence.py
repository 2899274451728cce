"""Adherence reached with a calendar's private token: what the adherence page shows.

Installations have no token a person can open in a browser (a host signs every
call it makes), so the page is reached with the token of a calendar. A calendar
made for an installation shows that installation's completed sessions against its
schedule (the adherence service); a calendar subscribed on its own receives no
sessions, so it shows its plan with nothing done and says why.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock
from plugin.catalog.model import Plan
from plugin.services import adherence, calendars
from plugin.services.routines import get_routine
from plugin.services.schedule import occurrences

DAYS = 30


def calendar_adherence(
    session: Session, token: str, days: int = DAYS, now: datetime | None = None
) -> dict[str, Any]:
    """The adherence report of the calendar behind ``token``; NotFound or Gone from the calendar."""
    row = calendars.find_calendar(session, token)
    plan = calendars.plan_from_spec(session, row.spec or {})
    if row.installation_id:
        report = adherence.adherence(session, row.installation_id, days, now)
    else:
        report = _plan_only(plan, days, now)
    routine_ids = {r.id for r in plan.routines} | {f["routine"] for f in report["flagged"] if f["routine"]}
    return {
        **report,
        "name": plan.name,
        "linked": row.installation_id is not None,
        "routine_names": {r: get_routine(session, r).name for r in sorted(routine_ids)},
    }


def _plan_only(plan: Plan, days: int, now: datetime | None) -> dict[str, Any]:
    """The report's shape for a plan no sessions reach: every planned day, nothing done."""
    zone = ZoneInfo(plan.timezone)
    today = (now or clock.now()).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    planned = Counter(o.day for o in occurrences(plan, first, today))
    dates = [first + timedelta(days=i) for i in range(days)]
    per_day = [
        {"date": d.isoformat(), "planned": planned[d], "completed": 0, "met": 0, "done": False} for d in dates
    ]
    return {
        "from": first.isoformat(),
        "to": today.isoformat(),
        "days": days,
        "timezone": plan.timezone,
        "planned": sum(planned.values()),
        "completed": 0,
        "rate": 0.0 if planned else None,
        "current_streak": 0,
        "missed_days": [d["date"] for d in per_day if d["planned"] and d["date"] != today.isoformat()],
        "routines": [],
        "per_day": per_day,
        "flagged": [],
    }
