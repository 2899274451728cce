"""The Hevy routine body: every set, hold, side and caution lands in a documented field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from plugin import catalog
from plugin.catalog.model import DoseKind
from plugin.errors import InvalidInput
from plugin.formats import hevy
from plugin.formats.text import caution_line

ROUTINES = catalog.builtin_routines()


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_the_body_keeps_every_caution_set_hold_and_side(routine):
    body = json.loads(hevy.export(routine))
    sent = body["routine"]
    assert sent["title"] == routine.name
    assert sent["notes"].splitlines()[: len(routine.cautions)] == [caution_line(c) for c in routine.cautions]
    assert sent["notes"].splitlines()[-1] == hevy.marker(routine)

    exercises = iter(sent["exercises"])
    for entry in routine.entries:
        dose = entry.dose
        for side in dose.sides:
            ex = next(exercises)
            assert ex["exercise_template_id"] == hevy.placeholder_id(entry.exercise.id)
            assert ex["rest_seconds"] == dose.rest_s
            if side:
                assert ex["notes"].startswith(f"{side.capitalize()} leg")
            for caution in entry.exercise.cautions:
                assert caution_line(caution) in ex["notes"]
            if entry.exercise.cue:
                assert entry.exercise.cue in ex["notes"]
            if dose.kind is DoseKind.COUNTED:
                assert [s["reps"] for s in ex["sets"]] == [dose.reps] * dose.sets
                assert all(s["duration_seconds"] is None for s in ex["sets"])
            else:
                assert [s["duration_seconds"] for s in ex["sets"]] == [dose.work_s] * (dose.sets * dose.reps)
                assert all(s["reps"] is None for s in ex["sets"])
            assert all(s["weight_kg"] is None and s["distance_meters"] is None for s in ex["sets"])
    assert next(exercises, None) is None


def test_the_contract_relax_foot_position_is_named_for_each_set():
    routine = catalog.builtin_routine("contract-relax")
    left, right = json.loads(hevy.export(routine))["routine"]["exercises"]
    assert len(left["sets"]) == 9 and {s["duration_seconds"] for s in left["sets"]} == {6}
    for note in (left["notes"], right["notes"]):
        assert "Sets 1-3: foot pointing up." in note
        assert "Sets 4-6: foot turned in." in note
        assert "Sets 7-9: foot turned out." in note
        assert "20-30 % effort" in note


def test_a_counted_stretch_needs_a_reps_only_template_and_a_hold_a_duration_one():
    desk = catalog.builtin_routine("desk-break")
    assert [hevy.template_type(e) for e in desk.entries] == [hevy.REPS_ONLY, hevy.DURATION]
    request = hevy.template_request(desk.entries[1])["exercise"]
    assert request == {
        "title": "Standing forward bend (toe reach)",
        "exercise_type": "duration",
        "equipment_category": "none",
        "muscle_group": "hamstrings",
        "other_muscles": ["lower_back"],
    }


def test_put_body_has_no_folder_and_real_ids_replace_placeholders():
    routine = catalog.builtin_routine("trunk-rotation")
    body = hevy.update_body(routine, {"standing-trunk-rotation": "ABCD1234"})
    assert "folder_id" not in body["routine"]
    assert body["routine"]["exercises"][0]["exercise_template_id"] == "ABCD1234"
    assert body["routine"]["exercises"][0]["sets"][0]["duration_seconds"] == 180


def test_an_at_sign_never_reaches_hevy():
    assert "@" not in hevy.clean_note("ask me @ the clinic")


WORKOUT = {
    "id": "b459cba5-cd6d-463c-abd6-54f8eafcadcb",
    "title": "Daily hamstring stretch",
    "routine_id": "r-1",
    "description": "tight today",
    "start_time": "2026-11-20T07:00:00Z",
    "end_time": "2026-11-20T07:04:30Z",
    "updated_at": "2026-11-20T07:05:00Z",
    "created_at": "2026-11-20T07:05:00Z",
    "exercises": [
        {
            "index": 0,
            "title": "Seated two-chair hamstring stretch",
            "notes": "Right leg (then the left leg).",
            "exercise_template_id": "T-CHAIR",
            "supersets_id": None,
            "sets": [
                {
                    "index": 0,
                    "type": "normal",
                    "weight_kg": None,
                    "reps": 4,
                    "distance_meters": None,
                    "duration_seconds": None,
                    "rpe": None,
                    "custom_metric": None,
                }
            ],
        },
        {
            "index": 1,
            "title": "Standing Forward Bend (Toe Reach)",
            "notes": None,
            "exercise_template_id": "T-LOST",
            "supersets_id": None,
            "sets": [
                {"index": 0, "type": "normal", "reps": None, "duration_seconds": 20},
                {"index": 1, "type": "normal", "reps": None, "duration_seconds": 25},
            ],
        },
        {
            "index": 2,
            "title": "Bench Press (Barbell)",
            "notes": None,
            "exercise_template_id": "79D0BB3A",
            "supersets_id": None,
            "sets": [{"index": 0, "type": "normal", "weight_kg": 60, "reps": 8, "duration_seconds": None}],
        },
    ],
}


def test_a_workout_becomes_a_session_keyed_by_its_id():
    by_title = {"standing forward bend (toe reach)": "standing-forward-bend"}
    session = hevy.parse_workout(WORKOUT, "desk-break", ({"T-CHAIR": "seated-two-chair-hamstring"}, by_title))
    assert session.source == "hevy" and session.source_id == WORKOUT["id"]
    assert session.routine_id == "desk-break"
    assert session.started_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    assert session.duration_s == 270
    chair, bend = session.exercises  # the bench press is none of ours: left out
    assert (chair.exercise_id, chair.side, chair.reps, chair.sets) == (
        "seated-two-chair-hamstring",
        "right",
        4,
        1,
    )
    assert (bend.exercise_id, bend.hold_s, bend.duration_s, bend.sets) == ("standing-forward-bend", 25, 45, 2)
    assert session.notes == "tight today"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "workout.id"),
        ({"start_time": "yesterday"}, "workout.start_time"),
        ({"end_time": "2026-11-20T07:04:30"}, "workout.end_time"),
        ({"exercises": "none"}, "workout.exercises"),
    ],
)
def test_a_malformed_workout_names_the_field(change, field):
    with pytest.raises(InvalidInput) as failure:
        hevy.parse_workout({**WORKOUT, **change}, None)
    assert failure.value.field == field


def test_events_keep_hevy_order_and_the_newest_time():
    page = hevy.parse_events(
        {
            "page": 1,
            "page_count": 3,
            "events": [
                {"type": "deleted", "id": "w-2", "deleted_at": "2026-11-21T08:00:00Z"},
                {"type": "updated", "workout": WORKOUT},
            ],
        }
    )
    assert page.events[0] == ("deleted", "w-2")
    assert page.updated == [WORKOUT] and page.deleted == ["w-2"]
    assert page.page_count == 3
    assert page.latest == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "events"),
        ({"events": None}, "events"),
        ({"events": [], "page_count": "2"}, "page_count"),
        ({"events": [{"type": "updated"}]}, "events.0"),
        ({"events": [{"type": "deleted", "id": ""}]}, "events.0"),
        ({"events": [{"type": "deleted", "id": "x", "deleted_at": "soon"}]}, "events.0"),
    ],
)
def test_a_malformed_events_page_names_the_field(payload, field):
    with pytest.raises(InvalidInput) as failure:
        hevy.parse_events(payload)
    assert failure.value.field == field


def test_the_api_serves_the_hevy_body(client):
    answer = client.get("/routines/contract-relax/export/hevy")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json() == json.loads(hevy.export(catalog.builtin_routine("contract-relax")))
