"""Two first marks of a calendar at once (a double click that reaches two workers): one record.

PostgreSQL only: there the second transaction waits on the first one's row and then goes on
(on SQLite writers take turns, so the race cannot happen).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from test_pages_done import BASE, done_link, subscribe

from plugin.config import keyring, secret_key
from plugin.services import calendar_done, done_links
from plugin.store.calendars import CalendarRow
from plugin.store.installations import InstallationRow
from plugin.store.sessions import SessionRow


@pytest.fixture
def app_config(database_config):
    return {"TESTING": True, "BASE_URL": BASE, "SECRET_KEY": "k1-" + "a" * 40, **database_config}


def test_two_first_marks_at_once_give_the_calendar_one_installation_and_one_session(app, client, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a race only PostgreSQL lets two writers run")
    _, _, calendar_id, routine_id, signature = done_link(client, subscribe(client)).split("/")
    keys, ring = done_links.keys_from(secret_key(app)), keyring(app)
    with db.unit_of_work() as session:
        occurrence = calendar_done.done_page(session, keys, calendar_id, routine_id, signature).chosen.value

    def mark(pain: str) -> None:
        with db.unit_of_work() as session:
            calendar_done.record_done(
                session,
                keys,
                ring,
                calendar_id,
                routine_id,
                signature,
                occurrence=occurrence,
                pain=pain,
                notes="",
            )

    failures: list[BaseException] = []

    def second() -> None:
        try:
            mark("3")
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    with db.unit_of_work() as first:
        calendar_done.record_done(
            first, keys, ring, calendar_id, routine_id, signature, occurrence=occurrence, pain="2", notes=""
        )
        other = threading.Thread(target=second)
        other.start()
        # Commit only once the second one waits on a lock the first one holds.
        with db.engine.connect() as watch:
            while (
                other.is_alive()
                and not watch.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query ILIKE '%INSERT INTO installations%'"
                    )
                ).scalar()
            ):
                watch.rollback()
    other.join()
    assert failures == []
    with db.unit_of_work() as session:
        installations = session.scalars(select(InstallationRow.id)).all()
        sessions = session.scalars(select(SessionRow)).all()
        calendar = session.get(CalendarRow, calendar_id)
        assert len(installations) == 1
        assert calendar.installation_id == installations[0]
        assert [(s.installation_id, s.pain) for s in sessions] == [(installations[0], 3)]
        assert session.scalar(select(func.count()).select_from(SessionRow)) == 1
