"""The Hevy client against a local server playing Hevy's API v1 from its spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fake_hevy import FakeHevy, error
from werkzeug import Response

from plugin import catalog
from plugin.formats import hevy as hevy_format
from plugin.trackers.base import Credentials, TrackerError
from plugin.trackers.hevy import HevyTracker

API_KEY = "6f1c2a47-3c1e-4b59-9d59-4d8f4f3e2a10"
FAST = (2, 0.5)  # connect, read seconds: short, so a slow answer counts as a timeout


@pytest.fixture
def fake(httpserver) -> FakeHevy:
    return FakeHevy(httpserver, API_KEY)


def tracker(fake: FakeHevy, state: dict | None = None, key: str = API_KEY) -> HevyTracker:
    return HevyTracker(
        Credentials(base_url=fake.url, token=key), state if state is not None else {}, timeout=FAST
    )


def routine(routine_id: str = "contract-relax"):
    return catalog.builtin_routine(routine_id)


def test_first_push_creates_templates_and_one_routine_with_what_was_asked(fake):
    outcome = tracker(fake).push(routine("desk-break"), None, {})

    assert len(fake.routines) == 1
    (posted,) = fake.requests("POST", "/v1/routines")
    assert posted.headers["api-key"] == API_KEY
    body = posted.get_json()
    assert set(body) == {"routine"}  # wrapped, as Hevy requires
    sent = body["routine"]
    assert sent["title"] == "Desk-worker hamstring break"
    assert sent["notes"].startswith("Contraindication: Do not stretch your hamstrings")
    # Two custom templates: the counted chair stretch as reps_only, the held forward bend as duration.
    created = [r.get_json()["exercise"] for r in fake.requests("POST", "/v1/exercise_templates")]
    assert [(c["title"], c["exercise_type"], c["muscle_group"]) for c in created] == [
        ("Seated two-chair hamstring stretch", "reps_only", "hamstrings"),
        ("Standing forward bend (toe reach)", "duration", "hamstrings"),
    ]
    chair_left, chair_right, bend = sent["exercises"]
    assert chair_left["exercise_template_id"] == chair_right["exercise_template_id"]
    assert chair_left["notes"].startswith("Left leg") and chair_right["notes"].startswith("Right leg")
    assert [s["reps"] for s in chair_left["sets"]] == [4]
    assert [s["duration_seconds"] for s in bend["sets"]] == [30, 30]
    assert bend["rest_seconds"] == 15
    assert outcome.remote_ids == {"routine": next(iter(fake.routines))}
    assert outcome.state["routine_id"] == next(iter(fake.routines))


def test_later_push_updates_in_place_without_folder_id(fake):
    state: dict = {}
    first = tracker(fake, state).push(routine(), None, {})
    second = tracker(fake, state).push(routine(), None, first.state)

    assert len(fake.requests("POST", "/v1/routines")) == 1
    (put,) = fake.requests("PUT", f"/v1/routines/{first.state['routine_id']}")
    assert "folder_id" not in put.get_json()["routine"]
    assert second.state["routine_id"] == first.state["routine_id"]
    # The installation state remembered the template: no second listing or creation.
    assert len(fake.requests("GET", "/v1/exercise_templates")) == 1
    assert len(fake.requests("POST", "/v1/exercise_templates")) == 1


def test_a_fitting_library_template_is_used_instead_of_a_custom_one(httpserver):
    library = [
        {
            "id": "HS000001",
            "title": "Lying Hamstring Stretch",
            "type": "duration",
            "is_custom": False,
            "primary_muscle_group": "hamstrings",
            "secondary_muscle_groups": [],
            "equipment_category": "none",
        },
        {
            "id": "HS000002",
            "title": "Lying hamstring stretch",
            "type": "reps_only",
            "is_custom": False,
            "primary_muscle_group": "hamstrings",
            "secondary_muscle_groups": [],
            "equipment_category": "none",
        },
    ]
    fake = FakeHevy(httpserver, API_KEY, library=library)
    r = catalog.builtin_routine("daily-hamstring")
    tracker(fake).push(r, None, {})

    sent = fake.requests("POST", "/v1/routines")[0].get_json()["routine"]
    assert sent["exercises"][0]["exercise_template_id"] == "HS000001"  # same title, duration type
    titles = [req.get_json()["exercise"]["title"] for req in fake.requests("POST", "/v1/exercise_templates")]
    assert "Lying hamstring stretch" not in titles


def test_templates_are_found_across_pages(httpserver):
    filler = [
        {
            "id": f"F{i:07d}",
            "title": f"Filler {i}",
            "type": "weight_reps",
            "is_custom": False,
            "primary_muscle_group": "chest",
            "secondary_muscle_groups": [],
            "equipment_category": "barbell",
        }
        for i in range(150)
    ]
    knees = {
        "id": "KTC00001",
        "title": "Knees-to-chest stretch",
        "type": "duration",
        "is_custom": False,
        "primary_muscle_group": "lower_back",
        "secondary_muscle_groups": [],
        "equipment_category": "none",
    }
    fake = FakeHevy(httpserver, API_KEY, library=[*filler, knees])
    tracker(fake).push(routine("disc-safe"), None, {})

    pages = [(r.args["page"], r.args["pageSize"]) for r in fake.requests("GET", "/v1/exercise_templates")]
    assert pages == [("1", "100"), ("2", "100")]
    assert fake.requests("POST", "/v1/exercise_templates") == []
    sent = fake.requests("POST", "/v1/routines")[0].get_json()["routine"]
    assert sent["exercises"][0]["exercise_template_id"] == "KTC00001"


def test_a_post_that_timed_out_is_not_repeated(fake):
    fake.fail("POST", "/v1/routines", ("slow", 1.0))  # Hevy makes it, but answers too late
    state: dict = {}
    with pytest.raises(TrackerError) as failure:
        tracker(fake, state).push(routine(), None, {})
    assert failure.value.retryable
    fake.settle("POST", "/v1/routines")
    assert len(fake.routines) == 1

    outcome = tracker(fake, state).push(routine(), None, {})  # the retry: no routine id remembered

    assert len(fake.routines) == 1
    assert len(fake.requests("POST", "/v1/routines")) == 1
    assert outcome.state["routine_id"] == next(iter(fake.routines))
    assert len(fake.requests("PUT", f"/v1/routines/{outcome.state['routine_id']}")) == 1


def test_an_answer_without_a_routine_id_is_resolved_from_the_listing_at_once(fake):
    fake.fail("POST", "/v1/routines", ("malformed", '{"routine": []}'))
    outcome = tracker(fake).push(routine(), None, {})

    assert outcome.state["routine_id"] == next(iter(fake.routines))
    assert len(fake.requests("POST", "/v1/routines")) == 1


def test_an_empty_201_whose_listing_fails_is_found_by_the_retry_without_a_second_post(fake):
    fake.answer_shape = "empty"
    # Hevy makes the routine, but the listing right after the POST fails.
    fake.on_create = lambda _: fake.fail("GET", "/v1/routines", error(502, "Bad Gateway"))
    state: dict = {}
    with pytest.raises(TrackerError) as failure:
        tracker(fake, state).push(routine(), None, {})
    assert failure.value.retryable
    fake.on_create = None

    outcome = tracker(fake, state).push(routine(), None, {})

    assert list(fake.routines) == [outcome.state["routine_id"]]
    assert len(fake.requests("POST", "/v1/routines")) == 1


def test_another_routine_with_the_same_title_is_left_alone(fake):
    own = tracker(fake).push(routine(), None, {})
    # The user's own routine of the same name, with other exercises.
    fake.routines["user-made"] = {
        **fake.routines[own.state["routine_id"]],
        "id": "user-made",
        "exercises": [],
    }
    del fake.routines[own.state["routine_id"]]

    outcome = tracker(fake).push(routine(), None, {})

    assert outcome.state["routine_id"] != "user-made"
    assert fake.requests("PUT", "/v1/routines/user-made") == []


def test_a_routine_deleted_in_the_app_is_made_again(fake):
    state: dict = {}
    first = tracker(fake, state).push(routine(), None, {})
    fake.routines.clear()

    second = tracker(fake, state).push(routine(), None, first.state)

    assert second.state["routine_id"] != first.state["routine_id"]
    assert list(fake.routines) == [second.state["routine_id"]]


def test_the_published_answer_is_the_bare_routine(fake):
    tracker(fake).push(routine(), None, {})
    (answered,) = [r for q, r in fake.server.log if q.method == "POST" and q.path == "/v1/routines"]
    created = answered.get_json()
    assert answered.status_code == 201
    assert created["id"] in fake.routines and created["title"] == "Contract-relax hamstring"


@pytest.mark.parametrize("shape", ["bare", "empty", "list", "object"])
def test_every_create_answer_gives_the_routine_id_in_one_attempt(fake, shape):
    fake.answer_shape = shape
    outcome = tracker(fake).push(routine(), None, {})

    (made,) = fake.routines
    assert outcome.state["routine_id"] == made
    assert len(fake.requests("POST", "/v1/routines")) == 1
    # The empty 201 names nothing: the listing after the POST does, so it is read twice.
    listings = fake.requests("GET", "/v1/routines")
    assert len(listings) == (2 if shape == "empty" else 1)

    tracker(fake).push(routine(), None, outcome.state)  # the next push updates what was made
    assert len(fake.requests("PUT", f"/v1/routines/{made}")) == 1
    assert len(fake.routines) == 1


def test_the_routine_limit_fails_the_push_with_the_reason(fake):
    fake.routine_limit = 0
    with pytest.raises(TrackerError) as failure:
        tracker(fake).push(routine(), None, {})
    assert not failure.value.retryable
    assert failure.value.status == 403
    assert "Routine limit exceeded" in failure.value.message


def test_the_custom_exercise_limit_fails_the_push_with_the_reason(fake):
    fake.custom_limit = 0
    with pytest.raises(TrackerError) as failure:
        tracker(fake).push(routine(), None, {})
    assert not failure.value.retryable
    assert "exceeds-custom-exercise-limit" in failure.value.message
    assert fake.routines == {}


def test_a_wrong_key_is_not_retried(fake):
    with pytest.raises(TrackerError) as failure:
        tracker(fake, key="not-the-key").push(routine(), None, {})
    assert failure.value.status == 401
    assert not failure.value.retryable


def test_too_many_requests_carries_retry_after(fake):
    fake.fail(
        "GET",
        "/v1/exercise_templates",
        Response("Too Many Requests", status=429, headers={"Retry-After": "7"}),
    )
    with pytest.raises(TrackerError) as failure:
        tracker(fake).push(routine(), None, {})
    assert failure.value.retryable
    assert failure.value.retry_after == 7


def test_a_server_error_is_retryable_and_changes_nothing(fake):
    fake.fail("POST", "/v1/routines", error(502, "Bad Gateway"))
    with pytest.raises(TrackerError) as failure:
        tracker(fake).push(routine(), None, {})
    assert failure.value.retryable
    assert fake.routines == {}


def test_every_builtin_routine_is_accepted_by_the_spec_checks(fake):
    state: dict = {}
    for r in catalog.builtin_routines():
        tracker(fake, state).push(r, None, {})
    assert len(fake.routines) == len(catalog.builtin_routines())
    assert all(r.status_code < 300 for _, r in fake.server.log)


# --- pulling completed workouts ---------------------------------------------------------


def hold_exercise(template_id: str, side_note: str, seconds: list[int]) -> dict:
    return {
        "index": 0,
        "title": "Lying hamstring stretch",
        "notes": side_note,
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


def test_pull_maps_our_workouts_and_deletions_across_pages(fake):
    state: dict = {}
    pushed = tracker(fake, state).push(routine("daily-hamstring"), None, {})
    ours = pushed.state["routine_id"]
    template = pushed.state["templates"]["lying-hamstring"]
    base = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    kept = fake.log_workout(
        ours,
        base,
        base + timedelta(minutes=5),
        [hold_exercise(template, "Left leg (then the right leg).", [30])],
        updated=base + timedelta(minutes=6),
    )
    for n in range(11):  # someone else's workouts push ours onto page 2
        fake.log_workout(
            "another-routine",
            base,
            base + timedelta(minutes=30),
            [],
            updated=base + timedelta(hours=1, minutes=n),
        )
    gone = fake.log_workout(ours, base, base + timedelta(minutes=4), [], updated=base + timedelta(hours=2))
    fake.delete_workout(gone, base + timedelta(hours=3))

    result = tracker(fake, state).pull(None, {ours: "daily-hamstring"})

    requests = fake.requests("GET", "/v1/workouts/events")
    assert [(r.args["page"], r.args["pageSize"], r.args["since"]) for r in requests] == [
        ("1", "10", "1970-01-01T00:00:00Z"),
        ("2", "10", "1970-01-01T00:00:00Z"),
    ]
    assert [s.source_id for s in result.sessions] == [kept]
    session = result.sessions[0]
    assert (session.source, session.routine_id, session.duration_s) == ("hevy", "daily-hamstring", 300)
    assert session.started_at == base
    (done,) = session.exercises
    assert (done.exercise_id, done.side, done.hold_s, done.sets) == ("lying-hamstring", "left", 30, 1)
    assert result.deleted == [gone]
    assert result.cursor == "2026-11-20T10:00:00Z"

    # With the installation state lost, the template's title still names our exercise.
    fresh = tracker(fake, {}).pull(None, {ours: "daily-hamstring"})
    assert [d.exercise_id for d in fresh.sessions[0].exercises] == ["lying-hamstring"]

    again = tracker(fake, state).pull(result.cursor, {ours: "daily-hamstring"})
    assert fake.requests("GET", "/v1/workouts/events")[-1].args["since"] == "2026-11-20T10:00:00Z"
    assert again.sessions == [] and again.deleted == [] and again.cursor == result.cursor


def test_a_malformed_events_page_fails_the_poll(fake):
    fake.fail(
        "GET", "/v1/workouts/events", ("malformed", '{"page": 1, "page_count": 1, "events": [{"type": 3}]}')
    )
    with pytest.raises(TrackerError) as failure:
        tracker(fake).pull(None, {})
    assert "events.0" in failure.value.message


def test_a_body_that_is_not_json_fails_cleanly(fake):
    fake.fail("GET", "/v1/workouts/events", ("malformed", "<html>oops</html>"))
    with pytest.raises(TrackerError) as failure:
        tracker(fake).pull(None, {})
    assert "not JSON" in failure.value.message


def test_the_placeholder_ids_are_documented_and_never_sent(fake):
    tracker(fake).push(routine(), None, {})
    sent = fake.requests("POST", "/v1/routines")[0].get_json()["routine"]
    assert not any(
        e["exercise_template_id"].startswith(hevy_format.PLACEHOLDER_PREFIX) for e in sent["exercises"]
    )


def test_the_routine_state_remembers_its_templates_when_the_installation_state_is_new(fake):
    first = tracker(fake, {}).push(routine(), None, {})
    tracker(fake, {}).push(routine(), None, first.state)
    assert len(fake.requests("GET", "/v1/exercise_templates")) == 1
    assert len(fake.requests("POST", "/v1/routines")) == 1


def test_an_edited_workout_is_reported_once_in_its_newest_state(fake):
    state: dict = {}
    pushed = tracker(fake, state).push(routine("daily-hamstring"), None, {})
    ours = pushed.state["routine_id"]
    template = pushed.state["templates"]["lying-hamstring"]
    base = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    workout = fake.log_workout(
        ours, base, base + timedelta(minutes=4), [hold_exercise(template, "Left leg.", [30])], base
    )
    fake.log_workout(
        ours,
        base,
        base + timedelta(minutes=8),
        [hold_exercise(template, "Left leg.", [30, 40])],
        base + timedelta(hours=1),
        workout_id=workout,
    )

    result = tracker(fake, state).pull(None, {ours: "daily-hamstring"})

    (session,) = result.sessions
    assert (session.source_id, session.duration_s) == (workout, 480)
    assert [(d.sets, d.hold_s) for d in session.exercises] == [(2, 40)]
    assert result.cursor == "2026-11-20T08:00:00Z"
