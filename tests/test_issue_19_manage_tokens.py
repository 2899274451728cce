"""Issue 19, finding 8: the feed URL could change and delete the plan.

``PATCH``/``DELETE /calendars/<token>`` took the token every calendar app holds, so any
service that fetched the feed could rewrite or revoke the calendar, an installation's
included. Now the feed token only reads; a manage token, shown once, changes and revokes.
"""

from __future__ import annotations

import hashlib

import pytest
from hostkit import Host, host_config
from sqlalchemy import select

from plugin.store.calendars import CalendarRow

PLAN = {"routines": ["daily-hamstring"], "times": ["07:00"], "timezone": "Europe/Berlin", "name": "Mine"}


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


def subscribe(client) -> dict:
    answer = client.post("/calendars", json=PLAN)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_the_feed_token_cannot_change_the_plan(client):
    created = subscribe(client)
    feed = f"/calendars/{created['token']}.ics"
    before = client.get(feed)

    refused = client.patch(f"/calendars/{created['token']}", json={"times": ["05:00"]})

    assert refused.status_code == 404  # as any unknown token: nothing says the calendar exists
    assert refused.mimetype == "application/problem+json"
    after = client.get(feed)
    assert after.headers["ETag"] == before.headers["ETag"] and after.data == before.data
    changed = client.patch(f"/calendars/{created['manage_token']}", json={"times": ["05:00"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["times"] == ["05:00"]
    assert client.get(feed).headers["ETag"] != before.headers["ETag"]


def test_the_feed_token_cannot_revoke_the_calendar(client):
    created = subscribe(client)
    feed = f"/calendars/{created['token']}.ics"

    refused = client.delete(f"/calendars/{created['token']}")

    assert refused.status_code == 404
    assert client.get(feed).status_code == 200
    assert client.delete(f"/calendars/{created['manage_token']}").status_code == 204
    assert client.get(feed).status_code == 410
    assert client.patch(f"/calendars/{created['manage_token']}", json={"times": ["05:00"]}).status_code == 410


def test_the_manage_token_is_shown_once_and_stored_hashed(client, db):
    created = subscribe(client)
    manage = created["manage_token"]
    assert manage != created["token"] and len(manage) >= 22  # 128 bits at least, base64url
    assert created["manage_url"] == f"http://localhost/manage/{manage}"
    shown = client.get(f"/calendars/{created['token']}").get_json()
    assert "manage_token" not in shown and "manage_url" not in shown
    with db.unit_of_work() as session:
        row = session.scalars(select(CalendarRow)).one()
        stored = repr({c.name: getattr(row, c.name) for c in CalendarRow.__table__.columns})
    assert row.manage_token_hash == hashlib.sha256(manage.encode()).hexdigest()
    assert manage not in stored and created["token"] not in stored
    # The manage token is no feed token, and a PATCH answer does not give the feed URL away.
    assert client.get(f"/calendars/{manage}.ics").status_code == 404
    answer = client.patch(f"/calendars/{manage}", json={"name": "Renamed"}).get_json()
    assert answer["url"] is None and answer["webcal_url"] is None


def test_a_calendar_an_installation_owns_is_changed_only_through_it(client):
    host = Host(client)
    installed = host.install(plan=PLAN)
    assert installed.status_code in (200, 201), installed.get_json()
    feed_token = installed.get_json()["calendarUrl"].rsplit("/", 1)[1].removesuffix(".ics")

    assert client.patch(f"/calendars/{feed_token}", json={"times": ["05:00"]}).status_code == 404
    assert client.delete(f"/calendars/{feed_token}").status_code == 404

    assert client.get(f"/calendars/{feed_token}.ics").status_code == 200
    assert client.get(f"/calendars/{feed_token}").get_json()["times"] == ["07:00"]


def test_the_openapi_document_names_the_manage_token(client):
    spec = client.get("/openapi.json").get_json()
    assert {"token", "manage_token", "manage_url"} <= set(
        spec["components"]["schemas"]["Created"]["properties"]
    )
    by_token = spec["paths"]["/calendars/{token}"]
    assert "manage token" in by_token["patch"]["summary"] and "manage token" in by_token["delete"]["summary"]
    (token,) = [p for p in by_token["parameters"] if p["name"] == "token"]
    assert "manage token" in token["description"]


CALDAV = {"url": "http://127.0.0.1:9/alice/stretching/", "username": "alice", "password": "secret"}


def test_the_feed_token_cannot_copy_the_calendar_to_caldav(client, db):
    created = subscribe(client)

    refused = client.post(f"/calendars/{created['token']}/caldav", json=CALDAV)

    unknown = client.post("/calendars/no-such-token/caldav", json=CALDAV)
    assert refused.status_code == unknown.status_code == 404  # nothing says the calendar exists
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"] == unknown.get_json()["detail"]
    with db.unit_of_work() as session:
        assert session.scalars(select(CalendarRow.caldav_url)).all() == [None]
    # The manage token reaches the CalDAV server (none listens there: 503).
    checked = client.post(f"/calendars/{created['manage_token']}/caldav", json=CALDAV)
    assert checked.status_code == 503, checked.get_json()


def test_an_installations_calendar_is_copied_to_caldav_only_through_its_installation(client):
    host = Host(client)
    installed = host.install(plan=PLAN)
    assert installed.status_code == 201, installed.get_json()
    feed_token = installed.json["calendarUrl"].rsplit("/", 1)[1].removesuffix(".ics")

    refused = client.post(f"/calendars/{feed_token}/caldav", json=CALDAV)

    assert refused.status_code == 404
