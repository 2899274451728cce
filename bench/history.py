"""Shared by bench/ingest.py and bench/feed.py: an installation with a plan and years of sessions.

The history is written straight into the table (one multi-row INSERT per batch), not
through the import hook: it is the state before timing starts, not what is timed.
Sessions sit two minutes after each planned time, two a day, going back from yesterday,
and the plan starts early enough to hold all of them.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import insert

from plugin import security
from plugin.ids import new_id
from plugin.services import feeds
from plugin.store import installations as installation_repo
from plugin.store.sessions import SessionRow

# The plan of the issue: one routine twice a day, every day.
TIMEZONE = "Europe/Berlin"
PLAN: dict[str, Any] = {"routines": ["daily-hamstring"], "times": ["07:00", "19:30"], "timezone": TIMEZONE}
BATCH = 1000


def plan_for(history: int, today: date | None = None) -> dict[str, Any]:
    """PLAN, starting on the day of the oldest of ``history`` twice-daily sessions."""
    zone = ZoneInfo(TIMEZONE)
    today = today or datetime.now(zone).date()
    return {**PLAN, "start": (today - timedelta(days=max(1, math.ceil(history / 2)))).isoformat()}


def install(app: Flask, host_secret: str, plan: dict | None) -> tuple[str, str, str, str | None]:
    """Install a host (with ``plan`` if given); (client key, its secret, installation id, feed path)."""
    client_key, secret = "bench-" + uuid.uuid4().hex[:8], security.generate_secret()
    body: dict[str, Any] = {
        "clientKey": client_key,
        "tracker": "host",
        "sharedSecret": secret,
        "baseUrl": "http://127.0.0.1:9",
    }
    if plan is not None:
        body["plan"] = plan
    raw = json.dumps(body).encode()
    answer = app.test_client().post(
        "/lifecycle/installed",
        data=raw,
        headers={"Content-Type": "application/json", **security.sign_headers(host_secret, raw)},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    found = answer.get_json()
    feed = found.get("calendarUrl")
    path = "/" + feed.split("://", 1)[1].split("/", 1)[1] if feed else None
    db = app.extensions["stretchsync.db"]
    with db.unit_of_work() as session:
        installation = installation_repo.by_client_key(session, client_key)
        assert installation is not None
        installation_id = installation.id
    return client_key, secret, installation_id, path


def store_history(app: Flask, installation_id: str, count: int) -> float:
    """Store ``count`` twice-daily sessions before today, as imports would; seconds it took."""
    began = time.perf_counter()
    zone = ZoneInfo(TIMEZONE)
    today = datetime.now(zone).date()
    db = app.extensions["stretchsync.db"]
    rows = []
    for i in range(count):
        day = today - timedelta(days=i // 2 + 1)
        hour, minute = (7, 2) if i % 2 == 0 else (19, 32)
        started = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
        rows.append(
            {
                "id": new_id(),
                "installation_id": installation_id,
                "source": "history",
                "source_id": f"h-{i}",
                "routine_id": "daily-hamstring",
                "started_at": started,
                "duration_s": 420,
                "exercises": [{"exercise": "lying-hamstring", "reps": 1, "hold_s": 30, "side": "left"}],
                "pain": i % 4,
                "notes": "",
                "flagged": False,
                "raw_json": None,
                "raw_bytes": None,
                "created_at": started,
            }
        )
    for start in range(0, len(rows), BATCH):
        with db.unit_of_work() as session:
            session.execute(insert(SessionRow), rows[start : start + BATCH])
    with db.unit_of_work() as session:
        feeds.mark_installation_stale(session, installation_id)
    return time.perf_counter() - began
