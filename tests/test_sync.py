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
from plugin.config import keyring, sync_lookback
from plugin.errors import InvalidInput
from plugin.services import installations, sync
from plugin.store.installations import by_client_key
from plugin.store.sessions import SessionRow
from plugin.trackers import registry
from plugin.trackers.base import PullOutcome, PullScope

STARTED = datetime.now(UTC) - timedelta(days=1)


class ScriptedPull:
    """Answers pull() from a script, and remembers what it was asked."""

    format = "json"
    script: list[PullOutcome] = []
    asked: list[tuple[str | None, dict[str, str]]] = []
    scopes: list[PullScope] = []

    def __init__(self, credentials: Any, state: dict[str, Any]) -> None:
        self.credentials = credentials
        self.state = {**state, "token_refreshed": state.get("token_refreshed", 0) + 1}

    def push(self, routine, plan, state):  # pragma: no cover - not used here
        raise NotImplementedError

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome:
        ScriptedPull.asked.append((cursor, routines_by_remote_id))
        ScriptedPull.scopes.append(scope)
        return ScriptedPull.script.pop(0)


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def installation_id(app, db, monkeypatch):
    monkeypatch.setitem(registry.TRACKERS, "wger", ScriptedPull)
    ScriptedPull.asked = []
    ScriptedPull.scopes = []
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
    assert first == {"new": 2, "updated": 0, "repeated": 0, "deleted": 0, "skipped": 1}
    assert second == {"new": 1, "updated": 0, "repeated": 1, "deleted": 1, "skipped": 0}
    assert [cursor for cursor, _ in ScriptedPull.asked] == [None, "c1"]
    with db.unit_of_work() as s:
        assert sorted(r.source_id for r in s.query(SessionRow)) == ["2", "3"]
        row = by_client_key(s, "poll-1")
        assert row.sync_cursor == "c2" and row.last_synced_at is not None
        assert row.tracker_state == {"token_refreshed": 2}  # what the tracker kept is saved back


def test_a_session_reported_again_is_updated_in_place_within_the_lookback(app, db, installation_id):
    old = STARTED - timedelta(days=10)
    ScriptedPull.script = [
        PullOutcome([session("recent"), session("old", started_at=old)], cursor="c1"),
        PullOutcome(
            [session("recent", duration_s=420), session("old", started_at=old, duration_s=420)],
            cursor="c2",
        ),
        PullOutcome([], deleted=["recent", "old"], cursor="c3"),
    ]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id, timedelta(days=5))
        with db.unit_of_work() as s:
            first_ids = {r.source_id: r.id for r in s.query(SessionRow)}
        edited = sync.sync(db, keyring(app), installation_id, timedelta(days=5))
        with db.unit_of_work() as s:
            ids = {r.source_id: (r.id, r.duration_s) for r in s.query(SessionRow)}
        deleted = sync.sync(db, keyring(app), installation_id, timedelta(days=5))
    assert (edited["updated"], edited["repeated"]) == (1, 1)  # the old one is settled
    assert ids["recent"] == (first_ids["recent"], 420)  # same record, brought up to date
    assert ids["old"] == (first_ids["old"], 300)
    assert deleted["deleted"] == 1
    with db.unit_of_work() as s:
        # The one left is the settled session, with the id it was stored under.
        assert [(r.source_id, r.id) for r in s.query(SessionRow)] == [("old", ids["old"][0])]


def test_a_polled_installation_is_due_until_synced(app, db, installation_id):
    ScriptedPull.script = [PullOutcome([], cursor=None)]
    assert sync.due_for_polling(db) == [installation_id]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id)
    assert sync.due_for_polling(db) == []


@pytest.mark.parametrize(("configured", "days"), [(None, 14), (30, 30), ("7", 7), (0, 0)])
def test_the_lookback_comes_from_plugin_sync_lookback_days(app, configured, days):
    if configured is not None:
        app.config["SYNC_LOOKBACK_DAYS"] = configured
    assert sync_lookback(app) == timedelta(days=days)


