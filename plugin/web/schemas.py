"""Marshmallow schemas of the blueprints: plugin.schemas for what the API shares with the
exports and services, and the request bodies and queries only the web edge reads."""

from __future__ import annotations

from marshmallow import Schema, fields, missing, validate

from plugin.catalog import limits
from plugin.schemas.adherence import AdherenceReportSchema
from plugin.schemas.base import StrictSchema
from plugin.schemas.fields import DerivedString
from plugin.schemas.model import CautionSchema, DoseSchema, EntrySchema, ExerciseSchema, RoutineSchema
from plugin.schemas.plans import PlanSchema
from plugin.schemas.pushes import PushSchema
from plugin.schemas.sessions import CompletedSessionSchema, ExerciseDoneSchema, StoredSessionSchema
from plugin.web.calendars import feed_urls
from plugin.web.figures import figure_url

__all__ = [
    "AdherenceQuerySchema",
    "AdherenceReportSchema",
    "CatalogExerciseSchema",
    "CautionSchema",
    "CompletedSessionSchema",
    "DoseSchema",
    "EntrySchema",
    "ExerciseDoneSchema",
    "ExerciseSchema",
    "ExportRequestSchema",
    "HealthSchema",
    "InstallSchema",
    "InstalledSchema",
    "PlanSchema",
    "PushSchema",
    "RoutineCreateSchema",
    "RoutineSchema",
    "SessionQuerySchema",
    "StoredSessionSchema",
    "StrictSchema",
]


def _range(bounds: tuple[int, int]) -> validate.Range:
    return validate.Range(min=bounds[0], max=bounds[1])


class CitationSchema(Schema):
    file = fields.String(metadata={"description": "file name of our stored copy, as in source"})
    title = fields.String()
    publisher = fields.String(metadata={"description": "publisher or site"})
    date = fields.String(metadata={"description": "as the article gives it"})
    author = fields.String()


class CatalogExerciseSchema(ExerciseSchema):
    """An exercise as GET /exercises shows it: the canonical form, plus what only a reader
    of this server needs (the exports leave both out, so they stay byte-stable)."""

    citations = fields.List(
        fields.Nested(CitationSchema),
        metadata={"description": "the source articles as a reader looks them up"},
    )
    figure_url = DerivedString(
        compute=lambda exercise: figure_url(exercise.id, external=True),
        metadata={"description": "the exercise's line drawing (SVG); versioned, so cacheable for good"},
    )


def _steps(bounds: tuple[int, int]) -> fields.List:
    return fields.List(
        fields.Integer(strict=True, validate=_range(bounds)),
        validate=validate.Length(*limits.PROGRESSION_STEPS),
    )


class ProgressionRequestSchema(StrictSchema):
    """Weekly steps with the same limits as the dose fields they step."""

    hold_s = _steps(limits.HOLD_S)
    reps = _steps(limits.REPS)
    sets = _steps(limits.SETS)


class RoutineItemSchema(StrictSchema):
    exercise = fields.String(required=True, metadata={"description": "catalog exercise id"})
    sets = fields.Integer(strict=True, validate=_range(limits.SETS))
    reps = fields.Integer(strict=True, validate=_range(limits.REPS))
    hold_s = fields.Integer(strict=True, validate=_range(limits.HOLD_S))
    rest_s = fields.Integer(strict=True, validate=_range(limits.REST_S))
    duration_s = fields.Integer(strict=True, validate=_range(limits.DURATION_S))
    progression = fields.Nested(
        ProgressionRequestSchema,
        metadata={"description": 'weekly steps from a plan\'s start, e.g. {"hold_s": [15, 20, 25, 30]}'},
    )


class RoutineCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(*limits.NAME_CHARS))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    exercises = fields.List(
        fields.Nested(RoutineItemSchema),
        required=True,
        validate=validate.Length(*limits.EXERCISES_PER_ROUTINE),
    )


class HealthSchema(Schema):
    status = fields.String()
    version = fields.String()
    database = fields.Boolean()


class InstallSchema(StrictSchema):
    clientKey = fields.String(required=True, validate=validate.Length(1, 200))
    tracker = fields.String(required=True)
    sharedSecret = fields.String(
        required=True, load_only=True, metadata={"description": "whsec_… secret that signs every later call"}
    )
    baseUrl = fields.String(required=True, validate=validate.Length(1, 500))
    credentials = fields.Dict(keys=fields.String(), load_default=dict, load_only=True)
    plan = fields.Nested(PlanSchema, allow_none=True, metadata={"description": "as POST /calendars takes it"})


class InstalledSchema(Schema):
    """An installation as the lifecycle call answers it (plugin.services.installations.Installed)."""

    clientKey = fields.String(attribute="row.client_key")
    tracker = fields.String(attribute="row.tracker")
    created = fields.Boolean(metadata={"description": "false when an existing installation was replaced"})
    plan = fields.Nested(PlanSchema, allow_none=True, metadata={"description": "the plan, stored form"})
    calendarId = fields.String(
        attribute="calendar_id",
        allow_none=True,
        metadata={"description": "for GET /hooks/calendars/<id>.ics"},
    )
    calendarUrl = DerivedString(
        # Left out unless the calendar was made now: its token is shown this once (signing.SHOWN_ONCE).
        compute=lambda installed: (
            feed_urls(installed.calendar_token)["url"] if installed.calendar_token else missing
        ),
        metadata={"description": "the plan's private iCal feed; only in the answer that created it"},
    )


class ExportRequestSchema(StrictSchema):
    routines = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class SessionQuerySchema(Schema):
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()
    routine = fields.String()


class AdherenceQuerySchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
