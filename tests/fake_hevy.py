"""A stand-in for Hevy's public API v1, played on pytest-httpserver from the published spec.

It follows docs/hevy.md field by field: the ``api-key`` header (401
``InvalidApiKey`` otherwise), bodies wrapped in ``routine`` / ``exercise``,
set fields that must match the template's type, page sizes capped at 10
(100 for templates), ``{page, page_count, <collection>}`` pages, no DELETE,
``403`` limits, and ``/v1/workouts/events`` newest first. Faults to inject
(a status, a slow answer, a malformed body) are queued per route.

``answer_shape`` picks how a routine POST or PUT is answered: the spec's bare
``Routine`` by default, an empty 201 (what Hevy sends since 2026, per
docs/hevy.md#routine-bodies), or the list wrapper community guides report.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fake_api import FakeAPI, answer
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SET_KEYS = {"type", "weight_kg", "reps", "distance_meters", "duration_seconds", "custom_metric", "rep_range"}
EXERCISE_KEYS = {"exercise_template_id", "superset_id", "rest_seconds", "notes", "sets"}
POST_ROUTINE_KEYS = {"title", "folder_id", "notes", "exercises"}
PUT_ROUTINE_KEYS = {"title", "notes", "exercises"}
# Which set fields each exercise type takes (docs/hevy.md#unconfirmed).
TYPE_FIELDS = {
    "duration": {"duration_seconds"},
    "reps_only": {"reps"},
    "weight_reps": {"weight_kg", "reps"},
    "bodyweight_reps": {"reps"},
}
CUSTOM_TYPES = {
    "weight_reps",
    "reps_only",
    "bodyweight_reps",
    "bodyweight_assisted_reps",
    "duration",
    "weight_duration",
    "distance_duration",
    "short_distance_weight",
}

LIBRARY = [
    {
        "id": "D04AC939",
        "title": "Squat (Barbell)",
        "type": "weight_reps",
        "primary_muscle_group": "quadriceps",
        "secondary_muscle_groups": [],
        "equipment_category": "barbell",
        "is_custom": False,
    },
    {
        "id": "A1B2C3D4",
        "title": "Plank",
        "type": "duration",
        "primary_muscle_group": "abdominals",
        "secondary_muscle_groups": [],
        "equipment_category": "none",
        "is_custom": False,
    },
]


def stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def error(status: int, message: str) -> Response:
    return answer({"error": message}, status)


ok = answer


class FakeHevy(FakeAPI):
    def __init__(self, server: HTTPServer, api_key: str, *, library: list[dict] | None = None) -> None:
        super().__init__(server)
        self.api_key = api_key
        self.templates: list[dict] = [dict(t) for t in (library if library is not None else LIBRARY)]
        self.routines: dict[str, dict] = {}
        self.events: list[dict] = []  # oldest first; served newest first
        self.routine_limit = 100
        self.custom_limit = 100
        # "bare": r (the spec), "empty": no body, "list": {"routine": [r]}, "object": {"routine": r}
        self.answer_shape = "bare"
        self.on_create: Callable[[dict], None] | None = None  # runs once a routine is made
        for method, path, handler in (
            ("GET", "/v1/exercise_templates", self.list_templates),
            ("POST", "/v1/exercise_templates", self.create_template),
            ("GET", "/v1/routines", self.list_routines),
            ("POST", "/v1/routines", self.create_routine),
            ("PUT", None, self.update_routine),
            ("GET", "/v1/workouts/events", self.workout_events),
        ):
            uri = re.compile(r"^/v1/routines/[^/]+$") if path is None else path
            name = path or "/v1/routines/<id>"
            self.route(method, uri, name, handler)

    def authorize(self, request: Request) -> Response | None:
        # docs/hevy.md#conventions: the key travels in an `api-key` header; errors are plain strings.
        return None if request.headers.get("api-key") == self.api_key else error(401, "InvalidApiKey")

    def page(self, request: Request, key: str, items: list, max_size: int) -> Response:
        try:
            page = int(request.args.get("page", 1))
            size = int(request.args.get("pageSize", 5))
        except ValueError:
            return error(400, "Invalid page size")
        if page < 1 or not 1 <= size <= max_size:
            return error(400, "Invalid page size")
        page_count = max(1, -(-len(items) // size))
        chunk = items[(page - 1) * size : page * size]
        return ok({"page": page, "page_count": page_count, key: chunk})

    # --- exercise templates -----------------------------------------------------------

    def list_templates(self, request: Request) -> Response:
        return self.page(request, "exercise_templates", self.templates, 100)

    def create_template(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        exercise = body.get("exercise") if isinstance(body, dict) else None
        if not isinstance(exercise, dict):
            return error(400, '"exercise" is required')
        if not isinstance(exercise.get("title"), str) or exercise.get("exercise_type") not in CUSTOM_TYPES:
            return error(400, "Invalid request body")
        if sum(t["is_custom"] for t in self.templates) >= self.custom_limit:
            return error(403, "exceeds-custom-exercise-limit")
        new_id = str(1000 + len(self.templates))
        self.templates.append(
            {
                "id": new_id,
                "title": exercise["title"],
                "type": exercise["exercise_type"],
                "primary_muscle_group": exercise.get("muscle_group"),
                "secondary_muscle_groups": exercise.get("other_muscles", []),
                "equipment_category": exercise.get("equipment_category"),
                "is_custom": True,
            }
        )
        return ok({"id": int(new_id)})  # the spec's example: an integer id

    # --- routines ---------------------------------------------------------------------

    def check_routine(self, body: Any, allowed: set[str]) -> str | None:
        """The 400 message Hevy would give, or None when the body is acceptable."""
        if not isinstance(body, dict) or not isinstance(body.get("routine"), dict):
            return '"routine" is required'
        routine = body["routine"]
        extra = set(routine) - allowed
        if extra:
            return f'"{sorted(extra)[0]}" is not allowed'
        if not isinstance(routine.get("title"), str) or not routine["title"]:
            return '"title" is required'
        if "@" in str(routine.get("notes", "")):
            return "Invalid request body"
        by_id = {t["id"]: t for t in self.templates}
        for exercise in routine.get("exercises", []):
            if set(exercise) - EXERCISE_KEYS:
                return "Invalid request body"
            template = by_id.get(exercise.get("exercise_template_id"))
            if template is None:
                return f"Invalid exercise template id: {exercise.get('exercise_template_id')}"
            if "@" in str(exercise.get("notes") or ""):
                return "Invalid request body"
            rest = exercise.get("rest_seconds")
            if rest is not None and not isinstance(rest, int):
                return '"rest_seconds" must be a number'
            wanted = TYPE_FIELDS.get(template["type"], set())
            for s in exercise.get("sets", []):
                if set(s) - SET_KEYS or s.get("type") not in ("warmup", "normal", "failure", "dropset"):
                    return "Invalid set"
                measured = ("weight_kg", "reps", "distance_meters", "duration_seconds")
                given = {k for k in measured if s.get(k) is not None}
                if given != wanted:
                    return f"set fields {sorted(given)} do not match exercise type {template['type']}"
        return None

    def stored(self, routine_id: str, body: dict, created: str) -> dict:
        """The Routine object as GET returns it (no routine-level notes in the documented schema)."""
        by_id = {t["id"]: t for t in self.templates}
        return {
            "id": routine_id,
            "title": body["title"],
            "folder_id": body.get("folder_id"),
            "updated_at": stamp(),
            "created_at": created,
            "exercises": [
                {
                    "index": i,
                    "title": by_id[e["exercise_template_id"]]["title"],
                    "rest_seconds": str(e.get("rest_seconds")),  # the original spec types it as a string
                    "notes": e.get("notes"),
                    "exercise_template_id": e["exercise_template_id"],
                    "supersets_id": e.get("superset_id"),
                    "sets": [{"index": j, **s, "rpe": None} for j, s in enumerate(e.get("sets", []))],
                }
                for i, e in enumerate(body.get("exercises", []))
            ],
        }

    def list_routines(self, request: Request) -> Response:
        return self.page(request, "routines", list(self.routines.values()), 10)

    def create_routine(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        problem = self.check_routine(body, POST_ROUTINE_KEYS)
        if problem:
            return error(400, problem)
        if len(self.routines) >= self.routine_limit:
            return error(403, "Routine limit exceeded")
        routine_id = str(uuid.uuid4())
        routine = self.stored(routine_id, body["routine"], stamp())
        self.routines[routine_id] = routine
        if self.on_create is not None:
            self.on_create(routine)
        return self.routine_answer(routine, 201)

    def routine_answer(self, routine: dict, status: int) -> Response:
        """The routine as ``answer_shape`` says Hevy answers a POST or PUT with it."""
        if self.answer_shape == "empty":
            return Response(b"", status=status)
        if self.answer_shape == "list":
            return ok({"routine": [routine]}, status)
        if self.answer_shape == "object":
            return ok({"routine": routine}, status)
        return ok(routine, status)

    def update_routine(self, request: Request) -> Response:
        routine_id = request.path.rsplit("/", 1)[1]
        if routine_id not in self.routines:
            return error(404, "Routine doesn't exist or doesn't belong to the user")
        body = request.get_json(silent=True)
        problem = self.check_routine(body, PUT_ROUTINE_KEYS)
        if problem:
            return error(400, problem)
        routine = self.stored(routine_id, body["routine"], self.routines[routine_id]["created_at"])
        routine["folder_id"] = self.routines[routine_id]["folder_id"]
        self.routines[routine_id] = routine
        return self.routine_answer(routine, 200)

    # --- workouts ---------------------------------------------------------------------

    def log_workout(
        self,
        routine_id: str | None,
        start: datetime,
        end: datetime,
        exercises: list[dict],
        updated: datetime,
        workout_id: str | None = None,
    ) -> str:
        workout_id = workout_id or str(uuid.uuid4())
        workout = {
            "id": workout_id,
            "title": "Stretch",
            "routine_id": routine_id,
            "description": "felt fine",
            "start_time": stamp(start),
            "end_time": stamp(end),
            "updated_at": stamp(updated),
            "created_at": stamp(updated),
            "exercises": exercises,
        }
        self.events.append({"type": "updated", "workout": workout, "_at": updated})
        return workout_id

    def delete_workout(self, workout_id: str, when: datetime) -> None:
        self.events.append({"type": "deleted", "id": workout_id, "deleted_at": stamp(when), "_at": when})

    def workout_events(self, request: Request) -> Response:
        since_text = request.args.get("since", "1970-01-01T00:00:00Z")
        try:
            since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
        except ValueError:
            return error(500, "Internal Server Error")
        chosen = [e for e in reversed(self.events) if e["_at"] > since]
        public = [{k: v for k, v in e.items() if k != "_at"} for e in chosen]
        return self.page(request, "events", public, 10)
