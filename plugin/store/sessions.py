"""Completed sessions, stored once per (installation, source, source id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin import clock
from plugin.catalog.model import CompletedSession
from plugin.formats import session as session_format
from plugin.ids import new_id
from plugin.store.tables import Base, utc


class SessionRow(Base):
    __tablename__ = "completed_sessions"
    # The idempotency key of the design: a source's own id is unique within an installation.
    __table_args__ = (
        UniqueConstraint("installation_id", "source", "source_id", name="uq_session_source"),
        # Windowed reads (adherence, /sessions?from&to, the feed's done marks): migration 0004.
        Index("ix_completed_sessions_installation_started", "installation_id", "started_at"),
        # The high pain scores a plan's progression acts on (pain_reports): migration 0007.
        Index("ix_completed_sessions_installation_pain", "installation_id", "pain", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    installation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("installations.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(200))
    routine_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_s: Mapped[int] = mapped_column(Integer)
    exercises: Mapped[list] = mapped_column(JSON, default=list)
    pain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # pain at or above the stop level
    raw_json: Mapped[dict | list | None] = mapped_column(JSON, nullable=True)
    raw_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


# Built once: every import runs this lookup, and building a statement costs more than running it.
_BY_SOURCE = select(SessionRow).where(
    SessionRow.installation_id == bindparam("installation_id"),
    SessionRow.source == bindparam("source"),
    SessionRow.source_id == bindparam("source_id"),
)


def by_source(session: Session, installation_id: str, source: str, source_id: str) -> SessionRow | None:
    params = {"installation_id": installation_id, "source": source, "source_id": source_id}
    return session.scalars(_BY_SOURCE, params).first()


def get_for(session: Session, installation_id: str, session_id: str) -> SessionRow | None:
    row = session.get(SessionRow, session_id)
    return row if row is not None and row.installation_id == installation_id else None


def between(
    session: Session,
    installation_id: str,
    start: datetime | None,
    end: datetime | None,
    routine_id: str | None = None,
) -> list[SessionRow]:
    query = select(SessionRow).where(SessionRow.installation_id == installation_id)
    # Bounds in UTC: that is how started_at is stored (SQLite keeps no offset).
    if start is not None:
        query = query.where(SessionRow.started_at >= start.astimezone(UTC))
    if end is not None:
        query = query.where(SessionRow.started_at < end.astimezone(UTC))
    if routine_id is not None:
        query = query.where(SessionRow.routine_id == routine_id)
    return list(session.scalars(query.order_by(SessionRow.started_at)))


def source_ids(session: Session, installation_id: str, source: str, start: datetime | None) -> set[str]:
    """The source ids of one source's sessions that started at or after ``start`` (all with None)."""
    query = select(SessionRow.source_id).where(
        SessionRow.installation_id == installation_id, SessionRow.source == source
    )
    if start is not None:
        query = query.where(SessionRow.started_at >= start.astimezone(UTC))
    return set(session.scalars(query))


# What a feed's done marks and the adherence counts need of a session: no raw payload (a
# tracker's JSON can be large and would be decoded for every row), no ORM identity map.
_WINDOW_COLUMNS = (
    SessionRow.id,
    SessionRow.source,
    SessionRow.source_id,
    SessionRow.routine_id,
    SessionRow.started_at,
    SessionRow.duration_s,
    SessionRow.exercises,
    SessionRow.pain,
    SessionRow.notes,
    SessionRow.flagged,
)
_SINCE = (
    select(*_WINDOW_COLUMNS)
    .where(SessionRow.installation_id == bindparam("installation_id"))
    .where(SessionRow.started_at >= bindparam("start"))
    .order_by(SessionRow.started_at)
)
_WINDOW = _SINCE.where(SessionRow.started_at < bindparam("end"))


def window(
    session: Session, installation_id: str, start: datetime, end: datetime | None = None
) -> list[Row[Any]]:
    """The installation's sessions from ``start`` (to ``end``, exclusive), oldest first.

    One range scan of the (installation_id, started_at) index, whatever the history around
    it; each row has the columns ``completed`` reads, plus ``id`` and ``flagged``.
    """
    params = {"installation_id": installation_id, "start": start.astimezone(UTC)}
    if end is None:
        return list(session.execute(_SINCE, params))
    return list(session.execute(_WINDOW, {**params, "end": end.astimezone(UTC)}))


# The same window for the feed, with the start time and the exercises left undecoded by
# SQLAlchemy: its SQLite date-time parser (a regular expression) and JSON processor cost more
# than the rest of a done mark; datetime.fromisoformat and json.loads do the same in C.
_FEED_WINDOW = (
    select(
        SessionRow.id,
        SessionRow.source,
        SessionRow.source_id,
        SessionRow.routine_id,
        type_coerce(SessionRow.started_at, String),
        SessionRow.duration_s,
        type_coerce(SessionRow.exercises, Text),
        SessionRow.pain,
        SessionRow.notes,
    )
    .where(SessionRow.installation_id == bindparam("installation_id"))
    .where(SessionRow.started_at >= bindparam("start", type_=SessionRow.started_at.type))
    .order_by(SessionRow.started_at)
)


