"""Hevy end to end: a host installs, pushes routines through the export hook and its background job,
and completed workouts come back through the scheduled poll, all against the local Hevy stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_hevy import FakeHevy, error
from hostkit import Host, host_config

from plugin.config import keyring, sync_lookback
from plugin.jobs import run_push_to_end
from plugin.services import sync
from plugin.store import installations as installation_repo

API_KEY = "0b7f3d1e-6a55-4c2b-9a0e-3f5d2c1b0a99"


@pytest.fixture
def app_config(database_config, tmp_path) -> dict:
    return host_config(database_config, tmp_path)


@pytest.fixture
def fake(httpserver) -> FakeHevy:
    return FakeHevy(httpserver, API_KEY)


@pytest.fixture
def host(client, fake) -> Host:
    host = Host(client)
    answer = host.install(tracker="hevy", base_url=fake.url, credentials={"token": API_KEY})
    assert answer.status_code == 201, answer.get_json()
    return host


def installation_id(db, host: Host) -> str:
    with db.unit_of_work() as session:
        return installation_repo.by_client_key(session, host.client_key).id


def push(app, host: Host, routines: list[str]) -> dict:
    answer = host.call("POST", "/hooks/export", {"routines": routines})
    assert answer.status_code == 202, answer.get_json()
    push_id = answer.get_json()["id"]
    run_push_to_end(app, push_id)
    return host.call("GET", f"/hooks/export/{push_id}").get_json()


def test_a_push_creates_each_routine_once_and_the_next_updates_it(app, host, fake):
    first = push(app, host, ["daily-hamstring", "trunk-rotation"])

    assert first["status"] == "delivered", first
    assert len(fake.routines) == 2
    titles = sorted(r.get_json()["routine"]["title"] for r in fake.requests("POST", "/v1/routines"))
    assert titles == ["Daily hamstring stretch", "Trunk rotation"]
    assert all(r.headers["api-key"] == API_KEY for r, _ in fake.server.log)
    remote = first["remote_ids"]["daily-hamstring"]["routine"]
    assert remote in fake.routines

    second = push(app, host, ["daily-hamstring"])

    assert second["status"] == "delivered"
    assert len(fake.requests("POST", "/v1/routines")) == 2  # no new routine
    assert len(fake.requests("PUT", f"/v1/routines/{remote}")) == 1


def test_the_routine_limit_fails_the_push_with_hevys_reason(app, host, fake):
    fake.routine_limit = 0
    outcome = push(app, host, ["contract-relax"])
    assert outcome["status"] == "failed"
    assert "Routine limit exceeded" in outcome["last_error"]
    assert outcome["attempts"] == 1  # a limit is not retried


@pytest.mark.parametrize("shape", ["bare", "empty"])
def test_both_published_create_answers_deliver_in_one_attempt(app, host, fake, shape):
    # The spec answers 201 with the Routine; Hevy has been seen answering 201 with no body.
    fake.answer_shape = shape
    outcome = push(app, host, ["wall-hamstring"])

    assert outcome["status"] == "delivered", outcome
    assert outcome["attempts"] == 1
    (made,) = fake.routines
    assert outcome["remote_ids"]["wall-hamstring"]["routine"] == made
    assert len(fake.requests("POST", "/v1/routines")) == 1


def test_an_empty_201_whose_listing_fails_is_retried_without_a_second_routine(app, host, fake):
    # An empty 201, and the listing that should name the new routine fails once.
    fake.answer_shape = "empty"
    fake.on_create = lambda _: fake.fail("GET", "/v1/routines", error(502, "Bad Gateway"))
    app.config["PUSH_BACKOFF_BASE_S"] = 0.01
    outcome = push(app, host, ["wall-hamstring"])

    assert outcome["status"] == "delivered"
    assert outcome["attempts"] == 2
    assert len(fake.routines) == 1
    assert len(fake.requests("POST", "/v1/routines")) == 1


def test_the_poll_stores_our_workouts_once_and_drops_deleted_ones(app, db, host, fake):
    delivered = push(app, host, ["daily-hamstring"])
    remote = delivered["remote_ids"]["daily-hamstring"]["routine"]
    lying = next(e for e in fake.templates if e["title"] == "Lying hamstring stretch")["id"]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    exercise = {
        "index": 0,
        "title": "Lying hamstring stretch",
        "notes": "Left leg (then the right leg).",
        "exercise_template_id": lying,
        "supersets_id": None,
        "sets": [
            {
                "index": 0,
                "type": "normal",
                "weight_kg": None,
                "reps": None,
                "distance_meters": None,
                "duration_seconds": 30,
                "rpe": None,
                "custom_metric": None,
            }
        ],
    }
    kept = fake.log_workout(
        remote, base, base + timedelta(minutes=6), [exercise], base + timedelta(minutes=7)
    )
    fake.log_workout("not-ours", base, base + timedelta(minutes=40), [], base + timedelta(minutes=50))
    gone = fake.log_workout(
        remote,
        base + timedelta(hours=1),
        base + timedelta(hours=1, minutes=5),
        [],
        base + timedelta(hours=1, minutes=6),
    )
    installation = installation_id(db, host)

    assert installation in sync.due_for_polling(db)  # the scheduled sweep would enqueue it
    first = sync.sync(db, keyring(app), installation)
    assert first["new"] == 2

    fake.delete_workout(gone, base + timedelta(hours=2))
    second = sync.sync(db, keyring(app), installation)
    assert (second["new"], second["deleted"]) == (0, 1)
    # The cursor moved on: the second poll asked only for what changed since the first.
    since = [r.args["since"] for r in fake.requests("GET", "/v1/workouts/events")]
    assert since[0] == "1970-01-01T00:00:00Z" and since[1] > since[0]

    sessions = host.call("GET", "/sessions").get_json()
    assert [(s["source"], s["source_id"], s["routine"]) for s in sessions] == [
        ("hevy", kept, "daily-hamstring")
    ]
    assert sessions[0]["duration_s"] == 360
    assert sessions[0]["exercises"] == [
        {"exercise": "lying-hamstring", "sets": 1, "hold_s": 30, "duration_s": 30, "side": "left"}
    ]


def test_a_replayed_poll_stores_nothing_twice(app, db, host, fake):
    delivered = push(app, host, ["trunk-rotation"])
    remote = delivered["remote_ids"]["trunk-rotation"]["routine"]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    fake.log_workout(remote, base, base + timedelta(minutes=3), [], base + timedelta(minutes=4))
    installation = installation_id(db, host)
    sync.sync(db, keyring(app), installation)
    with db.unit_of_work() as session:
        installation_repo.get(session, installation).sync_cursor = None  # as if the cursor were lost
    again = sync.sync(db, keyring(app), installation)
    assert (again["new"], again["repeated"]) == (0, 1)
    assert len(host.call("GET", "/sessions").get_json()) == 1


def test_the_command_line_installs_pushes_and_syncs_hevy(runner, fake):
    installed = runner.invoke(
        args=["install", "hevy", "--base-url", fake.url, "--token", API_KEY, "--routines", "desk-break"]
    )
    assert installed.exit_code == 0, installed.output
    key = installed.output.strip()

    pushed = runner.invoke(args=["push", key, "--wait"])
    assert pushed.exit_code == 0, pushed.output
    (remote,) = fake.routines
    assert fake.routines[remote]["title"] == "Desk-worker hamstring break"

    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    fake.log_workout(remote, base, base + timedelta(minutes=3), [], base + timedelta(minutes=4))
    synced = runner.invoke(args=["sync", key, "--wait"])
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.output)["new"] == 1


def held(template_id: str, seconds: list[int]) -> dict:
    """A workout exercise as Hevy logs it: one timed set per hold."""
    return {
        "index": 0,
        "title": "Lying hamstring stretch",
        "notes": "Left leg (then the right leg).",
        "exercise_template_id": template_id,
        "supersets_id": None,
        "sets": [
            {
                "index": i,
                "type": "normal",
                "weight_kg": None,
                "reps": None,
                "distance_meters": None,
                "duration_seconds": s,
                "rpe": None,
                "custom_metric": None,
            }
            for i, s in enumerate(seconds)
        ],
    }


def test_a_workout_updated_in_hevy_updates_the_session_in_place_and_a_deletion_removes_it(
    app, db, host, fake
):
    delivered = push(app, host, ["daily-hamstring"])
    remote = delivered["remote_ids"]["daily-hamstring"]["routine"]
    lying = next(e for e in fake.templates if e["title"] == "Lying hamstring stretch")["id"]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    workout = fake.log_workout(
        remote, base, base + timedelta(minutes=4), [held(lying, [30])], base + timedelta(minutes=5)
    )
    installation = installation_id(db, host)
    assert sync.sync(db, keyring(app), installation)["new"] == 1
    (stored,) = host.call("GET", "/sessions").get_json()

    # The user adds a hold and corrects the end time in the app: an `updated` event, same workout id.
    fake.log_workout(
        remote,
        base,
        base + timedelta(minutes=10),
        [held(lying, [30, 45])],
        base + timedelta(hours=1),
        workout_id=workout,
    )
    counts = sync.sync(db, keyring(app), installation)

    assert (counts["new"], counts["updated"]) == (0, 1)
    (edited,) = host.call("GET", "/sessions").get_json()
    assert edited["id"] == stored["id"]  # the same record, not a second one
    assert edited["duration_s"] == 600
    assert edited["exercises"] == [
        {"exercise": "lying-hamstring", "sets": 2, "hold_s": 45, "duration_s": 75, "side": "left"}
    ]
    assert sync.sync(db, keyring(app), installation)["updated"] == 0  # nothing new since the cursor

    fake.delete_workout(workout, base + timedelta(hours=2))
    assert sync.sync(db, keyring(app), installation)["deleted"] == 1
    assert host.call("GET", "/sessions").get_json() == []


def test_edits_and_deletions_of_sessions_older_than_the_lookback_are_left_alone(app, db, host, fake):
    delivered = push(app, host, ["daily-hamstring"])
    remote = delivered["remote_ids"]["daily-hamstring"]["routine"]
    lying = next(e for e in fake.templates if e["title"] == "Lying hamstring stretch")["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    started = now - timedelta(days=20)
    workout = fake.log_workout(
        remote, started, started + timedelta(minutes=4), [held(lying, [30])], now - timedelta(hours=5)
    )
    installation = installation_id(db, host)
    assert sync.sync(db, keyring(app), installation, sync_lookback(app))["new"] == 1  # logged late: kept

    fake.log_workout(
        remote,
        started,
        started + timedelta(minutes=9),
        [held(lying, [60])],
        now - timedelta(hours=4),
        workout_id=workout,
    )
    fake.delete_workout(workout, now - timedelta(hours=3))
    counts = sync.sync(db, keyring(app), installation, sync_lookback(app))  # 14 days by default

    assert (counts["updated"], counts["deleted"]) == (0, 0)
    (kept,) = host.call("GET", "/sessions").get_json()
    assert kept["duration_s"] == 240

    # PLUGIN_SYNC_LOOKBACK_DAYS=30 reaches it: the deletion reported next is followed.
    app.config["SYNC_LOOKBACK_DAYS"] = 30
    fake.delete_workout(workout, now - timedelta(hours=1))
    counts = sync.sync(db, keyring(app), installation, sync_lookback(app))
    assert counts["deleted"] == 1
    assert host.call("GET", "/sessions").get_json() == []
