"""The wger client against a real wger 2.1 server: push, read back through wger's API, pull."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from plugin import catalog
from plugin.catalog.model import Routine, RoutineEntry
from plugin.formats import wger as fmt
from plugin.formats.text import caution_line
from plugin.trackers.base import Credentials, TrackerError
from plugin.trackers.wger import WgerTracker, make_session

pytestmark = pytest.mark.peer


def tracker(server, **extra) -> WgerTracker:
    return WgerTracker(Credentials(server.url, server.token, extra))


class WgerApi:
    """wger's own API, read independently of the client under test."""

    def __init__(self, server) -> None:
        self.url = server.url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Token {server.token}"

    def get(self, path: str, **params):
        response = self.http.get(f"{self.url}/api/v2/{path}/", params={"limit": 1000, **params}, timeout=10)
        response.raise_for_status()
        body = response.json()
        return body["results"] if isinstance(body, dict) and "results" in body else body

    def post(self, path: str, body: dict) -> dict:
        response = self.http.post(f"{self.url}/api/v2/{path}/", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def workouts_for(self, routine_id: str) -> list[dict]:
        marker = f"{fmt.MARKER} {routine_id}"
        return [w for w in self.get("workout") if w["description"].splitlines()[-1] == marker]

    def structure(self, workout_id: int) -> list[tuple[dict, list[tuple[dict, list[dict]]]]]:
        days = self.get("day", training=workout_id)
        return [(day, [(s, self.get("setting", set=s["id"]))
                       for s in sorted(self.get("set", exerciseday=day["id"]), key=lambda s: s["order"])])
                for day in days]

    def exercise_name(self, base_id: int) -> str:
        return self.get("exercise", exercise_base=base_id, language=2)[0]["name"]


@pytest.fixture
def api(wger_server) -> WgerApi:
    return WgerApi(wger_server)


def test_detects_the_21_api_and_looks_exercises_up(wger_server, api):
    client = tracker(wger_server)
    assert client.generation() == "2.1"
    assert client.units()["Seconds"] == 3
    trunk = client.find_exercise(catalog.exercise("standing-trunk-rotation"))
    assert api.exercise_name(trunk).strip() == "Trunk Rotation With Cable"
    # wger 2.1's list has no hamstring stretch: the documented stand-in is used
    lying = client.find_exercise(catalog.exercise("lying-hamstring"))
    assert api.exercise_name(lying) == "Leg Raises, Lying"


def test_a_configured_fallback_exercise_replaces_the_stand_in(wger_server):
    client = tracker(wger_server, fallback_exercise=268)
    assert client.find_exercise(catalog.exercise("band-hamstring")) == 268
    assert client.find_exercise(catalog.exercise("standing-trunk-rotation")) != 268  # a real match wins


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_push_builtin_routine_and_read_it_back_through_wgers_api(wger_server, api, routine):
    outcome = tracker(wger_server).push(routine, None, {})
    workout_id = int(outcome.remote_ids["workout"])
    assert outcome.state["workout"] == workout_id
    workout = api.get(f"workout/{workout_id}")
    assert workout["name"] == routine.name
    units = {u["id"]: u["name"] for u in api.get("setting-repetitionunit")}

    ((day, sets),) = api.structure(workout_id)
    assert day["day"] == [1, 2, 3, 4, 5, 6, 7]
    expected = [(entry, side) for entry in routine.entries for side in entry.dose.sides]
    assert len(sets) == len(expected)
    for (set_, settings), (entry, side) in zip(sets, expected, strict=True):
        dose = entry.dose
        assert settings and all(s["comment"].startswith(entry.exercise.name) for s in settings)
        if side:
            assert set_["comment"].startswith(f"{side.capitalize()} leg.")
            assert all(f"{side} leg" in s["comment"] for s in settings)
        amounts = {(units[s["repetition_unit"]], s["reps"]) for s in settings}
        if dose.kind.value == "hold":
            assert amounts == {("Seconds", dose.hold_s)}
            assert set_["sets"] == dose.sets * dose.reps
        elif dose.kind.value == "continuous":
            assert amounts == {("Seconds", dose.duration_s)}
            assert set_["sets"] == dose.sets
        else:
            assert amounts == {("Repetitions", dose.reps)}
            assert max(set_["sets"], len(settings)) == dose.sets
        if dose.rest_s:
            assert f"rest {dose.rest_s} s" in set_["comment"]
        assert fmt.key_caution(entry.exercise) in set_["comment"]

    everything = "\n".join([workout["description"], day["description"]]
                           + [s["comment"] for s, _ in sets] + [x["comment"] for _, st in sets for x in st])
    for caution in routine.cautions:
        assert caution_line(caution) in everything, caution.id


def test_push_again_updates_the_same_workout(wger_server, api):
    lying = catalog.exercise("lying-hamstring")
    first = Routine("update-me", "Update me", "", (RoutineEntry(lying, lying.dose),), builtin=False)
    client = tracker(wger_server)
    outcome = client.push(first, None, {})
    longer = Routine("update-me", "Update me, longer holds", "",
                     (RoutineEntry(lying, lying.dose.with_overrides(hold_s=45, rest_s=10)),), builtin=False)
    again = client.push(longer, None, outcome.state)
    assert again.remote_ids == outcome.remote_ids
    # a lost state (a push that failed before its state was kept) finds the workout by its marker
    lost = tracker(wger_server).push(longer, None, {})
    assert lost.remote_ids == outcome.remote_ids

    (workout,) = api.workouts_for("update-me")
    assert workout["name"] == "Update me, longer holds"
    ((_, sets),) = api.structure(workout["id"])  # the old day went with its sets and settings
    assert [s["reps"] for _, settings in sets for s in settings] == [45, 45]
    assert all("rest 10 s" in s["comment"] for s, _ in sets)


def test_a_deleted_workout_is_made_again(wger_server, api):
    routine = catalog.builtin_routine("disc-safe")
    client = tracker(wger_server)
    outcome = client.push(routine, None, {})
    api.http.delete(f"{api.url}/api/v2/workout/{outcome.state['workout']}/", timeout=10).raise_for_status()
    again = client.push(routine, None, outcome.state)
    assert again.remote_ids != outcome.remote_ids
    assert [w["id"] for w in api.workouts_for("disc-safe")] == [again.state["workout"]]


def test_log_a_session_in_wger_and_pull_it_once(wger_server, api):
    routine = catalog.builtin_routine("daily-hamstring")
    client = tracker(wger_server)
    workout_id = client.push(routine, None, {}).state["workout"]
    ((_, sets),) = api.structure(workout_id)
    day = date(2026, 1, 5)
    session = api.post("workoutsession", {"workout": workout_id, "date": day.isoformat(), "impression": "3",
                                          "notes": "morning", "time_start": "07:30", "time_end": "07:40"})
    for set_, settings in sets:
        for setting in settings:
            for _ in range(set_["sets"] if len(settings) == 1 else 1):
                api.post("workoutlog", {
                    "workout": workout_id, "exercise_base": setting["exercise_base"],
                    "repetition_unit": setting["repetition_unit"], "reps": setting["reps"],
                    # §1.2: 2.1's log weight is NOT NULL
                    "weight": 0, "weight_unit": 1, "date": day.isoformat()})
    remote = {str(workout_id): routine.id}

    first = client.pull(None, remote)
    (done,) = [s for s in first.sessions if s.started_at.date() == day]
    assert (done.source, done.source_id, done.routine_id) == ("wger", str(session["id"]), routine.id)
    assert done.started_at.isoformat() == "2026-01-05T07:30:00+00:00" and done.duration_s == 600
    assert done.notes == "morning"
    by_id = {e.exercise_id: e for e in done.exercises}
    assert set(by_id) == {"lying-hamstring", "band-hamstring", "standing-forward-bend"}
    assert (by_id["lying-hamstring"].sets, by_id["lying-hamstring"].hold_s) == (2, 30)
    assert (by_id["standing-forward-bend"].sets, by_id["standing-forward-bend"].hold_s) == (2, 30)
    assert json.loads(first.cursor)["since"] == "2026-01-05"

    again = tracker(wger_server).pull(first.cursor, remote)
    assert again.sessions == []
    assert json.loads(again.cursor) == json.loads(first.cursor)
    # without a cursor the same session comes back with the same id: the store dedupes it
    assert [s.source_id for s in tracker(wger_server).pull(None, remote).sessions] == [done.source_id]


def test_a_wrong_token_is_a_clear_non_retryable_failure(wger_server):
    client = WgerTracker(Credentials(wger_server.url, "0" * 40))
    with pytest.raises(TrackerError) as err:
        client.push(catalog.builtin_routine("trunk-rotation"), None, {})
    assert err.value.status in (401, 403) and not err.value.retryable
    assert "Invalid token" in err.value.message


def test_server_stopped_mid_export_then_back_gives_one_complete_workout(wger_server, api):
    desk = catalog.builtin_routine("desk-break")
    routine = Routine("midway", "Stopped midway", "", desk.entries, builtin=False)
    posts = []

    def stop_after_second_set(response, *args, **kwargs):
        if response.request.method == "POST" and response.request.url.endswith("/api/v2/set/"):
            posts.append(response.request.url)
            if len(posts) == 2:
                wger_server.stop()

    session = make_session(wger_server.token, retries=1)
    session.hooks["response"].append(stop_after_second_set)
    client = WgerTracker(Credentials(wger_server.url, wger_server.token), session=session)
    try:
        with pytest.raises(TrackerError) as err:
            client.push(routine, None, {})
        assert err.value.retryable and err.value.status is None
    finally:
        wger_server.start(keep_db=True)

    (partial,) = api.workouts_for("midway")  # the failed push left half a workout behind
    ((_, half),) = api.structure(partial["id"])
    assert len(half) == 2

    outcome = tracker(wger_server).push(routine, None, {})  # the failed push kept no state
    (workout,) = api.workouts_for("midway")
    assert workout["id"] == outcome.state["workout"]
    ((_, sets),) = api.structure(workout["id"])
    assert len(sets) == sum(len(e.dose.sides) for e in routine.entries)
