"""Strava end to end over HTTP: the webhook handshake, connecting an athlete with OAuth, events
replayed and reordered, deauthorization, and sessions posted out once, against the local Strava."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_strava import ATHLETE_ID, CLIENT_ID, CLIENT_SECRET, FakeStrava
from hostkit import Host, host_config, session_body
from werkzeug import Response

from plugin.config import keyring
from plugin.jobs import jobs
from plugin.services import strava as service
from plugin.store import installations as installation_repo

VERIFY_TOKEN = "verify-me-7f2c"
SCOPE = "read,activity:read_all,activity:write"


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
        STRAVA_VERIFY_TOKEN=VERIFY_TOKEN,
        STRAVA_API_URL=f"{fake.url}/api/v3",
        STRAVA_OAUTH_URL=f"{fake.url}/oauth",
    )


@pytest.fixture
def host(client) -> Host:
    host = Host(client)
    assert host.install().status_code == 201
    return host


def run_queue(app) -> None:
    """Run what the webhook queued, as the huey consumer would."""
    huey = jobs(app).huey
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


def connect(client, host: Host, fake: FakeStrava, post_sessions: bool = True, scope: str = SCOPE):
    """Walk the browser through the connect flow; returns the callback's answer."""
    link = host.call("POST", "/hooks/strava/connect", {"postSessions": post_sessions})
    assert link.status_code == 201, link.get_json()
    redirect = client.get(link.get_json()["url"])
    assert redirect.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["Location"]).query).items()}
    fake.codes["c0de"] = ATHLETE_ID  # the athlete said yes on Strava's page
    return client.get(
        "/connect/strava/callback", query_string={"state": query["state"], "code": "c0de", "scope": scope}
    )


def installation(db, host: Host):
    with db.unit_of_work() as session:
        row = installation_repo.by_client_key(session, host.client_key)
        session.expunge(row)
        return row


def event(object_id: int, aspect: str = "create", **changes) -> dict:
    return {
        "aspect_type": aspect,
        "event_time": int(time.time()),
        "object_id": object_id,
        "object_type": "activity",
        "owner_id": ATHLETE_ID,
        "subscription_id": 120475,
        "updates": {},
        **changes,
    }


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def recent_yoga(fake: FakeStrava) -> dict:
    """A yoga class the athlete did an hour ago: not ours unless the installation opted into Yoga."""
    return fake.add(name="Yoga", sport_type="Yoga", start_date=hours_ago(1))


def recent_stretch(fake: FakeStrava) -> dict:
    """A stretching session the athlete logged an hour ago under a routine's name."""
    return fake.add(name="Trunk rotation", sport_type="Workout", start_date=hours_ago(1), elapsed_time=300)


# --- the subscription handshake ------------------------------------------------------------


def test_the_handshake_echoes_the_challenge(client):
    answer = client.get(
        "/webhooks/strava",
        query_string={
            "hub.mode": "subscribe",
            "hub.challenge": "15f7d1a91c1f40f8",
            "hub.verify_token": VERIFY_TOKEN,
        },
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"hub.challenge": "15f7d1a91c1f40f8"}


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"hub.mode": "subscribe", "hub.challenge": "x", "hub.verify_token": "wrong"}, 403, None),
        ({"hub.mode": "unsubscribe", "hub.challenge": "x", "hub.verify_token": VERIFY_TOKEN}, 403, None),
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}, 422, "hub.challenge"),
    ],
)
def test_a_wrong_handshake_is_refused(client, query, status, field):
    answer = client.get("/webhooks/strava", query_string=query)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    if field:
        assert field in answer.get_json()["errors"]


def test_no_verify_token_configured_refuses_every_handshake(app, client):
    app.config["STRAVA_VERIFY_TOKEN"] = ""
    answer = client.get(
        "/webhooks/strava",
        query_string={"hub.mode": "subscribe", "hub.challenge": "x", "hub.verify_token": ""},
    )
    assert answer.status_code == 403


# --- connecting an athlete ---------------------------------------------------------------------


