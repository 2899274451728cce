"""The wger client against a real wger 2.1 server: push, read back through wger's API, pull."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from peer_wger import WgerApi, exercise_headings, visible_text, workout_page

from plugin import catalog
from plugin.catalog.model import Routine, RoutineEntry
from plugin.formats.text import seconds_phrase
from plugin.trackers.base import Credentials, PullScope, TrackerError
from plugin.trackers.wger import WgerTracker, make_session

pytestmark = pytest.mark.peer
BERLIN = ZoneInfo("Europe/Berlin")


def tracker(server, **extra) -> WgerTracker:
    return WgerTracker(Credentials(server.url, server.token, extra))


@pytest.fixture
def api(wger_server) -> WgerApi:
    return WgerApi(wger_server.url, wger_server.token)


def test_detects_the_21_api_and_adds_our_own_exercises_once_per_server(wger_server, api):
    client = tracker(wger_server)
    assert client.generation() == "2.1"
    assert client.units()["Seconds"] == 3
    # wger 2.1's list has no stretch: no stand-in, our own exercise under our name
    lying = client.find_exercise(catalog.exercise("lying-hamstring"))
    assert api.exercise_name(lying) == "Lying hamstring stretch"
    # "Trunk Rotation With Cable" is another exercise, not ours
    trunk = client.find_exercise(catalog.exercise("standing-trunk-rotation"))
    assert api.exercise_name(trunk) == "Standing trunk rotation with a pole"
    # a later client (another push, another installation) finds them instead of adding more
    again = tracker(wger_server)
    assert again.find_exercise(catalog.exercise("lying-hamstring")) == lying
    assert len(api.get("exercise", name="Lying hamstring stretch", language=2)) == 1


def unique_exercise(exercise_id: str):
    """A catalog exercise under a name no wger server has yet."""
    return replace(
        catalog.exercise(exercise_id), id=f"{exercise_id}-x", name=f"Stretch {uuid.uuid4().hex[:8]}"
    )


def test_a_configured_fallback_exercise_comes_before_adding_one_and_a_real_match_wins(wger_server, api):
    fresh = unique_exercise("band-hamstring")
    assert tracker(wger_server, fallback_exercise=268).find_exercise(fresh) == 268
    added = tracker(wger_server).find_exercise(fresh)
    assert added != 268 and api.exercise_name(added) == fresh.name
    assert tracker(wger_server, fallback_exercise=268).find_exercise(fresh) == added


def expected_on_page(routine: Routine) -> list[tuple[str, str]]:
    """(our exercise name and side, the dose in words) for every set of the routine."""
    out = []
    for entry in routine.entries:
        dose = entry.dose
        if dose.kind.value == "hold":
            amount = f"hold {dose.hold_s} s"
        elif dose.kind.value == "continuous":
            amount = f"{seconds_phrase(dose.duration_s)} continuous"
        elif dose.kind.value == "contract_relax":
            amount = f"{dose.reps} × {dose.contract_s} s push"
        else:
            amount = f"{dose.reps} reps"
        for side in dose.sides:
            out.append((f"{entry.exercise.name}, {side} leg" if side else entry.exercise.name, amount))
    return out


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_wgers_workout_page_names_every_stretch_with_side_and_dose(wger_server, routine):
    """Logged in to wger's web page as its user: our exercises, never a stand-in (issue #13)."""
    workout_id = tracker(wger_server).push(routine, None, {}).state["workout"]
    html = workout_page(wger_server.url, wger_server.user, wger_server.password, workout_id)
    text = visible_text(html)
    for label, amount in expected_on_page(routine):
        assert f"{label}. " in text, label
        assert amount in text.lower(), amount
    assert set(exercise_headings(html)) == {e.exercise.name for e in routine.entries}
    assert "Leg Raises" not in html and "Leg Raise" not in text
    for entry in routine.entries:
        if entry.dose.kind.value == "hold" and entry.dose.sets * entry.dose.reps <= 10:
            # wger's own amount line: each hold is one wger set
            assert f"{entry.dose.sets * entry.dose.reps} × {entry.dose.hold_s} Seconds" in text


