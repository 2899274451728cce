"""Connect a CalDAV calendar from /connect, against a real Radicale server on loopback."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from icalendar import Calendar
from test_caldav_radicale import PASSWORD, USER, collection, radicale, stored  # noqa: F401 - fixtures

from plugin.catalog import builtin_routine

pytestmark = pytest.mark.peer

PLAN_FORM = {
    "routines": ["daily-hamstring", "trunk-rotation"],
    "days": ["MO", "TH"],
    "times": "07:30",
    "timezone": "Europe/Berlin",
    "reminders": ["10"],
    "name": "Stretching",
}


@pytest.fixture
def app_config(database_config) -> dict:
    # Radicale runs on loopback, which only an operator's switch lets the service call.
    return {
        "TESTING": True,
        "SECRET_KEY": "radicale-connect",
        "ALLOW_PRIVATE_HOSTS": True,
        **database_config,
    }


def csrf_of(markup: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', markup).group(1)


def check(client, **form):
    start = client.get("/connect/caldav").get_data(as_text=True)
    return client.post("/connect/caldav", data={**form, "csrf_token": csrf_of(start)})


def field_error(markup: str, name: str) -> str:
    return re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', markup).group(1)


def test_a_wrong_password_is_refused_beside_the_field(client, collection):  # noqa: F811
    refused = check(client, url=collection, username=USER, password="wrong")
    assert refused.status_code == 422
    error = field_error(refused.get_data(as_text=True), "password")
    assert "the CalDAV server refused it" in error and "HTTP 401" in error


def test_a_missing_collection_is_refused_beside_the_address(client, radicale):  # noqa: F811
    refused = check(client, url=urljoin(radicale, f"{USER}/no-such/"), username=USER, password=PASSWORD)
    assert refused.status_code == 422
    assert "no calendar collection" in field_error(refused.get_data(as_text=True), "url")


def test_a_private_address_is_refused_unless_the_operator_allows_it(app, client, collection):  # noqa: F811
    app.config["CALDAV_ALLOW_PRIVATE_HOSTS"] = app.config["ALLOW_PRIVATE_HOSTS"] = False
    refused = check(client, url=collection, username=USER, password=PASSWORD)
    assert refused.status_code == 422
    assert "private or local network" in field_error(refused.get_data(as_text=True), "url")


def test_connecting_writes_every_series_into_the_calendar_and_disconnecting_takes_them_back(
    client,
    collection,  # noqa: F811
):
    checked = check(client, url=collection, username=USER, password=PASSWORD)
    assert checked.status_code == 200, checked.get_data(as_text=True)[:400]
    plan_page = checked.get_data(as_text=True)
    sealed = re.search(r'name="connection" value="([^"]+)"', plan_page).group(1)
    assert PASSWORD not in plan_page  # the password travels sealed, never as text
    done = client.post(
        "/connect/caldav/plan", data={**PLAN_FORM, "connection": sealed, "csrf_token": csrf_of(plan_page)}
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:400]
    token = re.search(r"/manage/([^?]+)\?new=1$", done.headers["Location"]).group(1)

    manage = client.get(f"/manage/{token}")
    markup = manage.get_data(as_text=True)
    assert manage.status_code == 200 and f'id="caldav">{collection}' in markup

    # Every series of the feed (one per routine, time and stretch of weeks with the same dose,
    # docs/icalendar.md#progression) is one resource in the collection, under its own UID.
    feed_path = urlsplit(re.search(r'href="webcal://[^"]+"', markup).group(0)[6:-1]).path
    feed = Calendar.from_ical(client.get(feed_path).data)
    series = {str(event["UID"]) for event in feed.walk("VEVENT") if "RRULE" in event}
    written = stored(collection)
    assert len(series) >= len(PLAN_FORM["routines"])
    assert {str(cal.walk("VEVENT")[0]["UID"]) for cal in written.values()} == series
    summaries = {str(cal.walk("VEVENT")[0]["SUMMARY"]) for cal in written.values()}
    for routine_id in PLAN_FORM["routines"]:
        assert any(builtin_routine(routine_id).name in s for s in summaries)

    gone = client.post(f"/manage/{token}/disconnect", data={"csrf_token": csrf_of(markup)})
    assert gone.status_code == 200
    assert stored(collection) == {}
    assert client.get(f"/manage/{token}").status_code == 410


def connect_strava(client) -> str:
    """Connect Strava from the pages (no credentials to type); the management token."""
    plan_page = client.get("/connect/strava/plan").get_data(as_text=True)
    sealed = re.search(r'name="connection" value="([^"]+)"', plan_page).group(1)
    done = client.post(
        "/connect/strava/plan", data={**PLAN_FORM, "connection": sealed, "csrf_token": csrf_of(plan_page)}
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:400]
    return re.search(r"/manage/([^?]+)\?new=1$", done.headers["Location"]).group(1)


def test_a_connections_calendar_is_copied_from_its_management_page(client, collection):  # noqa: F811
    token = connect_strava(client)
    markup = client.get(f"/manage/{token}").get_data(as_text=True)
    feed_path = urlsplit(re.search(r'id="feed-url" value="([^"]+)"', markup).group(1)).path
    feed_token = feed_path.removeprefix("/calendars/").removesuffix(".ics")
    caldav = {"url": collection, "username": USER, "password": PASSWORD}
    # Over the API its calendar has no manage token: the feed token gets 404, the page's token too.
    assert client.post(f"/calendars/{feed_token}/caldav", json=caldav).status_code == 404
    assert client.post(f"/calendars/{token}/caldav", json=caldav).status_code == 404

    wrong = client.post(
        f"/manage/{token}/caldav", data={**caldav, "password": "wrong", "csrf_token": csrf_of(markup)}
    )
    assert wrong.status_code == 422
    assert "refused this username and password" in wrong.get_data(as_text=True)
    assert stored(collection) == {}

    copied = client.post(f"/manage/{token}/caldav", data={**caldav, "csrf_token": csrf_of(markup)})
    assert copied.status_code == 200, copied.get_data(as_text=True)[:400]
    page = copied.get_data(as_text=True)
    assert "The calendar is copied to the CalDAV server." in page and f'id="caldav">{collection}' in page
    assert PASSWORD not in page
    feed = Calendar.from_ical(client.get(feed_path).data)
    assert {f"{e['UID']}.ics" for e in feed.walk("VEVENT")} == set(stored(collection))

    # Disconnecting takes the copy back.
    gone = client.post(f"/manage/{token}/disconnect", data={"csrf_token": csrf_of(page)})
    assert gone.status_code == 200
    assert stored(collection) == {}