def test_connecting_stores_the_tokens_encrypted(app, client, db, host, fake):
    link = host.call("POST", "/hooks/strava/connect", {"postSessions": True}).get_json()["url"]
    redirect = client.get(link)
    target = urlsplit(redirect.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{fake.url}/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["scope"] == SCOPE
    assert query["redirect_uri"].endswith("/connect/strava/callback")
    assert (
        "strava_connect=" in redirect.headers["Set-Cookie"] and "HttpOnly" in redirect.headers["Set-Cookie"]
    )

    fake.codes["c0de"] = ATHLETE_ID
    done = client.get(
        "/connect/strava/callback", query_string={"state": query["state"], "code": "c0de", "scope": SCOPE}
    )

    assert done.status_code == 200 and "Strava is connected" in done.get_data(as_text=True)
    (exchange,) = fake.requests("POST", "/oauth/token")
    assert exchange.form["grant_type"] == "authorization_code" and exchange.form["code"] == "c0de"
    row = installation(db, host)
    assert row.tracker_state["strava"]["athlete_id"] == ATHLETE_ID
    assert row.tracker_state["strava"]["post_sessions"] is True
    stored = json.loads(keyring(app).decrypt(row.credentials_enc))["strava"]
    assert stored["access_token"] in fake.access and stored["refresh_token"] in fake.refresh_tokens
    with db.engine.connect() as conn:
        raw = repr(conn.exec_driver_sql("SELECT * FROM installations").fetchall())
    assert stored["access_token"] not in raw and stored["refresh_token"] not in raw


def test_a_declined_authorization_is_a_clear_page_and_stores_nothing(client, db, host, fake):
    link = host.call("POST", "/hooks/strava/connect", {}).get_json()["url"]
    state = parse_qs(urlsplit(client.get(link).headers["Location"]).query)["state"][0]
    answer = client.get("/connect/strava/callback", query_string={"state": state, "error": "access_denied"})
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert "not granted" in answer.get_data(as_text=True)
    assert "strava" not in (installation(db, host).tracker_state or {})
    assert fake.requests("POST", "/oauth/token") == []


@pytest.mark.parametrize("state", ["", "forged", "gAAAAABnotatokenatall"])
def test_a_forged_callback_is_a_clear_page(client, host, fake, state):
    query = {"state": state, "code": "c0de", "utm_source": "x"}
    answer = client.get("/connect/strava/callback", query_string=query)
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert fake.requests("POST", "/oauth/token") == []


def test_a_callback_in_another_browser_is_refused(app, client, host, fake):
    link = host.call("POST", "/hooks/strava/connect", {}).get_json()["url"]
    state = parse_qs(urlsplit(client.get(link).headers["Location"]).query)["state"][0]
    other_browser = app.test_client()
    answer = other_browser.get(
        "/connect/strava/callback", query_string={"state": state, "code": "c0de", "scope": SCOPE}
    )
    assert answer.status_code == 403 and "browser" in answer.get_data(as_text=True)


def test_a_state_is_no_ticket_and_a_ticket_no_state(app, client, host):
    key = keyring(app)
    ticket = service.connect_ticket(key, "some-installation", False)
    assert client.get("/connect/strava/callback", query_string={"state": ticket}).status_code == 403
    assert client.get("/connect/strava", query_string={"ticket": "tampered" + ticket}).status_code == 403


def test_an_expired_ticket_is_refused(app, client):
    ticket = service.seal(
        keyring(app), "ticket", {"installation": "x", "post": False}, 600, now=time.time() - 700
    )
    answer = client.get("/connect/strava", query_string={"ticket": ticket})
    assert answer.status_code == 403 and "expired" in answer.get_data(as_text=True)


def test_the_connect_link_needs_a_signed_call(client, host):
    answer = host.call("POST", "/hooks/strava/connect", {}, secret="whsec_" + "A" * 44)
    assert answer.status_code == 401


# --- webhook events ----------------------------------------------------------------------------


def test_events_replayed_and_out_of_order_store_one_session_each(app, client, db, host, fake):
    assert connect(client, host, fake).status_code == 200
    start = hours_ago(2)
    named = fake.add(name="Daily hamstring stretch", sport_type="Yoga", start_date=start, elapsed_time=900)
    ours = fake.add(
        name="Stretching: Trunk rotation", sport_type="Workout", start_date=start, elapsed_time=200
    )
    sent = [
        event(ours["id"], "update", updates={"title": "Stretching: Trunk rotation"}),
        event(named["id"]),
        event(ours["id"]),
        event(named["id"]),
        event(ours["id"]),
        event(named["id"], "update", updates={"type": "Yoga"}),
    ]
    for body in sent:
        started = time.monotonic()
        answer = client.post("/webhooks/strava", json=body)
        assert answer.status_code == 200 and answer.get_json()["status"] == "accepted"
        assert time.monotonic() - started < 2  # Strava's limit: the work happens later
    assert fake.requests("GET", f"/api/v3/activities/{ours['id']}") == []  # nothing done in the request

    run_queue(app)

    sessions = host.call("GET", "/sessions").get_json()
    assert sorted((s["source_id"], s["routine"], s["duration_s"]) for s in sessions) == sorted(
        [(str(named["id"]), "daily-hamstring", 900), (str(ours["id"]), "trunk-rotation", 200)]
    )
    assert all(s["source"] == "strava" for s in sessions)


def test_only_activities_that_are_ours_are_imported(app, client, host, fake):
    connect(client, host, fake)
    start = hours_ago(3)
    others = [
        fake.add(name="Morning ride", sport_type="Ride", type="Ride", start_date=start),
        fake.add(name="Leg day", sport_type="Workout", start_date=start, description="squats 5x5, deadlifts"),
        fake.add(name="Heavy lifting", sport_type="WeightTraining", start_date=start),
        fake.add(name="Vinyasa class", sport_type="Yoga", start_date=start, description="hamstrings, hips"),
    ]
    named = fake.add(name="Stretching: Trunk rotation", sport_type="Workout", start_date=start)
    # Posted by us (an earlier connection) and renamed since: the description still has our marker.
    marked = fake.add(
        name="Tuesday",
        sport_type="Workout",
        start_date=start,
        description="Stretching session logged in wger.\n- Lying hamstring stretch, left leg: 1 set",
    )
    for activity in [*others, named, marked]:
        client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)

    sessions = host.call("GET", "/sessions").get_json()
    assert sorted((s["source_id"], s["routine"]) for s in sessions) == sorted(
        [(str(named["id"]), "trunk-rotation"), (str(marked["id"]), None)]
    )
    (note,) = [s["notes"] for s in sessions if s["source_id"] == str(marked["id"])]
    assert "Lying hamstring stretch" in note  # the detail's description, not the listing's nothing


