"""Pulling completed sessions: the one import path, the cursor, deletions, refused sessions.

The tracker here is a fake adapter (cosmicpython's unit-with-fakes layer) standing
in for a polled tracker; the real wger and Hevy clients are tested against their
own peers. What is under test is the sync service and the database, both real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hostkit import host_config

from plugin import security
from plugin.catalog.model import CompletedSession
from plugin.config import keyring
from plugin.services import installations, sync
from plugin.store.installations import by_client_key
from plugin.store.sessions import SessionRow
from plugin.trackers import registry
from plugin.trackers.base import PullOutcome

STARTED = datetime.now(UTC) - timedelta(days=1)


class ScriptedPull:
    """Answers pull() from a script, and remembers what it was asked."""

    format = "json"
    script: list[PullOutcome] = []
    asked: list[tuple[str | None, dict[str, str]]] = []

    def __init__(self, credentials: Any, state: dict[str, Any]) -> None:
        self.credentials = credentials
        self.state = {**state, "token_refreshed": state.get("token_refreshed", 0) + 1}

    def push(self, routine, plan, state):  # pragma: no cover - not used here
        raise NotImplementedError

    def pull(self, cursor: str | None, routines_by_remote_id: dict[str, str]) -> PullOutcome:
        ScriptedPull.asked.append((cursor, routines_by_remote_id))
        return ScriptedPull.script.pop(0)


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def installation_id(app, db, monkeypatch):
    monkeypatch.setitem(registry.TRACKERS, "wger", ScriptedPull)
    ScriptedPull.asked = []
    with app.app_context(), db.unit_of_work() as session:
        installed = installations.install(
            session,
            keyring(app),
            client_key="poll-1",
            tracker="wger",
            shared_secret=security.generate_secret(),
            base_url="https://wger.example.org",
            credentials={"token": "t-1"},
        )
        return installed.row.id


def session(source_id: str, **changes: Any) -> CompletedSession:
    values = {
        "source": "wger",
        "source_id": source_id,
        "routine_id": "daily-hamstring",
        "started_at": STARTED,
        "duration_s": 300,
        **changes,
    }
    return CompletedSession(**values)


def test_sync_imports_once_follows_the_cursor_and_applies_deletions(app, db, installation_id):
    ScriptedPull.script = [
        PullOutcome([session("1"), session("2"), session("bad", pain=12)], cursor="c1"),
        PullOutcome([session("2"), session("3")], deleted=["1"], cursor="c2"),
    ]
    with app.app_context():
        first = sync.sync(db, keyring(app), installation_id)
        second = sync.sync(db, keyring(app), installation_id)
    assert first == {"new": 2, "repeated": 0, "deleted": 0, "skipped": 1}
    assert second == {"new": 1, "repeated": 1, "deleted": 1, "skipped": 0}
    assert [cursor for cursor, _ in ScriptedPull.asked] == [None, "c1"]
    with db.unit_of_work() as s:
        assert sorted(r.source_id for r in s.query(SessionRow)) == ["2", "3"]
        row = by_client_key(s, "poll-1")
        assert row.sync_cursor == "c2" and row.last_synced_at is not None
        assert row.tracker_state == {"token_refreshed": 2}  # what the tracker kept is saved back


def test_a_polled_installation_is_due_until_synced(app, db, installation_id):
    ScriptedPull.script = [PullOutcome([], cursor=None)]
    assert sync.due_for_polling(db) == [installation_id]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id)
    assert sync.due_for_polling(db) == []
