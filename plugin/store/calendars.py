"""Calendar subscriptions: the table and its repository.

A subscription is found by the SHA-256 of its token (the token itself is never
stored). The rendered feed, its ETag and Last-Modified are kept on the row and
rebuilt when the plan changes, so a conditional GET is one indexed lookup.
A revoked row keeps only its token hash and revocation time, to answer 410.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    bindparam,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin.store.tables import Base


def utc(value: datetime | None) -> datetime | None:
    """Read a stored time as aware UTC (SQLite hands back naive values)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CalendarRow(Base):
    __tablename__ = "calendars"

    # Public id: part of every event UID, so it must never be the token.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    installation_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    # routines, days, times, timezone, reminders, start, name: the plan as the API took it.
    spec: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    feed_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    feed_etag: Mapped[str | None] = mapped_column(String(80), nullable=True)
    feed_modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Which renderer and catalog built feed_body; another value means "render again".
    feed_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    caldav_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    caldav_username: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caldav_password: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet token
    caldav_resources: Mapped[list | None] = mapped_column(JSON, nullable=True)  # resource URLs written
    caldav_pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def add(session: Session, row: CalendarRow) -> CalendarRow:
    session.add(row)
    session.flush()
    return row


def by_token_hash(session: Session, token_hash: str) -> CalendarRow | None:
    return session.scalars(select(CalendarRow).where(CalendarRow.token_hash == token_hash)).first()


def by_id(session: Session, calendar_id: str) -> CalendarRow | None:
    return session.get(CalendarRow, calendar_id)


def of_installation(session: Session, installation_id: str) -> list[CalendarRow]:
    query = select(CalendarRow).where(
        CalendarRow.installation_id == installation_id, CalendarRow.revoked_at.is_(None)
    )
    return list(session.scalars(query.order_by(CalendarRow.created_at)))


# A conditional GET runs the first, small lookup (plain strings, no date or JSON decoding)
# and nothing else; only an answer with a body reads the second.
_VALIDATORS = select(
    CalendarRow.feed_etag,
    CalendarRow.revoked_at.is_not(None),
    CalendarRow.feed_fingerprint,
).where(CalendarRow.token_hash == bindparam("token_hash"))
_BODY = select(CalendarRow.feed_modified, CalendarRow.feed_body, CalendarRow.spec).where(
    CalendarRow.token_hash == bindparam("token_hash")
)


@dataclass(frozen=True)
class FeedValidators:
    etag: str | None
    revoked: bool
    fingerprint: str | None


@dataclass(frozen=True)
class FeedBody:
    modified: datetime | None
    body: bytes | None
    name: str


@lru_cache(maxsize=8)
def _driver_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    compiled = _VALIDATORS.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


def feed_validators(engine: Engine, token_hash: str) -> FeedValidators | None:
    """The stored feed's ETag, whether it is revoked, and which renderer made it.

    Every subscribed calendar client polls this, so it runs the statement, compiled once
    per dialect, on a pooled DBAPI connection: a quarter of the cost of a Core execute
    (bench/feed.py). The values are plain strings and a flag; no type processing is skipped.
    """
    sql, positions = _driver_sql(engine.dialect)
    params = tuple(token_hash for _ in positions) if positions is not None else {"token_hash": token_hash}
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        conn.close()  # back to the pool, which rolls back
    return None if row is None else FeedValidators(row[0], bool(row[1]), row[2])


def feed_body(conn: Connection, token_hash: str) -> FeedBody | None:
    """The stored feed's bytes, Last-Modified and the plan's name (for the file name)."""
    row = conn.execute(_BODY, {"token_hash": token_hash}).first()
    return None if row is None else FeedBody(utc(row[0]), row[1], (row[2] or {}).get("name", ""))
