"""The unit of work: effects run after a successful commit, in order, and never after a rollback."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from plugin.store import uow
from plugin.store.tables import CustomRoutineRow
from plugin.store.uow import UnitOfWork


def routine(routine_id: str) -> CustomRoutineRow:
    return CustomRoutineRow(id=routine_id, name=routine_id, description="", spec={})


def stored(db) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(CustomRoutineRow.id).order_by(CustomRoutineRow.id)).scalars())


def test_effects_run_after_the_commit_in_the_order_queued(db):
    seen: list[tuple[str, list[str]]] = []
    with db.unit_of_work() as session:
        session.add(routine("r-1"))
        session.flush()
        uow.after_commit(session, lambda: seen.append(("first", stored(db))))
        uow.after_commit(session, lambda: seen.append(("second", stored(db))))
        assert seen == []  # nothing runs while the transaction is open
    # Each effect already sees the committed row from another connection.
    assert seen == [("first", ["r-1"]), ("second", ["r-1"])]


def test_effects_run_with_no_transaction_open_on_the_session(db):
    open_during: list[bool] = []
    with db.unit_of_work() as session:
        session.add(routine("r-1"))
        uow.after_commit(session, lambda: open_during.append(session.in_transaction()))
    assert open_during == [False]


def test_an_exception_rolls_back_and_drops_the_effects(db):
    ran: list[str] = []
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        session.add(routine("r-1"))
        uow.after_commit(session, lambda: ran.append("effect"))
        raise RuntimeError("the use case failed")
    assert ran == []
    assert stored(db) == []


def test_a_rollback_on_the_session_itself_drops_the_effects(db):
    # web/signing.py rolls back a refused call on the session and then leaves the block cleanly.
    ran: list[str] = []
    with db.unit_of_work() as session:
        session.add(routine("r-1"))
        uow.after_commit(session, lambda: ran.append("dropped"))
        session.rollback()
        session.add(routine("r-2"))
        uow.after_commit(session, lambda: ran.append("kept"))
    assert ran == ["kept"]
    assert stored(db) == ["r-2"]


def test_a_savepoint_rollback_keeps_the_effects_of_the_transaction(db):
    ran: list[str] = []
    with db.unit_of_work() as session:
        session.add(routine("r-1"))
        uow.after_commit(session, lambda: ran.append("kept"))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(routine("r-2"))
            raise RuntimeError("only the savepoint is undone")
    assert ran == ["kept"]
    assert stored(db) == ["r-1"]


def test_a_failing_effect_leaves_the_data_committed_and_the_next_effect_runs(db, caplog):
    ran: list[str] = []

    def fails() -> None:
        raise ConnectionError("the calendar server is down")

    with caplog.at_level(logging.ERROR, logger="plugin.store.uow"), db.unit_of_work() as session:
        session.add(routine("r-1"))
        uow.after_commit(session, fails)
        uow.after_commit(session, lambda: ran.append("next"))
    assert stored(db) == ["r-1"]
    assert ran == ["next"]
    assert "the calendar server is down" in caplog.text


def test_nothing_is_committed_unless_commit_is_called(db):
    ran: list[str] = []
    with UnitOfWork(db) as work:
        work.session.add(routine("r-1"))
        work.after_commit(lambda: ran.append("effect"))
    assert stored(db) == [] and ran == []
    with UnitOfWork(db) as work:
        work.session.add(routine("r-2"))
        work.after_commit(lambda: ran.append("effect"))
        work.commit()
        assert work.committed
    assert stored(db) == ["r-2"] and ran == ["effect"]


def test_a_session_made_elsewhere_has_no_unit_of_work(db):
    with db.sessions() as session, pytest.raises(LookupError):
        uow.after_commit(session, lambda: None)
