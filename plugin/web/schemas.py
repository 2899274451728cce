"""Marshmallow schemas shared by the blueprints (request bodies and documented answers)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from plugin.catalog import limits


def _range(bounds: tuple[int, int]) -> validate.Range:
    return validate.Range(min=bounds[0], max=bounds[1])


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class CautionSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["contraindication", "stop", "form"]})
    text = fields.String()
    short = fields.String()
    exercises = fields.List(fields.String())


class DoseSchema(Schema):
    kind = fields.String(metadata={"enum": ["hold", "contract_relax", "counted", "continuous", "open"]})
    sets = fields.Integer()
    reps = fields.Integer()
    reps_range = fields.List(fields.Integer(), allow_none=True)
    hold_s = fields.Integer(allow_none=True)
    hold_range_s = fields.List(fields.Integer(), allow_none=True)
    per_side = fields.Boolean()
    sides = fields.List(fields.String())
    rest_s = fields.Integer()
    duration_s = fields.Integer(allow_none=True)
    contract_s = fields.Integer(allow_none=True)
    effort_pct = fields.List(fields.Integer(), allow_none=True)
    tempo_s = fields.Integer(allow_none=True)
    assumed = fields.List(fields.String(), metadata={"description": "fields set by us, not the source"})
    total_s = fields.Integer(allow_none=True)


class FrequencySchema(Schema):
    per_day_min = fields.Integer()
    per_day_max = fields.Integer()
    text = fields.String()


class CitationSchema(Schema):
    file = fields.String(metadata={"description": "file name of our stored copy, as in source"})
    title = fields.String()
    publisher = fields.String(metadata={"description": "publisher or site"})
    date = fields.String(metadata={"description": "as the article gives it"})
    author = fields.String()


class ExerciseSchema(Schema):
    id = fields.String()
    name = fields.String()
    focus = fields.String(metadata={"enum": ["hamstring", "trunk"]})
    position = fields.String()
    equipment = fields.List(fields.String())
    steps = fields.List(fields.String())
    dose = fields.Nested(DoseSchema)
    variations = fields.List(fields.String())
    variation_per_set = fields.Boolean()
    cue = fields.String()
    alternative_to = fields.String(allow_none=True)
    cautions = fields.List(fields.Nested(CautionSchema))
    frequency = fields.Nested(FrequencySchema)
    source = fields.String(metadata={"description": "seed file the facts come from"})
    citations = fields.List(
        fields.Nested(CitationSchema),
        metadata={"description": "the source articles as a reader looks them up (GET /exercises only)"},
    )
    figure_url = fields.String(
        metadata={"description": "the exercise's line drawing (SVG); versioned, so cacheable for good"}
    )


class EntrySchema(Schema):
    exercise = fields.Nested(ExerciseSchema)
    dose = fields.Nested(DoseSchema)
    dose_text = fields.String()
    duration_s = fields.Integer()


class RoutineSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    focus = fields.String(metadata={"enum": ["hamstring", "trunk", "mixed"]})
    builtin = fields.Boolean()
    duration_s = fields.Integer(metadata={"description": "computed from the doses"})
    frequency = fields.Nested(FrequencySchema)
    equipment = fields.List(fields.String())
    cautions = fields.List(fields.Nested(CautionSchema))
    exercises = fields.List(fields.Nested(EntrySchema))


class RoutineItemSchema(StrictSchema):
    exercise = fields.String(required=True, metadata={"description": "catalog exercise id"})
    sets = fields.Integer(strict=True, validate=_range(limits.SETS))
    reps = fields.Integer(strict=True, validate=_range(limits.REPS))
    hold_s = fields.Integer(strict=True, validate=_range(limits.HOLD_S))
    rest_s = fields.Integer(strict=True, validate=_range(limits.REST_S))
    duration_s = fields.Integer(strict=True, validate=_range(limits.DURATION_S))


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
    plan = fields.Dict(
        allow_none=True,
        metadata={
            "description": "routines, days, times, timezone, reminders, start, name (as POST /calendars)"
        },
    )


class InstalledSchema(Schema):
    clientKey = fields.String()
    tracker = fields.String()
    created = fields.Boolean(metadata={"description": "false when an existing installation was replaced"})
    plan = fields.Dict(allow_none=True)
    calendarId = fields.String(allow_none=True, metadata={"description": "for GET /hooks/calendars/<id>.ics"})
    calendarUrl = fields.String(
        metadata={"description": "the plan's private iCal feed; only in the answer that created it"}
    )


class ExportRequestSchema(StrictSchema):
    routines = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class PushSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"enum": ["pending", "running", "delivered", "failed"]})
    routines = fields.List(fields.String())
    attempts = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    remote_ids = fields.Dict(metadata={"description": "routine id → the tracker's ids"})
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)


class ExerciseDoneSchema(StrictSchema):
    exercise = fields.String(required=True, metadata={"description": "catalog exercise id"})
    sets = fields.Integer(strict=True)
    reps = fields.Integer(strict=True)
    hold_s = fields.Integer(strict=True)
    duration_s = fields.Integer(strict=True)
    side = fields.String(allow_none=True, metadata={"enum": ["left", "right"]})


class CompletedSessionSchema(StrictSchema):
    """A completed session in the canonical JSON (also accepted: a FIT activity file)."""

    source = fields.String(required=True, metadata={"description": "where it was recorded: host, wger …"})
    source_id = fields.String(
        required=True, metadata={"description": "the source's own id (idempotency key)"}
    )
    routine = fields.String(required=True, metadata={"description": "routine id"})
    started_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    duration_s = fields.Integer(required=True, strict=True, metadata={"minimum": 0})
    exercises = fields.List(fields.Nested(ExerciseDoneSchema), load_default=list)
    pain = fields.Integer(strict=True, allow_none=True, metadata={"minimum": 0, "maximum": 10})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class CautionAnswerSchema(Schema):
    pain = fields.Integer()
    advice = fields.String()
    stop_rules = fields.List(fields.Nested(CautionSchema))


class StoredSessionSchema(Schema):
    id = fields.String()
    source = fields.String()
    source_id = fields.String()
    routine = fields.String(allow_none=True)
    started_at = fields.String()
    duration_s = fields.Integer()
    exercises = fields.List(fields.Dict())
    pain = fields.Integer(allow_none=True)
    notes = fields.String()
    flagged = fields.Boolean(metadata={"description": "pain 7 or more: see caution"})
    caution = fields.Nested(CautionAnswerSchema, allow_none=True)
    received_at = fields.String()


class SessionQuerySchema(Schema):
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()
    routine = fields.String()


class AdherenceQuerySchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
