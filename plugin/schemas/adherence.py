"""The adherence report, as GET /adherence answers it (the adherence page reads the same report)."""

from __future__ import annotations

from marshmallow import Schema, fields

from plugin.schemas.plan_state import PlanStateSchema
from plugin.schemas.sessions import PainCautionSchema


class CountsSchema(Schema):
    planned = fields.Integer(metadata={"description": "occurrences the plan has"})
    completed = fields.Integer(metadata={"description": "sessions done, planned or not"})
    met = fields.Integer(metadata={"description": "planned occurrences a session met"})


class RoutineCountsSchema(CountsSchema):
    routine = fields.String(metadata={"description": 'routine id; "-" for sessions of no known routine'})


class DaySchema(CountsSchema):
    date = fields.Date(attribute="day")
    done = fields.Boolean(metadata={"description": "every occurrence planned that day was met"})
    routines = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema))


class FlaggedSessionSchema(Schema):
    session = fields.String(metadata={"description": "the stored session's id"})
    routine = fields.String(allow_none=True)
    started_at = fields.AwareDateTime(metadata={"description": "in the plan's timezone"})
    caution = fields.Nested(PainCautionSchema, allow_none=True)


class AdherenceReportSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="first", metadata={"description": "first day"})
    to = fields.Date(attribute="last", metadata={"description": "today, in the plan's timezone"})
    days = fields.Integer()
    timezone = fields.String()
    planned = fields.Integer()
    completed = fields.Integer()
    met = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "met / planned; null with nothing planned"})
    current_streak = fields.Integer(metadata={"description": "done days in a row; today only extends it"})
    missed_days = fields.List(fields.Date(), metadata={"description": "planned days not done, before today"})
    routines = fields.List(fields.Nested(RoutineCountsSchema))
    per_day = fields.List(fields.Nested(DaySchema))
    flagged = fields.List(fields.Nested(FlaggedSessionSchema), metadata={"description": "pain 7 or more"})
    name = fields.String(allow_none=True, metadata={"description": "the plan's name; null without a plan"})
    linked = fields.Boolean(metadata={"description": "whether completed sessions reach this plan"})
    routine_names = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "planned and flagged routines"}
    )
    plan_state = fields.Nested(
        PlanStateSchema,
        allow_none=True,
        metadata={
            "description": "the plan's week, the doses of today and any pain hold; null without a plan"
        },
    )
