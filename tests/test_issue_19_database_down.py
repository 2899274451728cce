"""Issue 19, finding 9: a database that is down. Every route answers 503 problem+json with
Retry-After, /healthz answers 503, every command says so in one line, and all of it recovers by
itself once the database is back. Down for real: a SQLite file in a folder not there yet, and
a TCP proxy in front of the real PostgreSQL that the test stops and starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostkit import PLAN, Host, host_config, session_body
from sqlalchemy import create_engine, text

from plugin import create_app
from plugin.store import migrate
from plugin.store.db import normalise_url

POSTGRES = os.environ.get("PLUGIN_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """Forwards a loopback port to PostgreSQL; stop() drops every connection and the listener."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the proxy is down
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone leaves it listening (Linux).
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()


def _postgres_target() -> tuple[str, int]:
    url = create_engine(normalise_url(POSTGRES)).url
    return url.host or "127.0.0.1", url.port or 5432


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A schema of its own on the real PostgreSQL (skipped where none runs)."""
    admin = create_engine(normalise_url(POSTGRES))
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL to put a proxy in front of: {err}")
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert "database" in response.get_json()["detail"]


def every_kind_of_route(client, host: Host, token: str) -> list:
    """One call of each kind: public reads and writes, the feed, a page, a form, signed hooks."""
    return [
        client.get("/routines"),
        client.post("/routines", json={"name": "x", "exercises": [{"exercise": "lying-hamstring"}]}),
        client.post("/calendars", json=PLAN),
        client.get(f"/calendars/{token}"),
        client.get(f"/calendars/{token}.ics"),
        client.patch(f"/calendars/{token}", json={"name": "y"}),
        client.get("/"),
        client.post(
            "/subscribe",
            data={"routines": "daily-hamstring", "days": "mo", "times": "07:30", "timezone": "UTC"},
        ),
        host.import_session(session_body("while-down")),
        host.export(["daily-hamstring"]),
        host.call("GET", "/sessions"),
    ]


def _up_and_used(client) -> tuple[Host, str]:
    host = Host(client)
    assert host.install().status_code == 201
    created = client.post("/calendars", json=PLAN)
    assert created.status_code == 201
    return host, created.get_json()["token"]


def test_postgres_behind_a_proxy_down_then_back(pg_schema, tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("PLUGIN_"):
            monkeypatch.delenv(key)
    proxy = TcpProxy(_postgres_target())
    proxy.start()
    url = create_engine(normalise_url(POSTGRES)).url.set(host="127.0.0.1", port=proxy.port)
    config = host_config(
        {"DATABASE_URL": url.render_as_string(hide_password=False), "DATABASE_SCHEMA": pg_schema}, tmp_path
    )
    app = create_app(config)
    migrate.upgrade(app.extensions["stretchsync.db"].engine)
    client = app.test_client()
    try:
        host, token = _up_and_used(client)
        assert client.get("/healthz").status_code == 200

        proxy.stop()
        health = client.get("/healthz")
        assert_unavailable(health)
        assert health.get_json()["database"] is False
        for response in every_kind_of_route(client, host, token):
            assert_unavailable(response)

        proxy.start()  # back: no restart of the app, the pool reconnects by itself
        assert client.get("/healthz").status_code == 200
        assert client.get("/routines").status_code == 200
        assert client.get(f"/calendars/{token}.ics").status_code == 200
        assert host.import_session(session_body("after")).status_code == 201
    finally:
        proxy.stop()
        app.extensions["stretchsync.db"].engine.dispose()


def test_sqlite_in_a_folder_not_there_yet_then_made(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("PLUGIN_"):
            monkeypatch.delenv(key)
    folder = tmp_path / "not-yet"
    app = create_app(host_config({"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}"}, tmp_path))
    client = app.test_client()
    assert_unavailable(client.get("/healthz"))
    host = Host(client)
    assert_unavailable(host.install())
    for response in every_kind_of_route(client, host, "no-such-token"):
        assert_unavailable(response)

    folder.mkdir()
    migrate.upgrade(app.extensions["stretchsync.db"].engine)
    assert client.get("/healthz").status_code == 200
    host, token = _up_and_used(client)
    assert client.get(f"/calendars/{token}.ics").status_code == 200


@pytest.mark.parametrize(
    "command",
    [["db", "upgrade"], ["sessions", "some-key"], ["install", "host", "--base-url", "http://h"], ["worker"]],
)
def test_every_command_says_so_in_one_line(tmp_path: Path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env["PLUGIN_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    result = subprocess.run(
        [sys.executable, "-c", "from plugin.cli import main; main()", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 69, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stretchsync: cannot reach the database"), result.stderr
    assert "Traceback" not in result.stderr