def test_an_update_changes_the_session_in_place(app, client, host, fake):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    (before,) = host.call("GET", "/sessions").get_json()
    assert (before["routine"], before["duration_s"]) == ("trunk-rotation", 300)

    # The athlete renames it to another routine and corrects the time; Strava says only "title".
    activity.update(name="Stretching: Daily hamstring stretch", elapsed_time=480, description="better")
    client.post("/webhooks/strava", json=event(activity["id"], "update", updates={"title": activity["name"]}))
    run_queue(app)

    (after,) = host.call("GET", "/sessions").get_json()
    assert after["id"] == before["id"]
    assert (after["routine"], after["duration_s"], after["notes"]) == ("daily-hamstring", 480, "better")


def test_an_update_that_makes_it_no_longer_ours_removes_the_session(app, client, host, fake):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    assert len(host.call("GET", "/sessions").get_json()) == 1

    activity.update(name="Leg day", sport_type="WeightTraining", type="WeightTraining")
    client.post("/webhooks/strava", json=event(activity["id"], "update", updates={"type": "WeightTraining"}))
    run_queue(app)

    assert host.call("GET", "/sessions").get_json() == []


def test_a_delete_event_removes_the_session(app, client, host, fake):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    assert len(host.call("GET", "/sessions").get_json()) == 1
    del fake.activities[activity["id"]]
    client.post("/webhooks/strava", json=event(activity["id"], "delete"))
    client.post("/webhooks/strava", json=event(activity["id"]))  # a late create: the activity is gone
    run_queue(app)
    assert host.call("GET", "/sessions").get_json() == []