def _moment(value: Any) -> datetime:
    # SQLite hands back SQLAlchemy's text ("2026-11-22 06:02:00.000000", UTC), PostgreSQL a datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def completed_since(
    session: Session, installation_id: str, start: datetime
) -> list[tuple[str, CompletedSession]]:
    """(id, session) of the installation's sessions from ``start`` on, oldest first.

    One range scan of the (installation_id, started_at) index, whatever the history before it.
    """
    rows = session.execute(_FEED_WINDOW, {"installation_id": installation_id, "start": start.astimezone(UTC)})
    return [
        (
            row_id,
            CompletedSession(
                source,
                source_id,
                routine_id,
                _moment(started_at),
                duration_s,
                # psycopg decodes JSON columns itself; sqlite3 returns the text.
                session_format.exercises_done(
                    json.loads(exercises) if isinstance(exercises, str) else exercises
                ),
                pain,
                notes or "",
            ),
        )
        for row_id, source, source_id, routine_id, started_at, duration_s, exercises, pain, notes in rows
    ]


_UNIQUE = ["installation_id", "source", "source_id"]
# A declarative class's __table__ is its Table (SQLAlchemy types it as any FromClause).
_SESSIONS = cast(Table, SessionRow.__table__)
# Built once per dialect: INSERT … ON CONFLICT DO NOTHING on the idempotency key, so concurrent
# imports of one session store one row and neither fails (PostgreSQL, and SQLite >= 3.24).
_INSERT_ONCE = {
    "postgresql": postgresql.insert(_SESSIONS).on_conflict_do_nothing(index_elements=_UNIQUE),
    "sqlite": sqlite.insert(_SESSIONS).on_conflict_do_nothing(index_elements=_UNIQUE),
}


def insert_once(session: Session, values: dict) -> bool:
    """Insert a session unless one with its (installation, source, source id) exists; True if inserted."""
    connection = session.connection()
    # Other databases: a plain INSERT; the unique constraint still refuses a second row.
    statement = _INSERT_ONCE.get(connection.dialect.name, insert(_SESSIONS))
    # SQLAlchemy 2 reports an INSERT's rowcount only when asked to (-1 otherwise on psycopg).
    result = connection.execute(statement.execution_options(preserve_rowcount=True), values)
    return result.rowcount == 1


def completed(row: Any) -> CompletedSession:
    """A stored record (a SessionRow, or a row of its columns) as the domain model."""
    return session_format.from_dict(
        {
            "source": row.source,
            "source_id": row.source_id,
            "routine": row.routine_id,
            "started_at": utc(row.started_at),
            "duration_s": row.duration_s,
            "exercises": row.exercises,
            "pain": row.pain,
            "notes": row.notes,
        }
    )


def pain_reports(
    session: Session, installation_id: str, start: datetime, high: int, low: int, reach: timedelta
) -> list[tuple[Any, ...]]:
    """The pain scores a plan's progression can act on, from ``start``, oldest first.

    Tuples of (id, started_at, pain, routine_id, previous_pain): every session with pain
    ``high`` or more, with the pain of the scored session before it, and the sessions
    with pain ``low`` or less within ``reach`` after one of them (previous_pain None).
    The rest of a long history cannot change a plan (plugin.catalog.progress), so it is
    never read into Python: the database filters the (installation_id, started_at) range.
    """
    base = (
        select(SessionRow.id, SessionRow.started_at, SessionRow.pain, SessionRow.routine_id)
        .where(SessionRow.installation_id == installation_id)
        .where(SessionRow.started_at >= start.astimezone(UTC))
    )
    # No ORDER BY: SQLite would then walk the (installation_id, started_at) index instead.
    highs = sorted(
        session.execute(base.where(SessionRow.pain >= high)), key=lambda row: _moment(row.started_at)
    )
    if not highs:
        return []
    # The score just before each (few rows, each one step back along the index).
    before = (
        select(SessionRow.pain)
        .where(SessionRow.installation_id == installation_id)
        .where(SessionRow.pain.is_not(None))
        .order_by(SessionRow.started_at.desc())
        .limit(1)
    )
    reports: list[tuple[Any, ...]] = [
        (*row, session.scalar(before.where(SessionRow.started_at < row.started_at))) for row in highs
    ]
    spans: list[tuple[datetime, datetime]] = []
    for row in highs:
        began = utc(row.started_at)
        assert began is not None
        if spans and began <= spans[-1][1]:
            spans[-1] = (spans[-1][0], began + reach)
        else:
            spans.append((began, began + reach))
    lows = session.execute(
        base.where(SessionRow.pain <= low).where(
            or_(*(SessionRow.started_at.between(a, b) for a, b in spans))
        )
    )
    reports += [(*row, None) for row in lows]
    return sorted(reports, key=lambda report: _moment(report[1]))
