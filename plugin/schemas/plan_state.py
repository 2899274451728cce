"""Where a plan stands (plugin.services.plan_state.PlanState), as /adherence and the pages show it."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, fields

from plugin.catalog.progress import HoldReason
from plugin.formats.text import entry_dose_phrase, hold_notice, week_phrase
from plugin.schemas.fields import DerivedDate, DerivedList, DerivedString


class HoldSchema(Schema):
    start = fields.Date(metadata={"description": "first day held (the report's day, plan time)"})
    last_day = DerivedDate(
        compute=lambda hold: hold.end - timedelta(days=1), metadata={"description": "last day held"}
    )
    week = fields.Integer(metadata={"description": "the week the plan was stepped back to"})
    reason = fields.String(
        metadata={"enum": [r.value for r in HoldReason], "description": "pain 7+ once, or 5+ twice in a row"}
    )
    pain = fields.Integer(metadata={"description": "the pain score that set the hold (0-10)"})
    reported_at = fields.AwareDateTime(metadata={"description": "when, in the plan's timezone"})
    session = fields.String(metadata={"description": "the stored session that set it"})
    ended_early_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "a session with pain 3 or less ended it then"}
    )
    ended_by = fields.String(allow_none=True)


class ExerciseNowSchema(Schema):
    exercise = fields.String(attribute="exercise.id")
    name = fields.String(attribute="exercise.name")
    dose_text = DerivedString(compute=entry_dose_phrase)
    hold_s = fields.Integer(attribute="dose.hold_s", allow_none=True)
    reps = fields.Integer(attribute="dose.reps")
    sets = fields.Integer(attribute="dose.sets")


class RoutineNowSchema(Schema):
    id = fields.String()
    name = fields.String()
    duration_s = fields.Integer()
    notice = fields.String(metadata={"description": "the hold's warning; empty without one"})
    exercises = fields.List(fields.Nested(ExerciseNowSchema), attribute="entries")


class PlanStateSchema(Schema):
    start = fields.Date(metadata={"description": "the plan's first day: week 1 starts here"})
    today = fields.Date(metadata={"description": "in the plan's timezone"})
    week = fields.Integer(metadata={"description": "the week of progression the plan is in now"})
    weeks = fields.Integer(metadata={"description": "the week from which the doses stay the same"})
    week_text = DerivedString(compute=lambda state: week_phrase(state.week, state.weeks))
    hold = fields.Nested(HoldSchema, allow_none=True, metadata={"description": "the hold in force, if any"})
    warning = DerivedString(
        compute=lambda state: hold_notice(state.hold, state.routines[0]) if state.hold else None,
        allow_none=True,
        metadata={"description": "what opens every occurrence and push while the hold lasts"},
    )
    holds = DerivedList(
        fields.Nested(HoldSchema), compute=lambda state: state.holds, metadata={"description": "every hold"}
    )
    routines = fields.List(fields.Nested(RoutineNowSchema), metadata={"description": "the doses of today"})