def test_an_expired_token_is_refreshed_and_the_new_one_kept(app, client, db, host, fake):
    connect(client, host, fake)
    before = json.loads(keyring(app).decrypt(installation(db, host).credentials_enc))["strava"]
    fake.expire_all()
    yoga = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(yoga["id"]))
    run_queue(app)

    after = json.loads(keyring(app).decrypt(installation(db, host).credentials_enc))["strava"]
    assert after["refresh_token"] != before["refresh_token"]
    assert (
        after["refresh_token"] in fake.refresh_tokens and before["refresh_token"] not in fake.refresh_tokens
    )
    assert len(host.call("GET", "/sessions").get_json()) == 1


def test_deauthorization_disables_sync(app, client, db, host, fake):
    connect(client, host, fake)
    fake.deauthorize(ATHLETE_ID)  # the athlete revoked our access in Strava's settings
    client.post(
        "/webhooks/strava",
        json=event(ATHLETE_ID, "update", object_type="athlete", updates={"authorized": "false"}),
    )
    run_queue(app)
    assert installation(db, host).tracker_state["strava"]["sync"] is False
    yoga = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(yoga["id"]))
    run_queue(app)
    assert host.call("GET", "/sessions").get_json() == []
    assert fake.requests("GET", f"/api/v3/activities/{yoga['id']}") == []


# --- events are only pointers: forged ones change nothing (issue 19, finding 6) ---------------


def run_retries(app) -> None:
    """Run the retries the queue scheduled, as a consumer would once their delay has passed."""
    huey = jobs(app).huey
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)  # huey keeps naive UTC
    for task in huey.read_schedule(later):
        huey.execute(task, later)


def stored_session_ids(host: Host) -> list[str]:
    return [s["source_id"] for s in host.call("GET", "/sessions").get_json()]


def test_a_forged_delete_of_an_activity_strava_still_has_leaves_the_session(app, client, host, fake):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    assert stored_session_ids(host) == [str(activity["id"])]

    forged = client.post("/webhooks/strava", json=event(activity["id"], "delete"))
    assert forged.status_code == 200  # acknowledged, as Strava expects: it is only a pointer
    run_queue(app)

    assert stored_session_ids(host) == [str(activity["id"])]
    # Strava was asked, with the athlete's token, whether the activity is gone.
    asked = fake.requests("GET", f"/api/v3/activities/{activity['id']}")
    assert len(asked) == 2 and asked[-1].headers["Authorization"].startswith("Bearer ")


def test_a_delete_while_strava_is_unreachable_keeps_the_session_and_is_tried_again(app, client, host, fake):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    del fake.activities[activity["id"]]  # the athlete really deleted it, but Strava is down
    fake.fail("GET", "/api/v3/activities/<id>", Response("upstream timeout", status=503))

    client.post("/webhooks/strava", json=event(activity["id"], "delete"))
    run_queue(app)
    assert stored_session_ids(host) == [str(activity["id"])]  # never deleted on doubt
    assert jobs(app).huey.scheduled_count() == 1

    run_retries(app)  # Strava answers again: 404
    assert stored_session_ids(host) == []


@pytest.mark.parametrize("answer", [Response(status=403), Response(status=429), Response(status=500)])
def test_a_delete_that_strava_answers_with_anything_but_404_keeps_the_session(
    app, client, host, fake, answer
):
    connect(client, host, fake)
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    for _ in range(4):  # the first try and every retry
        fake.fail("GET", "/api/v3/activities/<id>", answer)
    client.post("/webhooks/strava", json=event(activity["id"], "delete"))
    run_queue(app)
    for _ in range(3):
        run_retries(app)
    assert stored_session_ids(host) == [str(activity["id"])]


def test_a_forged_deauthorization_leaves_sync_on(app, client, db, host, fake):
    connect(client, host, fake)
    forged = client.post(
        "/webhooks/strava",
        json=event(ATHLETE_ID, "update", object_type="athlete", updates={"authorized": "false"}),
    )
    assert forged.status_code == 200
    run_queue(app)

    assert installation(db, host).tracker_state["strava"]["sync"] is True
    assert len(fake.requests("GET", "/api/v3/athlete")) == 1  # Strava still takes the token
    activity = recent_stretch(fake)
    client.post("/webhooks/strava", json=event(activity["id"]))
    run_queue(app)
    assert stored_session_ids(host) == [str(activity["id"])]