def test_a_plain_account_gets_sets_with_our_text_alone(wger_server):
    """A user wger does not let add exercises: the set comment carries everything, no exercise is shown."""
    name = "plain" + uuid.uuid4().hex[:8]
    token = wger_server.add_user(name, contributor=False)
    fresh = unique_exercise("lying-hamstring")
    routine = Routine("plain", "Plain account", "", (RoutineEntry(fresh, fresh.dose),), builtin=False)
    client = WgerTracker(Credentials(wger_server.url, token, {}))
    workout_id = client.push(routine, None, {}).state["workout"]
    api = WgerApi(wger_server.url, token)
    ((_, sets),) = api.structure(workout_id)
    assert [len(settings) for _, settings in sets] == [0, 0]  # left and right, no exercise
    assert api.get("exercise", name=fresh.name, language=2) == []  # nothing was added
    html = workout_page(wger_server.url, name, wger_server.password, workout_id)
    text = visible_text(html)
    for label, amount in expected_on_page(routine):
        assert f"{label}. " in text and amount in text.lower()
    assert exercise_headings(html) == []


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_push_builtin_routine_and_read_it_back_through_wgers_api(wger_server, api, routine):
    outcome = tracker(wger_server).push(routine, None, {})
    workout_id = int(outcome.remote_ids["workout"])
    assert outcome.state["workout"] == workout_id
    api.check_workout(workout_id, routine, weekdays=[1, 2, 3, 4, 5, 6, 7])


def test_push_again_updates_the_same_workout(wger_server, api):
    lying = catalog.exercise("lying-hamstring")
    first = Routine("update-me", "Update me", "", (RoutineEntry(lying, lying.dose),), builtin=False)
    client = tracker(wger_server)
    outcome = client.push(first, None, {})
    longer = Routine(
        "update-me",
        "Update me, longer holds",
        "",
        (RoutineEntry(lying, lying.dose.with_overrides(hold_s=45, rest_s=10)),),
        builtin=False,
    )
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


def test_log_a_session_in_wger_and_pull_it_in_local_time(wger_server, api):
    routine = catalog.builtin_routine("daily-hamstring")
    client = tracker(wger_server)
    workout_id = client.push(routine, None, {}).state["workout"]
    day = date(2026, 1, 5)
    session = api.log_workout(workout_id, day, notes="morning", time_start="07:30", time_end="07:40")
    remote = {str(workout_id): routine.id}
    berlin = PullScope(timezone="Europe/Berlin")

    first = client.pull(None, remote, berlin)
    (done,) = [s for s in first.sessions if s.started_at.astimezone(BERLIN).date() == day]
    bout = f"{session['id']}:{routine.id}:1"
    assert (done.source, done.source_id, done.routine_id) == ("wger", bout, routine.id)
    # wger keeps wall-clock time: 07:30 in Berlin in January (CET) is 06:30 UTC
    assert done.started_at.isoformat() == "2026-01-05T06:30:00+00:00" and done.duration_s == 600
    assert done.notes == "morning"
    by_id = {e.exercise_id: e for e in done.exercises}
    assert set(by_id) == {"lying-hamstring", "band-hamstring", "standing-forward-bend"}
    assert (by_id["lying-hamstring"].sets, by_id["lying-hamstring"].hold_s) == (2, 30)
    assert (by_id["standing-forward-bend"].sets, by_id["standing-forward-bend"].hold_s) == (2, 30)

    # read again in the look-back: the same bout, the same id; a stored one wger lacks is reported
    scope = PullScope(timezone="Europe/Berlin", since=day, known=frozenset({bout, "0:daily-hamstring:1"}))
    again = tracker(wger_server).pull(first.cursor, remote, scope)
    assert [s for s in again.sessions if s.source_id == bout] == [done]
    assert again.deleted == ["0:daily-hamstring:1"]
    # null amounts: wger 2.1 refuses them (reps is NOT NULL), so 2.3+ is tested on its stand-in


def test_a_wrong_token_is_a_clear_non_retryable_failure(wger_server):
    client = WgerTracker(Credentials(wger_server.url, "0" * 40))
    with pytest.raises(TrackerError) as err:
        client.push(catalog.builtin_routine("trunk-rotation"), None, {})
    assert err.value.status in (401, 403) and not err.value.retryable
    assert "Invalid token" in err.value.message


def test_server_stopped_mid_export_then_back_gives_one_complete_workout(wger_server, api):
    desk = catalog.builtin_routine("desk-break")
    routine = Routine("midway", "Stopped midway", "", desk.entries, builtin=False)
    session = make_session(wger_server.token, retries=1)
    session.hooks["response"].append(wger_server.stop_after_sets(2))
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
