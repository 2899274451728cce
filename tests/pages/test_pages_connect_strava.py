"""Connect Strava from /connect: the plan first, then Strava's own OAuth page (the existing
connect flow), against the local Strava stand-in."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_strava import ATHLETE_ID, CLIENT_ID, CLIENT_SECRET, FakeStrava
from hostkit import host_config
from sqlalchemy import select

from plugin.store.installations import InstallationRow
from plugin.store.pushes import PushRow

PLAN_FORM = {"routines": ["trunk-rotation"], "days": ["TU"], "times": "18:00", "timezone": "Europe/Berlin"}


@pytest.fixture
def fake(httpserver) -> FakeStrava:
    return FakeStrava(httpserver, now=time.time())


@pytest.fixture
def app_config(database_config, tmp_path, fake) -> dict:
    return host_config(
        database_config,
        tmp_path,
        STRAVA_CLIENT_ID=CLIENT_ID,
        STRAVA_CLIENT_SECRET=CLIENT_SECRET,
        STRAVA_API_URL=f"{fake.url}/api/v3",
        STRAVA_OAUTH_URL=f"{fake.url}/oauth",
    )


def csrf_of(markup: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', markup).group(1)


def test_strava_is_connected_after_the_plan_through_stravas_own_page(client, db, fake):
    plan_page = client.get("/connect/strava/plan").get_data(as_text=True)
    sealed = re.search(r'name="connection" value="([^"]+)"', plan_page).group(1)
    done = client.post(
        "/connect/strava/plan", data={**PLAN_FORM, "connection": sealed, "csrf_token": csrf_of(plan_page)}
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:400]
    token = re.search(r"/manage/([^?]+)\?new=1$", done.headers["Location"]).group(1)
    manage = client.get(f"/manage/{token}").get_data(as_text=True)
    assert 'id="strava-state">not connected yet' in manage
    assert 'id="connect-strava"' in manage
    assert "Sync now" not in manage and "Push again" not in manage  # Strava takes no routines
    with db.unit_of_work() as session:
        assert session.scalars(select(PushRow)).all() == []

    # The button leads into the existing connect flow: a ticket, then Strava's authorization page.
    ticket = client.get(f"/manage/{token}/strava")
    assert ticket.status_code == 303
    authorize = client.get(ticket.headers["Location"])
    assert authorize.status_code == 302 and authorize.headers["Location"].startswith(
        f"{fake.url}/oauth/authorize"
    )
    state = parse_qs(urlsplit(authorize.headers["Location"]).query)["state"][0]
    fake.codes["c0de"] = ATHLETE_ID
    callback = client.get(
        "/connect/strava/callback",
        query_string={"state": state, "code": "c0de", "scope": "read,activity:read_all"},
    )
    assert callback.status_code == 200, callback.get_data(as_text=True)

    manage = client.get(f"/manage/{token}").get_data(as_text=True)
    assert 'id="strava-state">connected' in manage and 'id="connect-strava"' not in manage
    with db.unit_of_work() as session:
        row = session.scalars(select(InstallationRow)).one()
        assert (row.tracker, row.tracker_state["strava"]["athlete_id"]) == ("strava", ATHLETE_ID)


def test_the_strava_link_of_another_kind_of_page_is_404(client):
    created = client.post("/calendars", json={**PLAN_FORM, "times": ["18:00"], "days": ["TU"]}).get_json()
    assert client.get(f"/manage/{created['manage_token']}/strava").status_code == 404