def test_a_deauthorization_while_strava_is_unreachable_waits_for_strava(app, client, db, host, fake):
    connect(client, host, fake)
    fake.fail("GET", "/api/v3/athlete", Response("", status=502))
    client.post(
        "/webhooks/strava",
        json=event(ATHLETE_ID, "update", object_type="athlete", updates={"authorized": "false"}),
    )
    run_queue(app)
    assert installation(db, host).tracker_state["strava"]["sync"] is True
    fake.deauthorize(ATHLETE_ID)
    run_retries(app)
    assert installation(db, host).tracker_state["strava"]["sync"] is False


@pytest.mark.parametrize("field", ["object_id", "owner_id", "subscription_id", "event_time"])
@pytest.mark.parametrize("value", [-1, 2**63, 2**70, 1.5, "12", True])
def test_an_id_out_of_stravas_range_is_a_422_naming_it(app, client, field, value):
    answer = client.post("/webhooks/strava", json={**event(1), field: value})
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert jobs(app).huey.pending_count() == 0


def test_the_largest_id_strava_can_give_is_taken(app, client):
    largest = 2**63 - 1
    answer = client.post(
        "/webhooks/strava", json={**event(largest, owner_id=largest), "subscription_id": largest}
    )
    assert answer.status_code == 200
    assert jobs(app).huey.pending_count() == 1


def test_an_unknown_owner_is_ignored_with_a_logged_reason(app, client, fake, caplog):
    caplog.set_level(logging.INFO)
    answer = client.post("/webhooks/strava", json=event(5, owner_id=999))
    assert answer.status_code == 200
    run_queue(app)
    assert "no installation is connected to athlete 999" in caplog.text
    assert fake.server.log == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[]", "body"),
        (json.dumps(event(1, owner_id="x")).encode(), "owner_id"),
        (json.dumps(event(1, aspect="merge")).encode(), "aspect_type"),
    ],
)
def test_a_malformed_event_is_a_422_naming_the_field_and_queues_nothing(app, client, body, field, caplog):
    answer = client.post("/webhooks/strava", data=body, content_type="application/json")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert jobs(app).huey.pending_count() == 0
    assert "malformed Strava event" in caplog.text


# --- sessions out --------------------------------------------------------------------------------


def test_sessions_done_elsewhere_are_posted_once_and_not_imported_back(app, client, db, host, fake):
    connect(client, host, fake, post_sessions=True)
    assert host.import_session(session_body("hevy-1")).status_code == 201
    row = installation(db, host)

    assert row.id in service.posting_installations(db)
    jobs(app).strava_post(row.id)
    run_queue(app)
    jobs(app).strava_post(row.id)  # again: nothing new to post
    run_queue(app)

    (posted,) = fake.requests("POST", "/api/v3/activities")
    assert posted.form["name"] == "Stretching: Daily hamstring stretch"
    assert posted.form["sport_type"] == "Workout"
    assert posted.form["elapsed_time"] == "420"
    assert "Lying hamstring stretch, left leg: 1 set, 1 rep, hold 30 s" in posted.form["description"]
    (activity_id,) = fake.activities
    # Strava tells us about the activity we made, and about the athlete renaming it: no new session.
    client.post("/webhooks/strava", json=event(activity_id))
    fake.activities[activity_id]["name"] = "Tuesday stretch"
    client.post("/webhooks/strava", json=event(activity_id, "update", updates={"title": "Tuesday stretch"}))
    run_queue(app)
    assert [s["source"] for s in host.call("GET", "/sessions").get_json()] == ["host"]


def test_sessions_are_not_posted_unless_asked(app, client, db, host, fake):
    connect(client, host, fake, post_sessions=False)
    host.import_session(session_body("hevy-2"))
    row = installation(db, host)
    assert row.id not in service.posting_installations(db)
    assert service.post_pending(db, keyring(app), app.config, row.id) == []
    assert fake.requests("POST", "/api/v3/activities") == []


def test_posting_needs_the_write_scope(client, db, host, fake):
    answer = connect(client, host, fake, post_sessions=True, scope="read,activity:read_all")
    assert answer.status_code == 403 and "write" in answer.get_data(as_text=True)
    assert "strava" not in (installation(db, host).tracker_state or {})


