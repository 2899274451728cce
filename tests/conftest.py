"""Fixtures: a fresh, migrated database per test on SQLite, or on PostgreSQL when
PLUGIN_DATABASE_URL points at one (each test then gets its own schema)."""

from __future__ import annotations

import os
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import Pool

from plugin import create_app
from plugin.store import migrate
from plugin.store.db import normalise_url

POSTGRES_URL = os.environ.get("PLUGIN_DATABASE_URL", "")
# Tracker clients used without an app read the policy from the environment: the suite's
# peers are all on loopback (plugin/outbound.py; tests/test_outbound.py turns it off).
os.environ.setdefault("PLUGIN_ALLOW_PRIVATE_HOSTS", "true")


def _is_postgres() -> bool:
    return normalise_url(POSTGRES_URL).startswith("postgresql")


@pytest.fixture
def database_config(tmp_path) -> Iterator[dict]:
    """Config keys that point the app at an empty database of its own."""
    if not _is_postgres():
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}"}
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"DATABASE_URL": POSTGRES_URL, "DATABASE_SCHEMA": schema}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app_config(database_config, tmp_path) -> dict:
    """Override in a test module to add keys; the database keys stay."""
    return {"TESTING": True, **database_config}


@pytest.fixture
def app(app_config, tmp_path, monkeypatch) -> Iterator[Flask]:
    # Environment PLUGIN_* variables must not leak into the tests' own config.
    for key in list(os.environ):
        if key.startswith("PLUGIN_"):
            monkeypatch.delenv(key)
    # Every peer of the suite listens on loopback; tests of the guard itself turn this off.
    monkeypatch.setenv("PLUGIN_ALLOW_PRIVATE_HOSTS", "true")
    application = create_app(app_config)
    application.instance_path = str(tmp_path / "instance")
    db = application.extensions["stretchsync.db"]
    migrate.upgrade(db.engine)
    yield application
    db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class StretchsyncRunner(FlaskCliRunner):
    """Invokes the `stretchsync` command group (not app.cli) against the test app."""

    def invoke(self, cli=None, args=None, **kwargs):  # type: ignore[override]
        from plugin.cli import main

        return super().invoke(cli or main, args, **kwargs)


@pytest.fixture
def runner(app):
    return StretchsyncRunner(app)


@pytest.fixture
def db(app):
    return app.extensions["stretchsync.db"]


@pytest.fixture(scope="session")
def wger_server():
    """A real wger 2.1 on loopback for the whole run (see tests/peer_wger.py)."""
    import peer_wger

    if not peer_wger.SCRIPT.exists():
        message = f"wger launcher not found at {peer_wger.SCRIPT} (set STRETCHSYNC_WGER_SCRIPT)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = peer_wger.start()
    yield server
    server.remove()


# --- no network call while a database transaction is open ---------------------------------------
# A session holds a pooled connection exactly while its transaction is open, so a thread that
# sends an HTTP request while it holds one is calling out from inside a transaction.
_HELD: Counter[int] = Counter()  # thread id -> pooled connections it holds now


@event.listens_for(Pool, "checkout")
def _note_checkout(dbapi_conn, record, proxy) -> None:  # type: ignore[no-untyped-def]
    record.info["held_by"] = threading.get_ident()
    _HELD[record.info["held_by"]] += 1


@event.listens_for(Pool, "checkin")
def _note_checkin(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    holder = record.info.pop("held_by", None)
    if holder is not None:
        _HELD[holder] -= 1


@pytest.fixture(autouse=True)
def no_network_call_in_a_transaction(monkeypatch) -> Iterator[None]:
    """Fail any test in which an HTTP request leaves a thread that holds a database connection."""
    caught: list[str] = []
    send = HTTPAdapter.send

    def watched(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if _HELD[threading.get_ident()] > 0:
            where = "".join(traceback.format_stack(limit=14)[:-1])
            caught.append(f"{request.method} {request.url} inside a transaction:\n{where}")
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", watched)
    yield
    assert not caught, "\n".join(caught)
