"""The stored JSON of a completed session: its row's fields in, the model out; exercises both ways.

The import hook and /sessions read and write the same shape through
plugin.schemas.sessions (CompletedSessionSchema, StoredSessionSchema):

```
{"source": "host", "source_id": "run-42", "routine": "daily-hamstring",
 "started_at": "2026-11-20T07:02:00+01:00", "duration_s": 420,
 "exercises": [{"exercise": "lying-hamstring", "sets": 1, "reps": 3, "hold_s": 30, "side": "left"}],
 "pain": 2, "notes": "felt fine"}
```
Pure: dicts in, model out and back; the rules (known routine, pain 0–10 …)
are checked by plugin.services.sessions for every source alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.errors import InvalidInput
from plugin.i18n import N_

MEDIA_TYPE = "application/json"
EXERCISE_FIELDS = ("sets", "reps", "hold_s", "duration_s")


def from_dict(data: dict[str, Any]) -> CompletedSession:
    """Build the model from an already type-checked dict (keys as in the module docstring)."""
    started_at = data["started_at"]
    if isinstance(started_at, str):
        started_at = datetime.fromisoformat(started_at)
    if started_at.tzinfo is None:
        raise InvalidInput(N_("started_at needs a UTC offset"), field="started_at")
    return CompletedSession(
        source=data["source"],
        source_id=str(data["source_id"]),
        routine_id=data.get("routine"),
        started_at=started_at,
        duration_s=data["duration_s"],
        exercises=exercises_done(data.get("exercises")),
        pain=data.get("pain"),
        notes=data.get("notes") or "",
    )


def exercises_done(items: Any) -> tuple[ExerciseDone, ...]:
    """The stored ``exercises`` list as the model (written by plugin.schemas' ExerciseDoneSchema).

    A plain reader rather than the schema's load: a feed rebuild reads a few hundred of
    these. tests/test_services_sessions.py holds it to the schema's own reading.
    """
    return tuple(
        ExerciseDone(
            item["exercise"],
            item.get("sets"),
            item.get("reps"),
            item.get("hold_s"),
            item.get("duration_s"),
            item.get("side"),
        )
        for item in items or ()
    )
