"""CalDAV push into a real Radicale server on loopback, read back with WebDAV requests."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import unquote, urljoin

import icalendar
import pytest
import requests
from servers import free_port, running
from sqlalchemy import select, text

from plugin import catalog, crypto
from plugin.config import keyring
from plugin.store.calendars import CalendarRow

pytestmark = pytest.mark.peer

USER, PASSWORD = "alice", "correct horse battery staple"
SECRET = "radicale-test-secret"
PLAN = {
    "routines": ["contract-relax", "trunk-rotation"],
    "days": ["MO", "WE", "FR"],
    "times": ["07:00", "19:30"],
    "timezone": "Europe/Berlin",
    "reminders": [10],
    "start": "2026-10-19",
}
DAV = "{DAV:}"


@pytest.fixture
def radicale(tmp_path) -> Iterator[str]:
    """A Radicale server with one user, its own storage folder, on a free loopback port."""
    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable,
        "-m",
        "radicale",
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--auth-type",
        "htpasswd",
        "--auth-htpasswd-filename",
        str(users),
        "--auth-htpasswd-encryption",
        "plain",
        "--rights-type",
        "owner_only",
        "--storage-filesystem-folder",
        str(tmp_path / "collections"),
    ]
    with running(command, base, tmp_path / "radicale.log"):
        yield base


@pytest.fixture
def collection(radicale) -> str:
    """An empty calendar collection of the user, made the way a client makes one (MKCALENDAR)."""
    url = urljoin(radicale, f"{USER}/stretching/")
    made = requests.request("MKCALENDAR", url, auth=(USER, PASSWORD), timeout=10)
    assert made.status_code == 201, made.text
    return url


@pytest.fixture
def app_config(database_config) -> dict:
    # Radicale runs on loopback, which only an operator's switch lets the service call.
    return {"TESTING": True, "SECRET_KEY": SECRET, "CALDAV_ALLOW_PRIVATE_HOSTS": True, **database_config}


def stored(collection: str) -> dict[str, icalendar.Calendar]:
    """Every resource of the collection, by its file name (PROPFIND depth 1, then GET each)."""
    found = requests.request(
        "PROPFIND", collection, auth=(USER, PASSWORD), headers={"Depth": "1"}, timeout=10
    )
    assert found.status_code == 207, found.text
    hrefs = [el.text for el in ET.fromstring(found.content).iter(f"{DAV}href")]
    out = {}
    for href in hrefs:
        if href and href.endswith(".ics"):
            body = requests.get(urljoin(collection, href), auth=(USER, PASSWORD), timeout=10)
            body.raise_for_status()
            out[unquote(href.rsplit("/", 1)[1])] = icalendar.Calendar.from_ical(body.content)
    return out


def expanded_in_window(collection: str) -> int:
    """How many occurrences Radicale's own time-range query finds in the first two weeks.

    Radicale expands recurrences with the stored VTIMEZONE; a TZID without one makes it
    answer 500 (docs/icalendar.md#caldav), so a 207 here also proves every resource is complete.
    """
    query = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data>
    <C:expand start="20261019T000000Z" end="20261102T000000Z"/>
  </C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20261019T000000Z" end="20261102T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
    answer = requests.request(
        "REPORT",
        collection,
        data=query.encode(),
        auth=(USER, PASSWORD),
        headers={"Depth": "1", "Content-Type": "application/xml"},
        timeout=10,
    )
    assert answer.status_code == 207, answer.text
    total = 0
    for data in ET.fromstring(answer.content).iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
        total += len(icalendar.Calendar.from_ical(data.text).walk("VEVENT"))
    return total


def subscribe(client, **changes) -> str:
    response = client.post("/calendars", json={**PLAN, **changes})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    MANAGE[created["token"]] = created["manage_token"]
    return created["token"]


# The manage token of each feed token subscribed here: it changes and revokes (issue 19).
MANAGE: dict[str, str] = {}


def push(client, token: str, collection: str, password: str = PASSWORD):
    """Copy the calendar of feed token ``token`` to ``collection``, with its manage token."""
    return client.post(
        f"/calendars/{MANAGE[token]}/caldav", json={"url": collection, "username": USER, "password": password}
    )


def series_count(plan: dict) -> int:
    return len(plan["routines"]) * len(plan["times"])


def test_every_series_becomes_one_resource_named_after_its_uid(client, collection):
    token = subscribe(client)
    response = push(client, token, collection)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert PASSWORD not in response.get_data(as_text=True)
    assert len(answer["caldav"]["resources"]) == series_count(PLAN)
    resources = stored(collection)
    assert len(resources) == series_count(PLAN)
    feed = icalendar.Calendar.from_ical(client.get(f"/calendars/{token}.ics").data)
    assert {f"{e['UID']}.ics" for e in feed.walk("VEVENT")} == set(resources)
    for name, cal in resources.items():
        (event,) = cal.walk("VEVENT")
        assert f"{event['UID']}.ics" == name
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
        routine = catalog.builtin_routine(str(event["UID"]).split("-", 1)[1].rsplit("-", 1)[0])
        for caution in routine.cautions:
            assert caution.text in str(event["DESCRIPTION"])
    # 3 days × 2 weeks × 2 times × 2 routines, expanded by Radicale itself.
    assert expanded_in_window(collection) == 24


def test_a_second_push_updates_the_same_resources(client, collection):
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    first = stored(collection)
    again = push(client, token, collection)
    assert again.status_code == 200
    assert stored(collection).keys() == first.keys()
    assert len(first) == series_count(PLAN)


def test_a_plan_change_follows_into_the_collection_without_duplicates(client, collection):
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    changed = client.patch(
        f"/calendars/{MANAGE[token]}", json={"routines": ["contract-relax"], "times": ["07:15"]}
    )
    assert changed.status_code == 200 and changed.get_json()["caldav_error"] is None
    resources = stored(collection)
    assert len(resources) == 1
    (cal,) = resources.values()
    (event,) = cal.walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].dt.strftime("%H:%M") == "07:15"


def test_revoking_deletes_the_pushed_resources(client, collection):
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    assert len(stored(collection)) == series_count(PLAN)
    assert client.delete(f"/calendars/{MANAGE[token]}").status_code == 204
    assert stored(collection) == {}


def test_the_password_is_stored_encrypted_and_never_shown(client, db, collection):
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    with db.unit_of_work() as session:
        row = session.scalars(select(CalendarRow)).one()
        assert row.caldav_password != PASSWORD and PASSWORD not in row.caldav_password
        assert crypto.Keyring(SECRET).decrypt(row.caldav_password) == PASSWORD
    shown = client.get(f"/calendars/{token}").get_data(as_text=True)
    assert PASSWORD not in shown and row.caldav_password not in shown


def test_a_wrong_password_is_422_on_password_and_stores_nothing(client, db, collection):
    token = subscribe(client)
    response = push(client, token, collection, password="wrong")
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]
    with db.unit_of_work() as session:
        row = session.scalars(select(CalendarRow)).one()
        assert (row.caldav_url, row.caldav_password, row.caldav_resources) == (None, None, None)
    assert stored(collection) == {}


def test_a_missing_collection_is_422_on_url(client, radicale):
    token = subscribe(client)
    response = push(client, token, urljoin(radicale, f"{USER}/no-such-calendar/"))
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/cal/", "not a url", ""])
def test_a_bad_collection_url_is_422(client, url):
    token = subscribe(client)
    response = push(client, token, url)
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]


def test_a_server_that_is_down_is_a_503_problem(client):
    token = subscribe(client)
    response = push(client, token, f"http://127.0.0.1:{free_port()}/alice/stretching/")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"


def test_a_rotated_secret_key_never_blocks_a_change_or_a_revocation(app, client, collection):
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    app.config["SECRET_KEY"] = "a-different-key"
    changed = client.patch(f"/calendars/{MANAGE[token]}", json={"times": ["08:00", "19:30"]})
    assert changed.status_code == 200
    assert "cannot be decrypted" in changed.get_json()["caldav_error"]
    assert client.delete(f"/calendars/{MANAGE[token]}").status_code == 204
    assert client.get(f"/calendars/{token}.ics").status_code == 410


def test_without_a_configured_key_a_development_key_encrypts_the_password(app, client, collection, db):
    app.config["SECRET_KEY"] = ""
    token = subscribe(client)
    assert push(client, token, collection).status_code == 200
    assert len(stored(collection)) > 0
    with db.unit_of_work() as session:
        rows = session.execute(text("SELECT caldav_password FROM calendars")).scalars().all()
    assert rows and all(row and PASSWORD not in row for row in rows)


PRIVATE_HOSTS = ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "169.254.169.254", "[::1]"]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_private_and_loopback_hosts_are_refused_by_default(app, client, collection, db, host):
    app.config["CALDAV_ALLOW_PRIVATE_HOSTS"] = app.config["ALLOW_PRIVATE_HOSTS"] = False
    token = subscribe(client)
    url = collection.replace("127.0.0.1", host, 1)
    response = push(client, token, url)
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]
    assert "private or local network" in response.get_json()["errors"]["url"][0]
    assert stored(collection) == {}
    with db.unit_of_work() as session:
        assert session.execute(text("SELECT caldav_url FROM calendars")).scalars().all() == [None]


def test_uninstalling_the_owning_installation_deletes_its_caldav_copies(app, client, collection, db):
    from plugin.services import caldav as caldav_service
    from plugin.services import calendars as calendar_service
    from plugin.services import installations

    with db.unit_of_work() as session:
        owned = calendar_service.create_calendar(session, PLAN, installation_id="inst-caldav")
    # Its calendar has no manage token (no HTTP call copies it): the service does, as an operator would.
    caldav_service.push_calendar_caldav(db, owned.calendar_id, collection, USER, PASSWORD, keyring(app))
    assert len(stored(collection)) == series_count(PLAN)
    with app.app_context(), db.unit_of_work() as session:
        installations.uninstall(session, "inst-caldav", keyring(app))
    assert stored(collection) == {}
    assert client.get(f"/calendars/{owned.token}.ics").status_code == 410
