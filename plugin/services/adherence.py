"""Adherence: planned occurrences against completed sessions, per routine and per day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin.catalog.errors import InvalidInput, NotFound
from plugin.catalog.schedule import occurrences
from plugin.services import installations
from plugin.services import sessions as session_service
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo

MAX_DAYS = 366


def adherence(
    db_session: Session, installation_id: str, days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The last ``days`` days up to today (in the plan's timezone): planned, done, streak, misses.

    A day is done when every routine planned that day has at least as many
    sessions as occurrences; today counts toward the streak once done, and a
    not-yet-done today does not break it. Days with nothing planned neither
    extend nor break a streak.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days is 1-{MAX_DAYS}", field="days")
    row = installation_repo.get(db_session, installation_id)
    if row is None:
        raise NotFound("no such installation", field="clientKey")
    plan = installations.plan_of(db_session, row)
    zone = ZoneInfo(plan.timezone) if plan else UTC
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    planned: dict[date, Counter[str]] = {first + timedelta(days=i): Counter() for i in range(days)}
    for occurrence in occurrences(plan, first, today) if plan else []:
        planned[occurrence.day][occurrence.routine_id] += 1
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    rows = session_repo.between(db_session, installation_id, start, end)
    done: dict[date, Counter[str]] = {day: Counter() for day in planned}
    flagged = []
    for session_row in rows:
        started = session_service.completed_of(session_row).started_at.astimezone(zone)
        done[started.date()][session_row.routine_id or ""] += 1
        if session_row.flagged:
            flagged.append(
                {
                    "session": session_row.id,
                    "routine": session_row.routine_id,
                    "started_at": started.isoformat(),
                    "caution": session_service.stop_caution(db_session, session_row),
                }
            )
    per_day = []
    for day, wanted in planned.items():
        got = done[day]
        met = sum(min(count, got[routine]) for routine, count in wanted.items())
        per_day.append(
            {
                "date": day.isoformat(),
                "planned": sum(wanted.values()),
                "completed": sum(got.values()),
                "met": met,
                "done": bool(wanted) and met == sum(wanted.values()),
                "routines": {
                    r: {"planned": wanted[r], "completed": got[r]}
                    for r in sorted(set(wanted) | set(got) - {""})
                },
            }
        )
    total_planned = sum(d["planned"] for d in per_day)
    total_met = sum(d["met"] for d in per_day)
    routine_ids = sorted({r for d in per_day for r in d["routines"]})
    return {
        "from": first.isoformat(),
        "to": today.isoformat(),
        "days": days,
        "timezone": str(zone),
        "planned": total_planned,
        "completed": sum(d["completed"] for d in per_day),
        "rate": round(total_met / total_planned, 3) if total_planned else None,
        "current_streak": _streak(per_day, today),
        "missed_days": [
            d["date"] for d in per_day if d["planned"] and not d["done"] and d["date"] != today.isoformat()
        ],
        "routines": [
            {
                "routine": r,
                "planned": sum(d["routines"].get(r, {}).get("planned", 0) for d in per_day),
                "completed": sum(d["routines"].get(r, {}).get("completed", 0) for d in per_day),
            }
            for r in routine_ids
        ],
        "per_day": per_day,
        "flagged": flagged,
    }


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
