"""Run Alembic migrations programmatically against the app's engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; there two first starts may race
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), one process at a time."""
    with _one_at_a_time(engine):
        # Alembic reads the stored revision inside the lock, so a process that waited
        # for another one's upgrade finds nothing left to do.
        command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    """True when the schema is at the newest revision: one read of ``alembic_version``."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def ensure_current(engine: Engine) -> None:
    """Upgrade to the newest revision unless the schema is there already."""
    if not is_current(engine):
        upgrade(engine)


def downgrade(engine: Engine, revision: str) -> None:
    with _one_at_a_time(engine):
        command.downgrade(alembic_config(engine), revision)


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """Serialise migrations of one database across processes (two commands started at once).

    Without this, both see an empty schema and the second fails on CREATE TABLE.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    elif engine.dialect.name == "sqlite":
        with _file_lock(engine.url.database):
            yield
    else:
        yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    # A session-level advisory lock (PostgreSQL docs §13.3.5) held on a connection of its own
    # while Alembic migrates on another; it is released when that connection ends, even on a
    # crash. Keyed per schema so that databases in different schemas migrate independently.
    key = "hashtext('stretchsync.migrate.' || current_schema())"
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock({key})"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({key})"))
            conn.commit()


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    # A lock file beside the database: SQLite's own locks are per transaction, and pysqlite
    # runs DDL outside one, so they cannot hold a whole migration.
    try:
        handle = open(database + ".migrate-lock", "a")
    except OSError:
        # No such folder, or not writable: SQLite says so in its own words when it connects.
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
