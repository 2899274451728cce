"""Garmin Connect workout JSON: shape (docs/garmin.md), step order, repeat groups and cautions."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from expected_steps import performed
from test_formats_fit import CUSTOM

from plugin import catalog
from plugin.catalog.model import Routine
from plugin.formats import garmin
from plugin.formats.text import caution_line
from plugin.formats.workout_steps import EXERCISE_CODES

ROUTINES = catalog.builtin_routines()


def _id_key(id_name: str, key_name: str, pairs: list[tuple[int, str]]) -> dict[str, Any]:
    return {
        "type": "object",
        "oneOf": [
            {"properties": {id_name: {"const": i}, key_name: {"const": k}}, "required": [id_name, key_name]}
            for i, k in pairs
        ],
    }


# The service's DTOs as garminconnect and community tools describe them (docs/garmin.md).
EXECUTABLE = {
    "type": "object",
    "required": [
        "type",
        "stepOrder",
        "stepType",
        "endCondition",
        "endConditionValue",
        "targetType",
        "description",
    ],
    "properties": {
        "type": {"const": "ExecutableStepDTO"},
        "stepOrder": {"type": "integer", "minimum": 1},
        "stepType": _id_key("stepTypeId", "stepTypeKey", [(3, "interval"), (5, "rest")]),
        "endCondition": _id_key(
            "conditionTypeId", "conditionTypeKey", [(1, "lap.button"), (2, "time"), (10, "reps")]
        ),
        "endConditionValue": {"type": ["integer", "null"], "minimum": 1},
        "targetType": _id_key("workoutTargetTypeId", "workoutTargetTypeKey", [(1, "no.target")]),
        "description": {"type": "string", "minLength": 1},
        "category": {"type": ["string", "null"], "pattern": "^[A-Z_]+$"},
        "exerciseName": {"type": ["string", "null"], "pattern": "^[A-Z0-9_]+$"},
    },
}
REPEAT = {
    "type": "object",
    "required": ["type", "stepOrder", "stepType", "numberOfIterations", "workoutSteps", "endCondition"],
    "properties": {
        "type": {"const": "RepeatGroupDTO"},
        "stepOrder": {"type": "integer", "minimum": 1},
        "stepType": _id_key("stepTypeId", "stepTypeKey", [(6, "repeat")]),
        "numberOfIterations": {"type": "integer", "minimum": 2},
        "endCondition": _id_key("conditionTypeId", "conditionTypeKey", [(7, "iterations")]),
        "smartRepeat": {"const": False},
        "workoutSteps": {"type": "array", "minItems": 1, "items": EXECUTABLE},
    },
}
WORKOUT = {
    "type": "object",
    "required": ["workoutName", "description", "sportType", "estimatedDurationInSecs", "workoutSegments"],
    "properties": {
        "workoutName": {"type": "string", "minLength": 1},
        "sportType": {"required": ["sportTypeId", "sportTypeKey"]},
        "estimatedDurationInSecs": {"type": "integer", "minimum": 1},
        "workoutSegments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["segmentOrder", "sportType", "workoutSteps"],
                "properties": {"workoutSteps": {"type": "array", "items": {"oneOf": [EXECUTABLE, REPEAT]}}},
            },
        },
    },
}


def flat(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every step in document order, groups before their children."""
    out = []
    for step in steps:
        out.append(step)
        out.extend(step.get("workoutSteps", []) if step["type"] == "RepeatGroupDTO" else [])
    return out


def unrolled(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for step in steps:
        if step["type"] == "RepeatGroupDTO":
            out.extend(step["workoutSteps"] * step["numberOfIterations"])
        else:
            out.append(step)
    return out


@pytest.mark.parametrize("routine", ROUTINES + CUSTOM, ids=lambda r: r.id)
def test_shape_orders_repeats_and_cautions(routine: Routine) -> None:
    workout = json.loads(garmin.export(routine))
    jsonschema.validate(workout, WORKOUT)
    (segment,) = workout["workoutSegments"]
    steps = segment["workoutSteps"]
    assert [s["stepOrder"] for s in flat(steps)] == list(range(1, len(flat(steps)) + 1))
    for group in (s for s in steps if s["type"] == "RepeatGroupDTO"):
        assert group["endConditionValue"] == group["numberOfIterations"]
        assert {child["childStepId"] for child in group["workoutSteps"]} == {group["childStepId"]}
    for caution in routine.cautions:
        assert caution.text in workout["description"]
    assert workout["description"].startswith(caution_line(routine.cautions[0]))  # contraindications first
    assert workout["estimatedDurationInSecs"] == routine.duration_s

    done = [s for s in unrolled(steps) if not s["description"].split(".")[0].endswith("read first")]
    expected = performed(routine)
    assert len(done) == len(expected)
    for got, want in zip(done, expected, strict=True):
        assert got["stepType"]["stepTypeKey"] == ("interval" if want.intensity == "active" else "rest")
        if want.seconds is not None:
            assert (got["endCondition"]["conditionTypeKey"], got["endConditionValue"]) == (
                "time",
                want.seconds,
            )
        else:
            assert (got["endCondition"]["conditionTypeKey"], got["endConditionValue"]) == ("reps", want.reps)
        if want.intensity == "active":
            head = got["description"].split(". ")[0]  # the step's name: exercise, then side
            assert head.startswith(want.exercise.name)
            assert head.endswith(want.side) if want.side else not head.endswith(("left", "right"))
            assert want.exercise.cue in got["description"]
            code = EXERCISE_CODES[want.exercise.id]
            assert (got["category"], got["exerciseName"]) == (code.category.upper(), code.name_key.upper())
            for caution in want.exercise.cautions:
                assert caution.short in got["description"]


def test_contract_relax_sets_are_one_repeat_group() -> None:
    workout = json.loads(garmin.export(catalog.builtin_routine("contract-relax")))
    (group,) = workout["workoutSegments"][0]["workoutSteps"]
    assert (group["type"], group["stepOrder"], group["numberOfIterations"]) == ("RepeatGroupDTO", 1, 3)
    pushes = [s for s in group["workoutSteps"] if s["stepType"]["stepTypeKey"] == "interval"]
    relaxes = [s for s in group["workoutSteps"] if s["stepType"]["stepTypeKey"] == "rest"]
    assert [s["endConditionValue"] for s in pushes] == [6] * 6
    assert [s["endConditionValue"] for s in relaxes] == [10] * 6
    assert [s["description"].split(".")[0] for s in pushes] == [
        "Contract-relax hamstring stretch: push, left"
    ] * 3 + ["Contract-relax hamstring stretch: push, right"] * 3
    assert [s["stepOrder"] for s in group["workoutSteps"]] == list(range(2, 14))


def test_http_export(client) -> None:
    response = client.get("/routines/trunk-rotation/export/garmin")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    (step,) = body["workoutSegments"][0]["workoutSteps"]
    assert (step["endConditionValue"], step["category"], step["exerciseName"]) == (
        180,
        "MOVE",
        "TRUNK_ROTATIONS",
    )
