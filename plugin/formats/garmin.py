"""Garmin Connect workout JSON: what its web workout service takes (docs/garmin.md).

This is Garmin Connect's private ``POST /workout-service/workout`` body
(``ExecutableStepDTO`` / ``RepeatGroupDTO``), meant for tools that upload to Garmin Connect
with a user's own login; it is not a public contract. The steps are the same as in the FIT
workout (``workout_steps``): each step's ``description`` starts with its name (so sides
survive) and carries the exercise's cautions and cue; the workout ``description`` holds every
caution of the routine in full, contraindications first. JSON has no 255-byte string limit,
so no "read before you start" steps are needed here.
"""

from __future__ import annotations

import json
from typing import Any

from plugin.catalog.model import Routine
from plugin.formats.text import notes_lines
from plugin.formats.workout_steps import Block, Repeat, Step, routine_blocks

MEDIA_TYPE = "application/json"
EXTENSION = "json"

# Sport type ids are community knowledge (UNCONFIRMED, docs/garmin.md). strength_training is
# the one type a community tool saw the server accept with exercise categories and repeat groups.
SPORT_TYPE = {"sportTypeId": 5, "sportTypeKey": "strength_training"}
STEP_TYPES = {
    "active": {"stepTypeId": 3, "stepTypeKey": "interval"},
    "rest": {"stepTypeId": 5, "stepTypeKey": "rest"},
}
REPEAT_TYPE = {"stepTypeId": 6, "stepTypeKey": "repeat"}
TIME = {"conditionTypeId": 2, "conditionTypeKey": "time"}
REPS = {"conditionTypeId": 10, "conditionTypeKey": "reps"}
LAP_BUTTON = {"conditionTypeId": 1, "conditionTypeKey": "lap.button"}
ITERATIONS = {"conditionTypeId": 7, "conditionTypeKey": "iterations"}
NO_TARGET = {"workoutTargetTypeId": 1, "workoutTargetTypeKey": "no.target"}


def _step_description(step: Step) -> str:
    return f"{step.name}. {step.notes}" if step.notes else step.name


def _executable(step: Step, order: int, child_step_id: int | None) -> dict[str, Any]:
    if step.seconds is not None:
        condition, value = TIME, step.seconds  # Garmin Connect counts time in seconds
    elif step.reps is not None:
        condition, value = REPS, step.reps
    else:
        condition, value = LAP_BUTTON, None
    return {
        "type": "ExecutableStepDTO",
        "stepOrder": order,
        "childStepId": child_step_id,
        "stepType": STEP_TYPES[step.intensity],
        "endCondition": condition,
        "endConditionValue": value,
        "targetType": NO_TARGET,
        "description": _step_description(step),
        # Garmin Connect spells the FIT profile's enum names in capitals.
        "category": step.code.category.upper() if step.code else None,
        "exerciseName": step.code.name_key.upper() if step.code else None,
        "weightValue": None,
        "weightUnit": None,
    }


def workout_steps(blocks: list[Block]) -> list[dict[str, Any]]:
    """Number the steps depth-first (stepOrder 1, 2, …); a repeat group comes before its steps."""
    out: list[dict[str, Any]] = []
    order = 0
    group_id = 0
    for block in blocks:
        order += 1
        if isinstance(block, Repeat):
            group_id += 1
            group: dict[str, Any] = {
                "type": "RepeatGroupDTO",
                "stepOrder": order,
                "childStepId": group_id,
                "stepType": REPEAT_TYPE,
                "numberOfIterations": block.count,
                "smartRepeat": False,
                "endCondition": ITERATIONS,
                "endConditionValue": block.count,
                "workoutSteps": [],
            }
            for step in block.steps:
                order += 1
                group["workoutSteps"].append(_executable(step, order, group_id))
            out.append(group)
        else:
            out.append(_executable(block, order, None))
    return out


def workout_dict(routine: Routine) -> dict[str, Any]:
    """The routine as a Garmin Connect workout."""
    description = "\n".join([*notes_lines(routine), "", routine.description])
    return {
        "workoutName": routine.name,
        "description": description,
        "sportType": SPORT_TYPE,
        "estimatedDurationInSecs": routine.duration_s,
        "workoutSegments": [
            {
                "segmentOrder": 1,
                "sportType": SPORT_TYPE,
                "workoutSteps": workout_steps(routine_blocks(routine)),
            }
        ],
    }


def export(routine: Routine) -> bytes:
    """The Garmin Connect workout JSON bytes, stable for golden files."""
    return (json.dumps(workout_dict(routine), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
