"""Engine, session factory and unit of work; built by create_app, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from plugin.store.uow import UnitOfWork, watch_rollbacks

CONNECT_TIMEOUT_S = 10


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back otherwise.

        Effects queued on it with ``plugin.store.uow.after_commit`` run after that commit.
        """
        with UnitOfWork(self) as uow:
            yield uow.session
            uow.commit()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - health checks report, they do not raise
            return False


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgres:// URLs would ask for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_database(url: str, schema: str | None = None) -> Database:
    """Build the engine for ``url``; ``schema`` pins PostgreSQL's search_path (tests use it)."""
    url = normalise_url(url)
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif url.startswith("postgresql"):
        # A database that is down must answer 503 soon (docs/hardening.md#database-down).
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if schema:
            kwargs["connect_args"]["options"] = f"-csearch_path={schema}"
    elif schema:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    if url.startswith("postgresql"):
        # Each checkout tests its connection first, so the pool recovers by itself after an outage.
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    sessions = sessionmaker(engine, expire_on_commit=False)
    watch_rollbacks(sessions)
    return Database(engine=engine, sessions=sessions)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web workers read while the job worker writes; FKs are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still never corrupts the database; it only skips the fsync per commit
    # (sqlite.org/pragma.html#pragma_synchronous), which made a commit cost more than a request.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
