"""Placeholders in wger requests, resolved by the tracker at push time, and the requests as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ref:
    """The id of the object made by an earlier request with this ``ref``."""

    ref: str


@dataclass(frozen=True)
class ExerciseRef:
    """wger's exercise (2.1: exercise base) standing for one of ours, found at push time."""

    exercise_id: str


@dataclass(frozen=True)
class UnitRef:
    """A repetition unit, looked up by name."""

    name: str


@dataclass(frozen=True)
class Request:
    """One POST: ``endpoint`` under /api/v2/, a JSON ``body`` that may hold placeholders."""

    ref: str
    endpoint: str
    body: dict[str, Any]


def resolve(
    body: dict[str, Any], ids: dict[str, Any], exercise_ids: dict[str, int], unit_ids: dict[str, int]
) -> dict[str, Any]:
    """Return the body with every placeholder replaced by the id it stands for."""

    def one(value: Any) -> Any:
        if isinstance(value, Ref):
            return ids[value.ref]
        if isinstance(value, ExerciseRef):
            return exercise_ids[value.exercise_id]
        if isinstance(value, UnitRef):
            return unit_ids[value.name]
        return value

    return {key: one(value) for key, value in body.items()}


def placeholders(requests: Iterable[Request]) -> tuple[list[str], list[str]]:
    """Our exercise ids and the unit names the requests need, in first-use order."""
    exercises: dict[str, None] = {}
    units: dict[str, None] = {}
    for request in requests:
        for value in request.body.values():
            if isinstance(value, ExerciseRef):
                exercises.setdefault(value.exercise_id)
            elif isinstance(value, UnitRef):
                units.setdefault(value.name)
    return list(exercises), list(units)


def without_exercises(requests: Iterable[Request], missing: set[str]) -> list[Request]:
    """The requests minus those naming an exercise in ``missing`` and every request hanging on them.

    A wger server with no exercise that is ours or the same stretch gets the set
    (slot) with its comment only: the comment is what wger's page shows, and no
    other exercise is presented as the one to do (docs/wger.md#what-a-person-sees).
    """
    dropped: set[str] = set()
    out = []
    for request in requests:
        values = list(request.body.values())
        if any(isinstance(v, ExerciseRef) and v.exercise_id in missing for v in values) or any(
            isinstance(v, Ref) and v.ref in dropped for v in values
        ):
            dropped.add(request.ref)
            continue
        out.append(request)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Ref):
        return {"$ref": value.ref}
    if isinstance(value, ExerciseRef):
        return {"$exercise": value.exercise_id}
    if isinstance(value, UnitRef):
        return {"$repetition_unit": value.name}
    return value


def requests_json(requests: Iterable[Request]) -> list[dict[str, Any]]:
    return [
        {
            "ref": r.ref,
            "method": "POST",
            "path": f"/api/v2/{r.endpoint}/",
            "body": {k: _jsonable(v) for k, v in r.body.items()},
        }
        for r in requests
    ]
