"""No transaction is open while a CalDAV server is called: a slow server stalls no other write.

A small CalDAV-speaking server on loopback (PUT and DELETE of calendar object
resources, RFC 4791 §5.3.2) records, at each request it receives, how many
database connections the app holds and what another connection can see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hostkit import Host, host_config, session_body
from sqlalchemy import select

from plugin.config import keyring
from plugin.services import caldav as caldav_service
from plugin.services import calendar_lookup
from plugin.store.calendars import CalendarRow
from plugin.store.installations import InstallationRow

USER, PASSWORD = "alice", "correct horse battery staple"
# A routine whose dose does not progress: one series, so one CalDAV resource and one DELETE.
PLAN = {"routines": ["trunk-rotation"], "times": ["07:00"], "timezone": "Europe/Berlin"}
SLOW_DELETE_S = 5.0


@dataclass
class Seen:
    method: str
    path: str
    held_connections: int  # the app's checked-out pool connections while the server works
    observed: Any  # what the test's probe saw from a connection of its own


@dataclass
class CalDavServer:
    url: str
    seen: list[Seen] = field(default_factory=list)
    resources: dict[str, bytes] = field(default_factory=dict)
    delete_delay_s: float = 0.0
    probe: Callable[[], Any] = lambda: None
    got_delete: threading.Event = field(default_factory=threading.Event)

    def methods(self) -> list[str]:
        return [s.method for s in self.seen]


@pytest.fixture
def app_config(database_config, tmp_path):
    # The calendar server runs on loopback, which only an operator's switch lets the service call.
    return host_config(database_config, tmp_path, CALDAV_ALLOW_PRIVATE_HOSTS=True)


@pytest.fixture
def caldav(db) -> Iterator[CalDavServer]:
    """A CalDAV collection at /alice/stretching/ that notes the app's open connections per request."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

        def _note(self) -> None:
            server.seen.append(Seen(self.command, self.path, db.engine.pool.checkedout(), server.probe()))

        def do_PUT(self) -> None:
            self._note()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            created = self.path not in server.resources
            server.resources[self.path] = body
            self.send_response(201 if created else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_DELETE(self) -> None:
            self._note()
            server.got_delete.set()
            time.sleep(server.delete_delay_s)
            found = server.resources.pop(self.path, None)
            self.send_response(204 if found is not None else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = CalDavServer(url=f"http://127.0.0.1:{httpd.server_port}/{USER}/stretching/")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()


def push(client, manage_token: str, collection: str):
    return client.post(
        f"/calendars/{manage_token}/caldav", json={"url": collection, "username": USER, "password": PASSWORD}
    )


def installed_with_pushed_calendar(client, caldav: CalDavServer) -> tuple[Host, str]:
    """An installation whose calendar was copied to the CalDAV server; the host and the feed token.

    An installation's calendar has no manage token: no HTTP call copies it, so the service does.
    """
    host = Host(client)
    answer = host.install(plan=PLAN)
    assert answer.status_code == 201, answer.get_json()
    token = answer.json["calendarUrl"].rsplit("/", 1)[1].removesuffix(".ics")
    app = client.application
    db = app.extensions["stretchsync.db"]
    with db.unit_of_work() as session:
        calendar_id = calendar_lookup.find_calendar(session, token).id
    caldav_service.push_calendar_caldav(db, calendar_id, caldav.url, USER, PASSWORD, keyring(app))
    assert caldav.resources
    return host, token


def installation_rows(db, client_key: str) -> int:
    with db.engine.connect() as conn:
        return len(
            conn.execute(select(InstallationRow.id).where(InstallationRow.client_key == client_key)).all()
        )


def calendar_state(db) -> list[tuple[int, bool]]:
    """(SEQUENCE, revoked) of every calendar, read on a connection of the test's own."""
    with db.engine.connect() as conn:
        rows = conn.execute(select(CalendarRow.sequence, CalendarRow.revoked_at)).all()
    return [(sequence, revoked is not None) for sequence, revoked in rows]


def test_a_slow_caldav_delete_on_uninstall_does_not_delay_another_installations_import(app, db, caldav):
    uninstalling, token = installed_with_pushed_calendar(app.test_client(), caldav)
    importing = Host(app.test_client())
    assert importing.install().status_code == 201
    caldav.delete_delay_s = SLOW_DELETE_S
    outcome: dict[str, Any] = {}

    def uninstall() -> None:
        started = time.monotonic()
        outcome["status"] = uninstalling.uninstall().status_code
        outcome["took_s"] = time.monotonic() - started

    thread = threading.Thread(target=uninstall)
    thread.start()
    try:
        # The uninstall is now waiting on the calendar server's DELETE.
        assert caldav.got_delete.wait(10), "the uninstall never reached the calendar server"
        started = time.monotonic()
        imported = importing.import_session(session_body("while-slow"))
        took_s = time.monotonic() - started
    finally:
        thread.join(3 * SLOW_DELETE_S)
    assert imported.status_code == 201, imported.get_json()
    assert took_s < 1.5, f"the import waited {took_s:.1f} s for the uninstall's CalDAV call"
    assert outcome["status"] == 204
    assert outcome["took_s"] >= SLOW_DELETE_S  # the DELETE really was slow, and was awaited
    assert installation_rows(db, uninstalling.client_key) == 0
    assert caldav.resources == {}  # the events are gone from the calendar server too
    assert app.test_client().get(f"/calendars/{token}.ics").status_code == 410


def test_uninstall_calls_the_calendar_server_only_after_the_erasure_committed(app, client, db, caldav):
    host, token = installed_with_pushed_calendar(client, caldav)
    caldav.seen.clear()
    caldav.probe = lambda: installation_rows(db, host.client_key)
    assert host.uninstall().status_code == 204
    assert caldav.methods() == ["DELETE"]
    # Seen from another connection at the DELETE, the installation was already gone;
    # and the app held no connection (so no transaction) while the server worked.
    assert [(s.observed, s.held_connections) for s in caldav.seen] == [(0, 0)]


def subscribed_with_pushed_calendar(client, caldav: CalDavServer) -> tuple[str, str]:
    """A calendar subscribed on its own, pushed to the CalDAV server; its feed and manage tokens."""
    created = client.post("/calendars", json=PLAN).get_json()
    assert push(client, created["manage_token"], caldav.url).status_code == 200
    assert caldav.resources
    return created["token"], created["manage_token"]


def test_a_plan_change_pushes_to_caldav_only_after_it_committed(app, client, db, caldav):
    _, manage = subscribed_with_pushed_calendar(client, caldav)
    caldav.seen.clear()
    caldav.probe = lambda: calendar_state(db)
    changed = client.patch(f"/calendars/{manage}", json={"times": ["06:30"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["caldav_error"] is None
    assert changed.get_json()["sequence"] == 1
    assert "PUT" in caldav.methods()
    # Every request saw the new SEQUENCE committed and found the app holding no connection.
    assert {(tuple(s.observed), s.held_connections) for s in caldav.seen} == {(((1, False),), 0)}


def test_a_reinstall_that_changes_the_plan_pushes_after_its_signed_call_committed(app, client, db, caldav):
    host, _ = installed_with_pushed_calendar(client, caldav)
    caldav.seen.clear()
    caldav.probe = lambda: calendar_state(db)
    again = host.install(plan={**PLAN, "times": ["06:30"]})
    assert again.status_code == 200, again.get_json()
    assert "PUT" in caldav.methods()
    assert {(tuple(s.observed), s.held_connections) for s in caldav.seen} == {(((1, False),), 0)}
    # The re-push recorded the resources it wrote: they are the ones the server holds.
    with db.engine.connect() as conn:
        recorded = conn.execute(select(CalendarRow.caldav_resources)).scalar_one()
    assert sorted(r.split("127.0.0.1", 1)[1].split("/", 1)[1] for r in recorded) == sorted(
        p.lstrip("/") for p in caldav.resources
    )


def test_a_push_and_a_revocation_hold_no_connection_while_the_server_works(app, client, db, caldav):
    created = client.post("/calendars", json=PLAN).get_json()
    assert push(client, created["manage_token"], caldav.url).status_code == 200
    assert client.delete(f"/calendars/{created['manage_token']}").status_code == 204
    assert caldav.methods()[-1] == "DELETE" and "PUT" in caldav.methods()
    assert [s.held_connections for s in caldav.seen] == [0] * len(caldav.seen)
    assert caldav.resources == {}


def test_a_failing_calendar_server_is_reported_and_the_plan_change_stands(app, client, db, caldav):
    token, manage = subscribed_with_pushed_calendar(client, caldav)
    dead = "http://127.0.0.1:9/alice/stretching/"  # nobody listens on the discard port
    with db.unit_of_work() as session:
        row = session.execute(select(CalendarRow)).scalar_one()
        row.caldav_url = dead
    changed = client.patch(f"/calendars/{manage}", json={"times": ["06:30"]})
    assert changed.status_code == 200, changed.get_json()
    assert "ConnectionError" in changed.get_json()["caldav_error"]
    assert changed.get_json()["sequence"] == 1
    assert calendar_state(db) == [(1, False)]
    assert client.get(f"/calendars/{token}").get_json()["times"] == ["06:30"]