@pytest.mark.parametrize("configured", [-3, "soon", 1.5, True])
def test_a_lookback_that_is_not_whole_days_is_refused(app, configured):
    app.config["SYNC_LOOKBACK_DAYS"] = configured
    with pytest.raises(ValueError, match="PLUGIN_SYNC_LOOKBACK_DAYS"):
        sync_lookback(app)


def test_an_edited_session_is_updated_in_place(app, db, installation_id):
    ScriptedPull.script = [
        PullOutcome([session("7", notes="morning")], cursor="c1"),
        PullOutcome([session("7", notes="morning and evening", duration_s=600)], cursor="c2"),
    ]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id)
        with db.unit_of_work() as s:
            (before,) = s.query(SessionRow).all()
            stored_id = before.id
        counts = sync.sync(db, keyring(app), installation_id)
    assert counts == {"new": 0, "updated": 1, "repeated": 0, "deleted": 0, "skipped": 0}
    with db.unit_of_work() as s:
        (after,) = s.query(SessionRow).all()
        assert (after.id, after.notes, after.duration_s) == (stored_id, "morning and evening", 600)


def test_the_pull_is_told_the_timezone_the_plan_and_what_is_stored_in_the_look_back(app, db, installation_id):
    now = datetime.now(UTC)
    ScriptedPull.script = [
        PullOutcome([session("old", started_at=now - timedelta(days=30)), session("recent")], cursor="c1"),
        PullOutcome([], cursor="c2"),
    ]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id)
        sync.sync(db, keyring(app), installation_id, lookback=timedelta(days=14))
    first, second = ScriptedPull.scopes
    assert (first.timezone, first.plan, first.since, first.known) == ("UTC", None, None, frozenset())
    assert second.since == now.date() - timedelta(days=14)
    assert second.known == {"recent"}  # the 30-day-old session is outside the window: never deleted


def test_the_plans_timezone_wins_over_the_credential(app, db, installation_id):
    with app.app_context(), db.unit_of_work() as s:
        installations.install(
            s,
            keyring(app),
            client_key="poll-1",
            tracker="wger",
            shared_secret=security.generate_secret(),
            base_url="https://wger.example.org",
            credentials={"token": "t-1", "timezone": "America/Los_Angeles"},
            may_replace=lambda current_secret: True,
        )
    ScriptedPull.script = [PullOutcome([], cursor=None), PullOutcome([], cursor=None)]
    with app.app_context():
        sync.sync(db, keyring(app), installation_id)
        with db.unit_of_work() as s:
            installations.install(
                s,
                keyring(app),
                client_key="poll-1",
                tracker="wger",
                shared_secret=security.generate_secret(),
                base_url="https://wger.example.org",
                credentials={"token": "t-1", "timezone": "America/Los_Angeles"},
                plan={"routines": ["daily-hamstring"], "times": ["07:30"], "timezone": "Europe/Berlin"},
                may_replace=lambda current_secret: True,  # replacing it, as the operator's --replace does
            )
        sync.sync(db, keyring(app), installation_id)
    assert [s.timezone for s in ScriptedPull.scopes] == ["America/Los_Angeles", "Europe/Berlin"]
    assert ScriptedPull.scopes[1].plan.times[0].isoformat() == "07:30:00"


def test_an_unknown_timezone_credential_is_refused_at_install(app, db):
    with app.app_context(), db.unit_of_work() as s, pytest.raises(InvalidInput) as err:
        installations.install(
            s,
            keyring(app),
            client_key="poll-2",
            tracker="wger",
            shared_secret=security.generate_secret(),
            base_url="https://wger.example.org",
            credentials={"token": "t-1", "timezone": "Mars/Olympus"},
        )
    assert err.value.field == "credentials.timezone"


def test_the_cli_sync_reads_back_plugin_sync_lookback_days(app, runner, installation_id):
    app.config["SYNC_LOOKBACK_DAYS"] = 3
    ScriptedPull.script = [PullOutcome([], cursor="c1"), PullOutcome([], cursor="c2")]
    for _ in range(2):
        result = runner.invoke(args=["sync", "poll-1", "--wait"])
        assert result.exit_code == 0, result.output
    assert ScriptedPull.scopes[1].since == datetime.now(UTC).date() - timedelta(days=3)
