"""End to end through the CLI and the push records, against a real wger 2.1 server.

install → push every built-in routine → read them back through wger's own API →
log a session in wger → sync → one completed session → sync again → still one.
Each test has a wger user of its own, so their workouts and sessions stay apart.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hostkit import host_config
from peer_wger import WgerApi

from plugin import catalog
from plugin.config import keyring
from plugin.services import installations, pushes
from plugin.store.pushes import DELIVERED, PENDING
from plugin.trackers import wger as wger_tracker

pytestmark = pytest.mark.peer

ROUTINES = [r.id for r in catalog.builtin_routines()]


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, PUSH_BACKOFF_BASE_S=0.01, PUSH_MAX_ATTEMPTS=2)


@pytest.fixture
def wger_user(wger_server) -> tuple[str, WgerApi]:
    """A fresh wger user: its API token and wger's API as that user."""
    token = wger_server.add_user("u" + uuid.uuid4().hex[:10])
    return token, WgerApi(wger_server.url, token)


def cli(runner, *args: str):
    result = runner.invoke(args=list(args))
    return result.exit_code, result.output


def install(runner, wger_server, token: str, key: str, routines: list[str]) -> None:
    code, output = cli(
        runner,
        "install",
        "wger",
        "--client-key",
        key,
        "--base-url",
        wger_server.url,
        "--token",
        token,
        "--routines",
        ",".join(routines),
        "--times",
        "07:30,19:00",
        "--days",
        "MO,TU,WE,TH,FR",
        "--timezone",
        "Europe/Berlin",
    )
    assert code == 0, output
    assert output.strip() == key


def push_wait(runner, key: str) -> tuple[int, dict]:
    result = runner.invoke(args=["push", key, "--wait"])
    # stdout: the push id, then the record; a failure adds its one line on stderr.
    return result.exit_code, json.loads(result.stdout.split("\n", 1)[1])


def test_install_push_log_sync_sessions(runner, wger_server, wger_user):
    token, api = wger_user
    install(runner, wger_server, token, "wger-e2e", ROUTINES)

    code, answer = push_wait(runner, "wger-e2e")
    assert code == 0 and answer["status"] == "delivered", answer
    assert set(answer["remote_ids"]) == set(ROUTINES)
    for routine in catalog.builtin_routines():
        workout_id = int(answer["remote_ids"][routine.id]["workout"])
        # The plan starts today: wger gets the doses of its first week (docs/catalog.md#progression).
        day = api.check_workout(workout_id, routine.at_week(1), weekdays=[1, 2, 3, 4, 5])
        assert "at 07:30, 19:00 Europe/Berlin" in day["description"]
        assert [w["id"] for w in api.workouts_for(routine.id)] == [workout_id]

    trunk_workout = int(answer["remote_ids"]["trunk-rotation"]["workout"])
    day = date.today() - timedelta(days=2)  # the store refuses sessions in the future
    logged = api.log_workout(trunk_workout, day, time_start="07:30", time_end="07:34")

    code, output = cli(runner, "sync", "wger-e2e", "--wait")
    assert code == 0, output
    assert json.loads(output)["new"] == 1
    code, output = cli(runner, "sessions", "wger-e2e", "--json")
    (stored,) = json.loads(output)
    assert (stored["source"], stored["source_id"]) == ("wger", f"{logged['id']}:trunk-rotation:1")
    assert stored["routine"] == "trunk-rotation"
    # 07:30 wall-clock time in the plan's Europe/Berlin, as a UTC instant
    berlin = datetime.combine(day, time(7, 30), tzinfo=ZoneInfo("Europe/Berlin"))
    assert datetime.fromisoformat(stored["started_at"]) == berlin and stored["duration_s"] == 240
    assert stored["exercises"] == [{"exercise": "standing-trunk-rotation", "sets": 1, "hold_s": 180}]

    code, output = cli(runner, "sync", "wger-e2e", "--wait")
    assert code == 0 and json.loads(output)["new"] == 0, output
    assert len(json.loads(cli(runner, "sessions", "wger-e2e", "--json")[1])) == 1

    # a second push updates the same workouts
    code, again = push_wait(runner, "wger-e2e")
    assert code == 0 and again["remote_ids"] == answer["remote_ids"]
    assert len(api.get("workout")) == len(ROUTINES)


def test_a_wrong_token_fails_the_push_with_the_status_visible(runner, wger_server):
    install(runner, wger_server, "0" * 40, "wger-bad-token", ["trunk-rotation"])
    code, answer = push_wait(runner, "wger-bad-token")
    assert code == 1
    assert answer["status"] == "failed" and answer["attempts"] == 1  # a 403 is not worth retrying
    assert "HTTP 403" in answer["last_error"] and "Invalid token" in answer["last_error"]


def test_server_stopped_mid_export_is_delivered_once_it_is_back(
    app, runner, db, wger_server, wger_user, monkeypatch
):
    token, api = wger_user
    install(runner, wger_server, token, "wger-outage", ["desk-break"])
    real_session = wger_tracker.make_session
    stop_after_two_sets = wger_server.stop_after_sets(2)

    def session_that_stops_wger(token, retries=3):
        session = real_session(token, retries=1)
        session.hooks["response"].append(stop_after_two_sets)
        return session

    monkeypatch.setattr(wger_tracker, "make_session", session_that_stops_wger)
    with db.unit_of_work() as session:
        installation_id = installations.find(session, "wger-outage").id
        push_id = pushes.create_push(session, installation_id, ["desk-break"]).id
    policy = pushes.RetryPolicy(max_attempts=3, base_s=0.0)
    try:
        pushes.attempt(db, keyring(app), push_id, policy)
        with db.unit_of_work() as session:
            status = pushes.status(session, installation_id, push_id)
        assert status.status == PENDING and status.attempts == 1
        assert "ConnectionError" in status.last_error
    finally:
        wger_server.start(keep_db=True)
    (partial,) = api.workouts_for("desk-break")  # half a workout was made before the outage
    ((_, half),) = api.structure(partial["id"])
    assert len(half) == 2

    monkeypatch.setattr(wger_tracker, "make_session", real_session)
    pushes.attempt(db, keyring(app), push_id, policy)
    with db.unit_of_work() as session:
        status = pushes.status(session, installation_id, push_id)
    assert status.status == DELIVERED and status.attempts == 2
    (workout,) = api.workouts_for("desk-break")
    assert workout["id"] == partial["id"] == int(status.remote_ids["desk-break"]["workout"])
    api.check_workout(workout["id"], catalog.builtin_routine("desk-break"), weekdays=[1, 2, 3, 4, 5])
