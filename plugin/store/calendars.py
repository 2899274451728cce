"""Calendar subscriptions: the table and its repository.

A subscription is found by the SHA-256 of its token (the token itself is never
stored). The rendered feed, its ETag and Last-Modified are kept on the row and
rebuilt when the plan changes, so a conditional GET is one indexed lookup.
A revoked row keeps only its token hash and revocation time, to answer 410.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    bindparam,
    false,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin.store.tables import Base, utc


class CalendarRow(Base):
    __tablename__ = "calendars"

    # Public id: part of every event UID, so it must never be the token.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    # The feed token reads; the manage token (hashed the same way) changes and revokes. Only a
    # calendar subscribed on its own has one: an installation's is changed through the installation.
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True)
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
    # Something shown in the feed changed since feed_body was rendered (a session was stored or
    # deleted): the next reader, or the worker's sweep, renders it again (services.feeds).
    feed_stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    caldav_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    caldav_username: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caldav_password: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet token
    caldav_resources: Mapped[list | None] = mapped_column(JSON, nullable=True)  # resource URLs written
    caldav_pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def add(session: Session, row: CalendarRow) -> CalendarRow:
    """Stage a new subscription (flushed, so a clash on the token hash fails here)."""
    session.add(row)
    session.flush()
    return row


def by_token_hash(session: Session, token_hash: str) -> CalendarRow | None:
    """The subscription whose token hashes to ``token_hash``, revoked or not."""
    return session.scalars(select(CalendarRow).where(CalendarRow.token_hash == token_hash)).first()


def by_manage_token_hash(session: Session, manage_token_hash: str) -> CalendarRow | None:
    """The subscription whose manage token hashes to ``manage_token_hash``, revoked or not."""
    query = select(CalendarRow).where(CalendarRow.manage_token_hash == manage_token_hash)
    return session.scalars(query).first()


def by_id(session: Session, calendar_id: str) -> CalendarRow | None:
    """The subscription with this public id, revoked or not."""
    return session.get(CalendarRow, calendar_id)


# Built once: every imported session asks for its installation's calendar.
_OF_INSTALLATION = (
    select(CalendarRow)
    .where(CalendarRow.installation_id == bindparam("installation_id"), CalendarRow.revoked_at.is_(None))
    .order_by(CalendarRow.created_at)
)


def of_installation(session: Session, installation_id: str) -> list[CalendarRow]:
    """The live calendars a tracker installation owns, oldest first."""
    return list(session.scalars(_OF_INSTALLATION, {"installation_id": installation_id}))


# --- the stale marker ---------------------------------------------------------------------------
#
# An import marks its installation's feed stale in its own transaction; a rebuild first clears
# the mark (its own short transaction), then renders from a new snapshot, then stores the body
# only if nobody stored another one meanwhile (``store_feed``). A session whose import commits
# after the clearing sets the mark again, so no session is ever left out for good.

_MARK_STALE = (
    update(CalendarRow)
    .where(
        CalendarRow.installation_id == bindparam("owner"),
        CalendarRow.revoked_at.is_(None),
        CalendarRow.feed_stale.is_(False),
    )
    .values(feed_stale=True)
    .execution_options(synchronize_session=False)
)
# PostgreSQL (READ COMMITTED): when the mark is already set, the UPDATE above matches no row and
# takes no lock, so a rebuild could clear the mark and read the sessions before this import
# commits. A share lock makes the clearing wait for the import's commit; imports do not block
# one another with it. SQLite has one writer at a time, which gives the same order.
_LOCK_MARK = (
    select(CalendarRow.id)
    .where(CalendarRow.installation_id == bindparam("installation_id"), CalendarRow.revoked_at.is_(None))
    .with_for_update(read=True)
)


def mark_stale(session: Session, installation_id: str) -> bool:
    """Mark the feed of the installation's calendar stale; True when this call set the mark.

    Cheap when repeated: once the mark is set, an import writes nothing to the calendar row.
    """
    result = cast(CursorResult, session.execute(_MARK_STALE, {"owner": installation_id}))
    if result.rowcount:
        return True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_MARK, {"installation_id": installation_id}).all()
    return False


def clear_stale(session: Session, calendar_id: str, only_if_stale: bool) -> str | None:
    """Clear the mark before a rebuild; the stored ETag the rebuild may replace, None if no rebuild.

    ``only_if_stale`` (the worker's sweep): do nothing when another rebuild already cleared it.
    """
    statement = update(CalendarRow).where(CalendarRow.id == calendar_id, CalendarRow.revoked_at.is_(None))
    if only_if_stale:
        statement = statement.where(CalendarRow.feed_stale.is_(True))
    cleared = statement.values(feed_stale=False).execution_options(synchronize_session=False)
    result = cast(CursorResult, session.execute(cleared))
    if not result.rowcount:
        return None
    etag = session.scalar(select(CalendarRow.feed_etag).where(CalendarRow.id == calendar_id))
    return etag or ""


def store_feed(
    session: Session,
    calendar_id: str,
    replaces: str,
    body: bytes,
    etag: str,
    modified: datetime,
    fingerprint: str,
) -> bool:
    """Store a rebuilt feed unless the stored one is no longer the ``replaces`` ETag; True if stored.

    A plan change or a newer rebuild that stored first wins: an older snapshot never overwrites it.
    """
    etag_now = CalendarRow.feed_etag == replaces if replaces else CalendarRow.feed_etag.is_(None)
    result = cast(
        CursorResult,
        session.execute(
            update(CalendarRow)
            .where(CalendarRow.id == calendar_id, CalendarRow.revoked_at.is_(None), etag_now)
            .values(feed_body=body, feed_etag=etag, feed_modified=modified, feed_fingerprint=fingerprint)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(result.rowcount)


def set_stale(session: Session, calendar_id: str) -> None:
    """Mark one calendar's feed stale again (a rebuild whose body was not stored)."""
    session.execute(
        update(CalendarRow)
        .where(CalendarRow.id == calendar_id, CalendarRow.revoked_at.is_(None))
        .values(feed_stale=True)
        .execution_options(synchronize_session=False)
    )


def stale_ids(session: Session, limit: int) -> list[str]:
    """Ids of live calendars whose feed is marked stale (the sweep rebuilds them)."""
    query = (
        select(CalendarRow.id)
        .where(CalendarRow.feed_stale.is_(True), CalendarRow.revoked_at.is_(None))
        .limit(limit)
    )
    return list(session.scalars(query))


# A conditional GET runs the first, small lookup (plain strings, no date or JSON decoding)
# and nothing else; only an answer with a body reads the second.
_VALIDATORS = select(
    CalendarRow.feed_etag,
    CalendarRow.revoked_at.is_not(None),
    CalendarRow.feed_fingerprint,
    CalendarRow.feed_stale,
    CalendarRow.id,
).where(CalendarRow.token_hash == bindparam("token_hash"))
_BODY = select(CalendarRow.feed_modified, CalendarRow.feed_body, CalendarRow.spec).where(
    CalendarRow.token_hash == bindparam("token_hash")
)


@dataclass(frozen=True)
class FeedValidators:
    etag: str | None
    revoked: bool
    fingerprint: str | None
    stale: bool
    calendar_id: str


@dataclass(frozen=True)
class FeedBody:
    modified: datetime | None
    body: bytes | None
    name: str


@lru_cache(maxsize=8)
def _driver_sql(dialect: Dialect, statement: str) -> tuple[str, tuple[str, ...] | None]:
    compiled = {"validators": _VALIDATORS, "body": _BODY}[statement].compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


def _run(cursor: Any, dialect: Dialect, statement: str, token_hash: str) -> Any:
    sql, positions = _driver_sql(dialect, statement)
    params = tuple(token_hash for _ in positions) if positions is not None else {"token_hash": token_hash}
    if statement == "body" and dialect.name == "postgresql":
        # psycopg 3: the body as raw bytes, not bytea's hex text (twice the size, then decoded);
        # a feed with a window of history is about 120 KiB.
        cursor.execute(sql, params, binary=True)
    else:
        cursor.execute(sql, params)
    return cursor.fetchone()


def _as_utc(value: Any) -> datetime | None:
    # PostgreSQL hands back a datetime, SQLite the text SQLAlchemy stored ("2026-11-22 04:10:55.000000").
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _plan_name(spec: Any) -> str:
    # psycopg decodes JSON columns, sqlite3 returns the text.
    spec = json.loads(spec) if isinstance(spec, str | bytes) else spec
    return (spec or {}).get("name", "")


def read_feed(
    engine: Engine, token_hash: str, wants_body: Callable[[FeedValidators], bool]
) -> tuple[FeedValidators | None, FeedBody | None]:
    """The stored feed's validators and, when ``wants_body`` says so, its bytes.

    Every subscribed calendar client polls this, so both statements (compiled once per
    dialect) run on one pooled DBAPI connection: a quarter of the cost of a Core execute,
    and one pool checkout (bench/feed.py). A 304 reads three plain columns only.
    """
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        return _read_feed(engine, token_hash, wants_body)
    except dbapi_error as err:
        # A raw DBAPI connection raises the driver's own errors: wrapped as SQLAlchemy wraps them
        # everywhere else, so a database that is down reads the same here (a 503 at the web edge).
        raise DBAPIError.instance(None, None, err, dbapi_error) from err


def _read_feed(
    engine: Engine, token_hash: str, wants_body: Callable[[FeedValidators], bool]
) -> tuple[FeedValidators | None, FeedBody | None]:
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            row = _run(cursor, engine.dialect, "validators", token_hash)
            if row is None:
                return None, None
            found = FeedValidators(row[0], bool(row[1]), row[2], bool(row[3]), row[4])
            if not wants_body(found):
                return found, None
            row = _run(cursor, engine.dialect, "body", token_hash)
        finally:
            cursor.close()
    finally:
        conn.close()  # back to the pool, which rolls back
    body = bytes(row[1]) if row[1] is not None else None
    return found, FeedBody(_as_utc(row[0]), body, _plan_name(row[2]))
