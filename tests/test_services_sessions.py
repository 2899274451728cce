"""sync_session: a session a tracker edits is brought up to date in place, never stored twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hostkit import Host, host_config
from sqlalchemy import func, select

from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.formats import session as session_format
from plugin.schemas.sessions import ExerciseDoneSchema
from plugin.services.sessions import EXERCISES_DONE, sync_session
from plugin.store.installations import by_client_key
from plugin.store.sessions import SessionRow

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 20, 0, tzinfo=BERLIN)
MORNING = datetime(2026, 11, 20, 7, 30, tzinfo=BERLIN)


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def installation_id(client, db):
    host = Host(client)
    assert host.install().status_code == 201
    with db.unit_of_work() as session:
        return by_client_key(session, host.client_key).id


def stored(db, installation_id):
    with db.unit_of_work() as session:
        rows = session.scalars(select(SessionRow).where(SessionRow.installation_id == installation_id))
        return [(r.id, r.duration_s, r.notes, r.pain) for r in rows]


def test_a_first_report_is_created_a_repeat_is_unchanged(db, installation_id):
    done = CompletedSession("wger", "41", "daily-hamstring", MORNING, 300)
    with db.unit_of_work() as session:
        _, outcome = sync_session(session, installation_id, done, {"id": 41}, now=NOW)
    assert outcome == "created"
    with db.unit_of_work() as session:
        _, outcome = sync_session(session, installation_id, done, {"id": 41}, now=NOW)
    assert outcome == "unchanged"
    assert len(stored(db, installation_id)) == 1


def test_an_edit_updates_the_same_record(db, installation_id):
    with db.unit_of_work() as session:
        first, _ = sync_session(
            session,
            installation_id,
            CompletedSession("wger", "41", "daily-hamstring", MORNING, 300),
            None,
            NOW,
        )
        first_id = first.id
    edited = CompletedSession("wger", "41", "daily-hamstring", MORNING, 600, pain=2, notes="and the evening")
    with db.unit_of_work() as session:
        row, outcome = sync_session(session, installation_id, edited, {"id": 41, "logs": 2}, now=NOW)
    assert outcome == "updated" and row.id == first_id
    assert stored(db, installation_id) == [(first_id, 600, "and the evening", 2)]


def test_an_edit_that_breaks_a_rule_changes_nothing(db, installation_id):
    with db.unit_of_work() as session:
        sync_session(session, installation_id, CompletedSession("wger", "41", None, MORNING, 300), None, NOW)
    before = stored(db, installation_id)
    with pytest.raises(ValueError), db.unit_of_work() as session:
        sync_session(session, installation_id, CompletedSession("wger", "41", None, MORNING, -5), None, NOW)
    assert stored(db, installation_id) == before
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(SessionRow)) == 1


SAMPLES = [
    ExerciseDone("lying-hamstring", 1, 3, 30, None, "left"),
    ExerciseDone("standing-trunk-rotation", None, None, None, 180, None),
    ExerciseDone("fit:plank/0", 2, None, None, 45, "right"),
]


def test_the_stored_exercises_read_back_as_the_schema_reads_them():
    written = EXERCISES_DONE.dump(SAMPLES)
    assert session_format.exercises_done(written) == tuple(ExerciseDoneSchema(many=True).load(written))
    assert session_format.exercises_done(written) == tuple(SAMPLES)
