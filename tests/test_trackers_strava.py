"""The Strava client against a local server playing Strava's OAuth and API v3."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_strava import ATHLETE_ID, CLIENT_ID, CLIENT_SECRET, FakeStrava
from werkzeug import Response

from plugin import catalog
from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.trackers.base import TrackerError
from plugin.trackers.strava import StravaApp, StravaTokens, StravaTracker, TokenRefused, exchange_code

NOW = 1_795_000_000.0  # 2026-11-18, the fake's and the client's clock
FAST = (2, 0.5)


@pytest.fixture
def fake(httpserver) -> FakeStrava:
    return FakeStrava(httpserver, now=NOW)


def app_for(fake: FakeStrava) -> StravaApp:
    return StravaApp(CLIENT_ID, CLIENT_SECRET, api_url=f"{fake.url}/api/v3", oauth_url=f"{fake.url}/oauth")


def connected(fake: FakeStrava, lifetime: int = 21600, saved: list | None = None) -> StravaTracker:
    issued = fake.issue(lifetime=lifetime)
    tokens = StravaTokens(issued["access_token"], issued["refresh_token"], issued["expires_at"])
    return StravaTracker(
        app_for(fake),
        tokens,
        on_tokens=saved.append if saved is not None else None,
        clock=lambda: NOW,
        timeout=FAST,
    )


def test_the_authorization_page_asks_for_read_and_write_with_our_state():
    url = StravaApp(CLIENT_ID, CLIENT_SECRET).authorize_url(
        "https://plugin.example/connect/strava/callback", "st4te"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.strava.com", "/oauth/authorize")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_id": CLIENT_ID,
        "redirect_uri": "https://plugin.example/connect/strava/callback",
        "response_type": "code",
        "approval_prompt": "auto",
        "scope": "read,activity:read_all,activity:write",
        "state": "st4te",
    }


def test_a_code_is_exchanged_for_tokens_and_the_athlete(fake):
    fake.codes["c0de"] = ATHLETE_ID
    tokens, athlete = exchange_code(app_for(fake), "c0de", timeout=FAST)

    (sent,) = fake.requests("POST", "/oauth/token")
    assert sent.form.to_dict() == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": "c0de",
        "grant_type": "authorization_code",
    }
    assert athlete == ATHLETE_ID
    assert tokens.access_token in fake.access and tokens.refresh_token in fake.refresh_tokens


def test_a_used_or_forged_code_is_refused_without_retry(fake):
    with pytest.raises(TrackerError) as failure:
        exchange_code(app_for(fake), "never-issued", timeout=FAST)
    assert failure.value.status == 400 and not failure.value.retryable


def test_a_token_about_to_expire_is_refreshed_first_and_the_new_refresh_token_kept(fake):
    saved: list[StravaTokens] = []
    tracker = connected(fake, lifetime=60, saved=saved)
    old_refresh = tracker.tokens.refresh_token
    activity = fake.add(name="Stretch", sport_type="Yoga")

    assert tracker.activity(activity["id"])["id"] == activity["id"]

    refresh, fetch = [r for r, _ in fake.server.log]
    assert refresh.path == "/oauth/token"
    assert refresh.form["grant_type"] == "refresh_token" and refresh.form["refresh_token"] == old_refresh
    assert fetch.headers["Authorization"] == f"Bearer {saved[0].access_token}"
    assert saved[0].refresh_token != old_refresh  # Strava rotated it; the old one is dead
    assert saved[0].refresh_token in fake.refresh_tokens and old_refresh not in fake.refresh_tokens
    assert tracker.tokens == saved[0]


def test_a_401_refreshes_once_and_retries(fake):
    saved: list[StravaTokens] = []
    tracker = connected(fake, saved=saved)
    activity = fake.add(name="Stretch", sport_type="Yoga")
    fake.expire_all()

    assert tracker.activity(activity["id"])["name"] == "Stretch"
    assert [(r.method, r.path) for r, _ in fake.server.log] == [
        ("GET", f"/api/v3/activities/{activity['id']}"),
        ("POST", "/oauth/token"),
        ("GET", f"/api/v3/activities/{activity['id']}"),
    ]
    assert len(saved) == 1


def test_a_revoked_refresh_token_fails_without_retry(fake):
    tracker = connected(fake)
    fake.expire_all()
    fake.refresh_tokens.clear()
    with pytest.raises(TokenRefused) as failure:
        tracker.activity(1)
    assert failure.value.status == 401 and not failure.value.retryable


def test_a_deauthorized_athlete_is_a_refused_token_and_a_working_one_is_not(fake):
    tracker = connected(fake)
    assert tracker.athlete()["id"] == ATHLETE_ID
    fake.deauthorize(ATHLETE_ID)
    with pytest.raises(TokenRefused):
        tracker.athlete()


def test_a_bad_client_secret_is_not_taken_for_a_refused_token(fake):
    tracker = connected(fake, lifetime=60)  # about to expire: the call refreshes first
    tracker.app = StravaApp(CLIENT_ID, "not-the-secret", tracker.app.api_url, tracker.app.oauth_url)
    with pytest.raises(TrackerError) as failure:
        tracker.athlete()
    assert not isinstance(failure.value, TokenRefused) and failure.value.status == 400


def test_rate_limits_server_errors_and_timeouts_are_retryable(fake):
    tracker = connected(fake)
    activity = fake.add()
    name = "/api/v3/activities/<id>"
    fake.fail(
        "GET",
        name,
        Response('{"message": "Rate Limit Exceeded"}', status=429, headers={"Retry-After": "900"}),
    )
    fake.fail("GET", name, Response("upstream", status=503))
    fake.fail("GET", name, ("slow", 1.0))
    outcomes = []
    for _ in range(3):
        with pytest.raises(TrackerError) as failure:
            tracker.activity(activity["id"])
        outcomes.append((failure.value.status, failure.value.retryable, failure.value.retry_after))
    fake.settle("GET", f"/api/v3/activities/{activity['id']}", count=3)
    assert outcomes == [(429, True, 900.0), (503, True, None), (None, True, None)]


def test_a_body_that_is_not_json_fails_cleanly(fake):
    tracker = connected(fake)
    activity = fake.add()
    fake.fail("GET", "/api/v3/activities/<id>", ("malformed", "<html>maintenance</html>"))
    with pytest.raises(TrackerError) as failure:
        tracker.activity(activity["id"])
    assert "not JSON" in failure.value.message


SESSION = CompletedSession(
    source="hevy",
    source_id="b459cba5",
    routine_id="daily-hamstring",
    started_at=datetime(2026, 11, 20, 7, 30, 0),
    duration_s=420,
    exercises=(ExerciseDone("lying-hamstring", sets=1, hold_s=30, duration_s=30, side="left"),),
)


def test_a_session_is_posted_as_a_manual_activity_once(fake):
    tracker = connected(fake)
    names = {e.id: e.name for e in catalog.exercises()}
    first = tracker.post_session(SESSION, "Daily hamstring stretch", names)
    second = tracker.post_session(SESSION, "Daily hamstring stretch", names)

    assert first == second
    (posted,) = fake.requests("POST", "/api/v3/activities")
    assert posted.form.to_dict() == {
        "name": "Stretching: Daily hamstring stretch",
        "sport_type": "Workout",
        "start_date_local": "2026-11-20T07:30:00Z",
        "elapsed_time": "420",
        "description": "Stretching session logged in hevy.\n"
        "- Lying hamstring stretch, left leg: 1 set, hold 30 s",
    }
    assert list(fake.activities) == [first]


def test_a_post_that_timed_out_is_found_instead_of_repeated(fake):
    tracker = connected(fake)
    fake.fail("POST", "/api/v3/activities", ("slow", 1.0))
    with pytest.raises(TrackerError) as failure:
        tracker.post_session(SESSION, "Daily hamstring stretch")
    assert failure.value.retryable
    fake.settle("POST", "/api/v3/activities")
    assert len(fake.activities) == 1

    activity_id = tracker.post_session(SESSION, "Daily hamstring stretch")

    assert list(fake.activities) == [activity_id]
    assert len(fake.requests("POST", "/api/v3/activities")) == 1


def test_pull_takes_only_our_activities_with_their_descriptions(fake):
    tracker = connected(fake)
    fake.add(name="Evening yoga", sport_type="Yoga", start_date="2026-11-20T18:00:00Z")
    fake.add(name="Leg day", sport_type="WeightTraining", start_date="2026-11-20T17:00:00Z")
    run = fake.add(name="Morning run", sport_type="Run", start_date="2026-11-20T06:00:00Z")
    renamed = fake.add(
        name="Tuesday",
        sport_type="Workout",
        start_date="2026-11-20T19:00:00Z",
        description="Stretching session logged in wger.\n- Lying hamstring stretch: 1 set",
    )
    ours = fake.add(
        name="Stretching: Trunk rotation",
        sport_type="Walk",
        start_date="2026-11-21T07:00:00Z",
        description="slow and easy",
    )
    fake.add(name="Before the cursor", sport_type="Workout", start_date="2026-11-19T07:00:00Z")

    result = tracker.pull(str(int(datetime(2026, 11, 20).timestamp())), {"Trunk rotation": "trunk-rotation"})

    # The listing has no description: what a session keeps as notes comes from the detail.
    assert [(s.source_id, s.routine_id, s.notes) for s in result.sessions] == [
        (str(renamed["id"]), None, renamed["description"]),
        (str(ours["id"]), "trunk-rotation", "slow and easy"),
    ]
    (listing,) = fake.requests("GET", "/api/v3/athlete/activities")
    assert listing.args["after"] == str(int(datetime(2026, 11, 20).timestamp()))
    assert fake.requests("GET", f"/api/v3/activities/{run['id']}") == []  # a run with its own name
    assert result.cursor == str(int(datetime.fromisoformat("2026-11-21T07:00:00+00:00").timestamp()))


def test_pull_takes_the_sport_types_opted_into_and_skips_what_we_posted(fake):
    tracker = connected(fake)
    yoga = fake.add(name="Evening yoga", sport_type="Yoga", start_date="2026-11-20T18:00:00Z")
    fake.add(name="Gym", sport_type="Workout", start_date="2026-11-20T17:00:00Z")
    posted = fake.add(
        name="Stretching: Trunk rotation",
        sport_type="Workout",
        start_date="2026-11-20T19:00:00Z",
        description="Stretching session logged in hevy.",
    )
    tracker.sport_types = frozenset({"Yoga"})
    tracker.posted_ids = frozenset({str(posted["id"])})

    result = tracker.pull("0", {"Trunk rotation": "trunk-rotation"})

    assert [s.source_id for s in result.sessions] == [str(yoga["id"])]
    assert fake.requests("GET", f"/api/v3/activities/{posted['id']}") == []


def test_a_routine_cannot_be_pushed_to_strava(fake):
    with pytest.raises(TrackerError) as failure:
        connected(fake).push(catalog.builtin_routine("trunk-rotation"), None, {})
    assert not failure.value.retryable
    assert fake.server.log == []
