"""Pull completed sessions from a tracker that is polled, through the one import path."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from plugin import clock, manifests
from plugin.crypto import Keyring
from plugin.errors import InvalidInput
from plugin.services import installations
from plugin.services.sessions import delete_session, sync_session
from plugin.store import installations as installation_repo
from plugin.store import pushes as push_repo
from plugin.store import sessions as session_repo
from plugin.store.db import Database
from plugin.store.tables import utc
from plugin.trackers import registry

DEFAULT_LOOKBACK = timedelta(days=14)  # PLUGIN_SYNC_LOOKBACK_DAYS (plugin.config.sync_lookback)
OUTCOME_COUNT = {"created": "new", "updated": "updated", "unchanged": "repeated"}


def sync(
    db: Database, keys: Keyring, installation_id: str, lookback: timedelta = DEFAULT_LOOKBACK
) -> dict[str, int]:
    """Pull what the tracker has since the stored cursor; count new, updated, repeated, deleted, skipped.

    A session the tracker reports again is brought up to date in place (same id) and
    one it reports deleted is deleted, while the stored session started within
    ``lookback``; older ones are settled and left as they are. A session that breaks
    a rule is skipped (the tracker has it, we cannot use it); TrackerError propagates
    so the job retries.
    """
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is None:
            return {"new": 0, "updated": 0, "repeated": 0, "deleted": 0, "skipped": 0}
        tracker = registry.build(
            row.tracker, installations.credentials(row, keys), dict(row.tracker_state or {})
        )
        cursor = row.sync_cursor
        by_remote = {
            str(remote_id): state.routine_id
            for state in push_repo.states(session, installation_id)
            for remote_id in (state.remote_ids or {}).values()
        }
    outcome = tracker.pull(cursor, by_remote)  # no transaction is open while the tracker answers
    counts = {"new": 0, "updated": 0, "repeated": 0, "deleted": 0, "skipped": 0}
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
            if _settled(session, installation_id, row.tracker, source_id, settled_before):
                continue
            counts["deleted"] += delete_session(session, installation_id, row.tracker, source_id)
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


def due_for_polling(db: Database) -> list[str]:
    """Installations of polled trackers whose manifest interval has passed since their last sync."""
    now = clock.now()
    due = []
    with db.unit_of_work() as session:
        for row in installation_repo.all_rows(session):
            spec = manifests.all_manifests().get(row.tracker, {}).get("import", {})
            if spec.get("mode") != "pull":
                continue
            last = utc(row.last_synced_at)
            if last is None or now - last >= timedelta(seconds=spec.get("pollingIntervalS", 900)):
                due.append(row.id)
    return due