def test_sessions_received_before_connecting_are_not_posted(app, client, db, host, fake):
    host.import_session(session_body("before-connect"))
    connect(client, host, fake, post_sessions=True)
    host.import_session(session_body("after-connect"))
    row = installation(db, host)
    assert len(service.post_pending(db, keyring(app), app.config, row.id)) == 1
    (posted,) = fake.requests("POST", "/api/v3/activities")
    assert posted.form["name"] == "Stretching: Daily hamstring stretch"


def test_a_strava_host_installation_with_its_own_tokens_takes_events(app, client, fake):
    app.config["STRAVA_CLIENT_ID"] = app.config["STRAVA_CLIENT_SECRET"] = ""  # the host brings its app
    issued = fake.issue(lifetime=60)  # about to expire: the first call refreshes with the host's app
    host = Host(client)
    credentials = {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "accessToken": issued["access_token"],
        "refreshToken": issued["refresh_token"],
        "expiresAt": issued["expires_at"],
        "athleteId": ATHLETE_ID,
        "stretchingSportTypes": ["Yoga"],  # this athlete logs stretching as Yoga
    }
    assert host.install(tracker="strava", credentials=credentials).status_code == 201
    yoga = recent_yoga(fake)
    client.post("/webhooks/strava", json=event(yoga["id"]))
    run_queue(app)
    (refresh,) = fake.requests("POST", "/oauth/token")
    assert (refresh.form["client_id"], refresh.form["refresh_token"]) == (CLIENT_ID, issued["refresh_token"])
    (fetched,) = fake.requests("GET", f"/api/v3/activities/{yoga['id']}")
    assert fetched.headers["Authorization"] != f"Bearer {issued['access_token']}"
    assert [s["source_id"] for s in host.call("GET", "/sessions").get_json()] == [str(yoga["id"])]


def test_an_activity_the_import_rules_refuse_is_logged_not_retried(app, client, host, fake, caplog):
    caplog.set_level(logging.INFO)
    connect(client, host, fake)
    future = fake.add(name="Trunk rotation", sport_type="Workout", start_date="2099-01-01T07:00:00Z")
    client.post("/webhooks/strava", json=event(future["id"]))
    run_queue(app)
    assert "breaks a rule (started_at" in caplog.text
    assert jobs(app).huey.pending_count() == 0 and jobs(app).huey.scheduled_count() == 0
    assert host.call("GET", "/sessions").get_json() == []


def test_connecting_without_a_configured_strava_app_is_a_clear_page(app, client, host):
    app.config["STRAVA_CLIENT_ID"] = ""
    link = host.call("POST", "/hooks/strava/connect", {}).get_json()["url"]
    answer = client.get(link)
    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert "PLUGIN_STRAVA_CLIENT_ID" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("sport_types", "field"),
    [
        (["Yoga", "Stretching"], "credentials.stretchingSportTypes.1"),
        (["yoga"], "credentials.stretchingSportTypes.0"),
        ("Yoga", "credentials.stretchingSportTypes"),
    ],
)
def test_an_unknown_sport_type_to_opt_into_is_a_422_and_installs_nothing(client, db, sport_types, field):
    host = Host(client)
    answer = host.install(
        tracker="strava", credentials={"athleteId": ATHLETE_ID, "stretchingSportTypes": sport_types}
    )
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    with db.unit_of_work() as session:
        assert installation_repo.by_client_key(session, host.client_key) is None


def test_an_activity_recorded_as_posted_while_its_event_was_handled_is_not_imported(
    app, client, db, host, fake
):
    connect(client, host, fake, post_sessions=True)
    host.import_session(session_body("hevy-3"))
    row = installation(db, host)
    (activity_id,) = service.post_pending(db, keyring(app), app.config, row.id)
    # The event's first look saw no posted id; the write checks again.
    outcome = service.follow_activity(db, keyring(app), app.config, row.id, ATHLETE_ID, activity_id)
    assert outcome == "ignored: an activity we posted"
    assert [s["source"] for s in host.call("GET", "/sessions").get_json()] == ["host"]
