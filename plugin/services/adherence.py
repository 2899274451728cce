"""Adherence: planned occurrences against completed sessions, per routine and per day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock
from plugin.errors import InvalidInput, NotFound
from plugin.services import installations
from plugin.services import sessions as session_service
from plugin.services.schedule import Done, match, occurrences
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo

MAX_DAYS = 366


def adherence(
    db_session: Session, installation_id: str, days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The last ``days`` days up to today (in the plan's timezone): planned, met, streak, misses.

    An occurrence is met by a session of its routine on the same day (see
    schedule.match). A day is done when all its occurrences are met. Today
    extends the streak once done and does not break it before; days with nothing
    planned neither extend nor break it.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days is 1-{MAX_DAYS}", field="days")
    row = installation_repo.get(db_session, installation_id)
    if row is None:
        raise NotFound("no such installation", field="clientKey")
    plan = installations.plan_of(db_session, row)
    zone = ZoneInfo(plan.timezone) if plan else UTC
    today = (now or clock.now()).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    window = [first + timedelta(days=i) for i in range(days)]
    planned = occurrences(plan, first, today) if plan else []
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

    per_day = []
    for day in window:
        routines = sorted(set(wanted[day]) | set(got[day]))
        per_day.append(
            {
                "date": day.isoformat(),
                "planned": sum(wanted[day].values()),
                "completed": sum(got[day].values()),
                "met": sum(fulfilled[day].values()),
                "done": bool(wanted[day]) and fulfilled[day] == wanted[day],
                "routines": {
                    r: {"planned": wanted[day][r], "completed": got[day][r], "met": fulfilled[day][r]}
                    for r in routines
                },
            }
        )
    total_planned = len(planned)
    return {
        "from": first.isoformat(),
        "to": today.isoformat(),
        "days": days,
        "timezone": str(zone),
        "planned": total_planned,
        "completed": len(completed),
        "met": len(met),
        "rate": round(len(met) / total_planned, 3) if total_planned else None,
        "current_streak": _streak(per_day, today),
        "missed_days": [
            d["date"] for d in per_day if d["planned"] and not d["done"] and d["date"] != today.isoformat()
        ],
        "routines": _per_routine(per_day),
        "per_day": per_day,
        "flagged": [
            {
                "session": r.id,
                "routine": r.routine_id,
                "started_at": completed[r.id].started_at.astimezone(zone).isoformat(),
                "caution": session_service.stop_caution(db_session, r),
            }
            for r in rows
            if r.flagged
        ],
    }


def _per_routine(per_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, Counter[str]] = {}
    for day in per_day:
        for routine, counts in day["routines"].items():
            totals.setdefault(routine, Counter()).update(counts)
    return [
        {"routine": r, **{k: totals[r][k] for k in ("planned", "completed", "met")}} for r in sorted(totals)
    ]


def _streak(per_day: list[dict[str, Any]], today: date) -> int:
    streak = 0
    for day in reversed(per_day):
        if not day["planned"]:
            continue
        if day["done"]:
            streak += 1
        elif day["date"] != today.isoformat():
            break
    return streak
