"""Pull completed sessions from a tracker that is polled, through the one import path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from plugin import clock, manifests
from plugin.crypto import Keyring
from plugin.errors import InvalidInput
from plugin.services import installations, strava
from plugin.services.sessions import delete_session, sync_session
from plugin.store import installations as installation_repo
from plugin.store import pushes as push_repo
from plugin.store import sessions as session_repo
from plugin.store.db import Database
from plugin.store.installations import InstallationRow
from plugin.store.tables import utc
from plugin.trackers import registry
from plugin.trackers.base import Credentials, PullScope, TrackerError
from plugin.trackers.strava import StravaTracker

DEFAULT_LOOKBACK = timedelta(days=14)  # PLUGIN_SYNC_LOOKBACK_DAYS (plugin.config.sync_lookback)
OUTCOME_COUNT = {"created": "new", "updated": "updated", "unchanged": "repeated"}


def sync(
    db: Database, keys: Keyring, installation_id: str, lookback: timedelta = DEFAULT_LOOKBACK
) -> dict[str, int]:
    """Pull what the tracker has; count new, updated, repeated (unchanged), deleted, skipped.

    The tracker is told the installation's timezone and plan, and the sessions stored
    within ``lookback`` (every one before the first sync), so it can report the ones
    edited or deleted there. A session reported again is brought up to date in place
    (same id) and one reported deleted is deleted, while the stored session started
    within ``lookback``; older ones are settled and left as they are. A session that
    breaks a rule is skipped (the tracker has it, we cannot use it); TrackerError
    propagates so the job retries.
    """
    counts = {"new": 0, "updated": 0, "repeated": 0, "deleted": 0, "skipped": 0}
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is None:
            return counts
        credentials = installations.credentials(row, keys)
        source = row.tracker  # the source its sessions are stored under
        tracker = registry.build(source, credentials, dict(row.tracker_state or {}))
        cursor = row.sync_cursor
        by_remote = {
            str(remote_id): state.routine_id
            for state in push_repo.states(session, installation_id)
            for remote_id in (state.remote_ids or {}).values()
        }
        plan = installations.plan_of(session, row)
        zone = plan.timezone if plan else timezone_credential(credentials)
        since = None
        if cursor is not None:  # the first pull reads all history
            since = clock.now().astimezone(ZoneInfo(zone)).date() - lookback
        start = datetime.combine(since, time(0), tzinfo=ZoneInfo(zone)) if since else None
        known = session_repo.source_ids(session, installation_id, source, start)
    if isinstance(tracker, StravaTracker):
        # Strava may retire the refresh token with each refresh: keep every new one at once.
        tracker.on_tokens = strava.token_keeper(db, keys, installation_id)
    scope = PullScope(timezone=zone, plan=plan, since=since, known=frozenset(known))
    outcome = tracker.pull(cursor, by_remote, scope)  # outside any transaction: a network call
    settled_before = clock.now() - lookback
    with db.unit_of_work() as session:
        for completed in outcome.sessions:
            if _settled(session, installation_id, completed.source, completed.source_id, settled_before):
                counts["repeated"] += 1
                continue
            try:
                # The rules are checked before anything is written, so a refusal leaves no trace.
                _, result = sync_session(session, installation_id, completed, None)
            except InvalidInput:
                counts["skipped"] += 1
                continue
            counts[OUTCOME_COUNT[result]] += 1
        for source_id in outcome.deleted:
            if _settled(session, installation_id, source, source_id, settled_before):
                continue
            counts["deleted"] += delete_session(session, installation_id, source, source_id)
        row = installation_repo.get(session, installation_id)
        if row is not None:
            row.sync_cursor = outcome.cursor
            row.last_synced_at = clock.now()
            state = getattr(tracker, "state", None)
            if isinstance(state, dict):
                row.tracker_state = state  # e.g. refreshed OAuth tokens
    return counts


def _settled(
    session: Session, installation_id: str, source: str, source_id: str, settled_before: datetime
) -> bool:
    """Whether a stored session started before the lookback: edits and deletions no longer reach it."""
    stored = session_repo.by_source(session, installation_id, source, source_id)
    started = utc(stored.started_at) if stored is not None else None
    return started is not None and started < settled_before


def timezone_credential(credentials: Credentials) -> str:
    """The installation's ``timezone`` credential (an IANA name) where it has no plan; else UTC."""
    name = str(credentials.extra.get("timezone") or "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"  # checked at install; one stored before that check is read as UTC
    return name


DEFAULT_POLLING_INTERVAL_S = 900


def polling_interval(tracker: str) -> timedelta | None:
    """How often the manifest says a tracker is polled; None for trackers that push to us."""
    spec = manifests.all_manifests().get(tracker, {}).get("import", {})
    if spec.get("mode") != "pull":
        return None
    return timedelta(seconds=spec.get("pollingIntervalS", DEFAULT_POLLING_INTERVAL_S))


def due_for_polling(db: Database) -> list[str]:
    """Claim the installations of polled trackers whose sync is due, and return their ids.

    Due: the manifest interval has passed since the last sync, and a failing tracker's
    backoff (``sync_next_at``) is over. Claiming moves ``sync_next_at`` one interval on
    with a conditional UPDATE, so sweeps in several workers enqueue each sync once.
    """
    now = clock.now()
    due = []
    with db.unit_of_work() as session:
        for row in installation_repo.all_rows(session):
            interval = polling_interval(row.tracker)
            if interval is None:
                continue
            last, next_at = utc(row.last_synced_at), utc(row.sync_next_at)
            if (next_at is not None and now < next_at) or (last is not None and now - last < interval):
                continue
            claim = (
                update(InstallationRow)
                .where(
                    InstallationRow.id == row.id,
                    or_(InstallationRow.sync_next_at.is_(None), InstallationRow.sync_next_at <= now),
                )
                .values(sync_next_at=now + interval)
            )
            if cast("CursorResult[Any]", session.execute(claim)).rowcount:
                due.append(row.id)
    return due


@dataclass(frozen=True)
class SyncRun:
    """One polled sync as the worker reports it: counts, or a one-line error and the wait it earned."""

    counts: dict[str, int] | None
    error: str | None = None
    failures: int = 0
    wait_s: float | None = None


def run_sync(
    db: Database,
    keys: Keyring,
    installation_id: str,
    lookback: timedelta,
    backoff: Callable[[int, float | None], float],
) -> SyncRun:
    """Sync once; a failure is recorded on the installation and waits ``backoff`` (never less
    than the manifest interval) before the next poll, instead of being polled every sweep.
    """
    try:
        counts = sync(db, keys, installation_id, lookback)
    except Exception as err:  # noqa: BLE001 - any failure waits its turn; the worker logs one line
        retry_after = err.retry_after if isinstance(err, TrackerError) else None
        message = err.message if isinstance(err, TrackerError) else f"internal error: {type(err).__name__}"
        return _failed_sync(db, installation_id, _one_line(message), retry_after, backoff)
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is not None:
            row.sync_failures, row.sync_next_at, row.sync_last_error = 0, None, None
    return SyncRun(counts=counts)


def _failed_sync(
    db: Database,
    installation_id: str,
    error: str,
    retry_after: float | None,
    backoff: Callable[[int, float | None], float],
) -> SyncRun:
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is None:
            return SyncRun(counts=None, error=error)
        failures = (row.sync_failures or 0) + 1
        interval = polling_interval(row.tracker) or timedelta(0)
        wait = max(interval.total_seconds(), backoff(failures, retry_after))
        row.sync_failures, row.sync_last_error = failures, error
        row.sync_next_at = clock.now() + timedelta(seconds=wait)
    return SyncRun(counts=None, error=error, failures=failures, wait_s=wait)


def _one_line(message: str, limit: int = 200) -> str:
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
