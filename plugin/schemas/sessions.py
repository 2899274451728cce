"""Completed sessions: the canonical JSON the import hook takes; a stored one as /sessions shows it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, post_load, validate

from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.schemas.base import StrictSchema
from plugin.schemas.fields import UtcDateTime
from plugin.schemas.model import CautionSchema


class ExerciseDoneSchema(StrictSchema):
    """What was done of one exercise; a number the source did not record is left out."""

    exercise = fields.String(
        required=True,
        attribute="exercise_id",
        metadata={
            "description": 'catalog exercise id, or "<source>:<their id>" for one we have no match for'
        },
    )
    sets = fields.Integer(strict=True)
    reps = fields.Integer(strict=True)
    hold_s = fields.Integer(strict=True)
    duration_s = fields.Integer(strict=True)
    side = fields.String(allow_none=True, metadata={"enum": ["left", "right"]})

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> ExerciseDone:
        return ExerciseDone(**data)

    @post_dump
    def _recorded_only(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


class CompletedSessionSchema(StrictSchema):
    """A completed session in the canonical JSON (also accepted: a FIT activity file)."""

    source = fields.String(required=True, metadata={"description": "where it was recorded: host, wger …"})
    source_id = fields.String(
        required=True, metadata={"description": "the source's own id (idempotency key)"}
    )
    routine = fields.String(required=True, attribute="routine_id", metadata={"description": "routine id"})
    started_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    duration_s = fields.Integer(required=True, strict=True, metadata={"minimum": 0})
    exercises = fields.List(fields.Nested(ExerciseDoneSchema), load_default=list)
    pain = fields.Integer(strict=True, allow_none=True, metadata={"minimum": 0, "maximum": 10})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> CompletedSession:
        # The rules every source shares (a known routine, pain 0–10 …) are plugin.services.sessions.check's.
        return CompletedSession(**{**data, "exercises": tuple(data["exercises"])})


class PainCautionSchema(Schema):
    pain = fields.Integer()
    advice = fields.String()
    stop_rules = fields.List(fields.Nested(CautionSchema))


class StoredSessionSchema(CompletedSessionSchema):
    """A stored completed session: the canonical JSON plus what the plugin made of it."""

    id = fields.String()
    routine = fields.String(allow_none=True, attribute="routine_id", metadata={"description": "routine id"})
    started_at = UtcDateTime(metadata={"description": "ISO 8601, UTC"})
    flagged = fields.Boolean(metadata={"description": "pain 7 or more: see caution"})
    caution = fields.Nested(PainCautionSchema, allow_none=True)
    received_at = UtcDateTime()
