"""A push of routines to a tracker, as GET /hooks/export/<id> shows it."""

from __future__ import annotations

from marshmallow import Schema, fields

from plugin.schemas.fields import UtcDateTime


class PushSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"enum": ["pending", "running", "delivered", "failed"]})
    routines = fields.List(fields.String())
    attempts = fields.Integer()
    next_attempt_at = UtcDateTime(
        attribute="due_at", allow_none=True, metadata={"description": "while pending: when it is tried next"}
    )
    last_error = fields.String(allow_none=True)
    remote_ids = fields.Dict(metadata={"description": "routine id → the tracker's ids"})
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
