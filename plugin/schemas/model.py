"""The canonical model as JSON: what GET /routines answers and `export/json` writes.

Field order is the order of the JSON keys (marshmallow keeps declaration order),
and the reference exports under exports/ depend on it: add a field at the end of
its schema, never in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, post_dump

from plugin.catalog.figures import figure_path
from plugin.catalog.model import Caution, CautionKind, DoseKind, Focus, Routine
from plugin.formats.text import entry_dose_phrase
from plugin.schemas.fields import DerivedInteger, DerivedList, DerivedNested, DerivedString


def _enum(kind: type) -> dict[str, list[str]]:
    return {"enum": [member.value for member in kind]}  # type: ignore[attr-defined]


class CautionSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata=_enum(CautionKind))
    text = fields.String()
    short = fields.String(metadata={"description": "a few words for cards and watch screens"})


@dataclass(frozen=True)
class RoutineCaution(Caution):
    """A caution of a routine with the ids of the routine's exercises it belongs to."""

    exercises: tuple[str, ...] = ()

    @classmethod
    def of(cls, routine: Routine) -> list[RoutineCaution]:
        return [
            cls(
                c.id,
                c.kind,
                c.text,
                c.short,
                tuple(e.exercise.id for e in routine.entries if c in e.exercise.cautions),
            )
            for c in routine.cautions
        ]


class RoutineCautionSchema(CautionSchema):
    exercises = fields.List(
        fields.String(), metadata={"description": "the routine's exercises it belongs to"}
    )


class DoseSchema(Schema):
    kind = fields.String(metadata=_enum(DoseKind))
    sets = fields.Integer()
    reps = fields.Integer()
    reps_range = fields.List(fields.Integer(), allow_none=True)
    hold_s = fields.Integer(allow_none=True)
    hold_range_s = fields.List(fields.Integer(), allow_none=True)
    per_side = fields.Boolean()
    sides = DerivedList(fields.String(), compute=lambda dose: [side for side in dose.sides if side])
    rest_s = fields.Integer()
    duration_s = fields.Integer(allow_none=True)
    contract_s = fields.Integer(allow_none=True)
    effort_pct = fields.List(fields.Integer(), allow_none=True)
    tempo_s = fields.Integer(allow_none=True)
    assumed = fields.List(fields.String(), metadata={"description": "fields set by us, not the source"})
    total_s = DerivedInteger(
        compute=lambda dose: None if dose.kind is DoseKind.OPEN else dose.seconds,
        allow_none=True,
        metadata={"description": "sets × sides × reps × (work + rest); null when the source gives no timing"},
    )


class FrequencySchema(Schema):
    per_day_min = fields.Integer()
    per_day_max = fields.Integer()
    text = fields.String()


class ExerciseSchema(Schema):
    id = fields.String()
    name = fields.String()
    focus = fields.String(metadata={"enum": [Focus.HAMSTRING.value, Focus.TRUNK.value]})
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
    # A path, not a URL: the canonical form knows no host (exports stay the same on every server).
    figure_url = DerivedString(
        compute=lambda exercise: figure_path(exercise.id),
        metadata={"description": "where the exercise's line drawing (SVG) is served"},
    )


class ProgressionSchema(Schema):
    """Weekly steps: week 1 takes the first value, each later week the next, the last is kept."""

    hold_s = fields.List(fields.Integer(), metadata={"description": "hold seconds, week by week"})
    reps = fields.List(fields.Integer(), metadata={"description": "reps, week by week"})
    sets = fields.List(fields.Integer(), metadata={"description": "sets, week by week"})

    @post_dump
    def _stepped_only(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {name: steps for name, steps in data.items() if steps}


class EntrySchema(Schema):
    exercise = fields.Nested(ExerciseSchema)
    dose = fields.Nested(DoseSchema)
    dose_text = DerivedString(compute=entry_dose_phrase)
    duration_s = fields.Integer(attribute="seconds")
    progression = DerivedNested(
        ProgressionSchema,
        compute=lambda entry: entry.progression or None,
        allow_none=True,
        metadata={"description": "weekly steps of the dose from a plan's start; null: the dose stays"},
    )


class RoutineSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    focus = fields.String(metadata=_enum(Focus))
    builtin = fields.Boolean()
    duration_s = fields.Integer(metadata={"description": "computed from the doses"})
    frequency = fields.Nested(FrequencySchema)
    equipment = fields.List(fields.String())
    cautions = DerivedList(fields.Nested(RoutineCautionSchema), compute=RoutineCaution.of)
    exercises = fields.List(fields.Nested(EntrySchema), attribute="entries")
    notice = fields.String(
        metadata={"description": "a line that opens the notes in every target (a pain hold's warning)"}
    )
