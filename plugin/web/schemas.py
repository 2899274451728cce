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
