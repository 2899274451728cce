"""The plan rules, in one place: field names, defaults, limits and the messages a person reads.

A plan (a calendar subscription, an installation's schedule) reaches us through
POST/PATCH /calendars, the subscribe page, the ``plan`` of /lifecycle/installed
and ``stretchsync install --routines/--days/--times/--timezone``. Every one of
them loads it through ``PlanSchema``, so each refuses the same input with the
same message under the same field path (``times.1``; ``plan.times.1`` inside an
installation). What needs the store (do these routines exist? which day is
today?) is added by ``plugin.services.calendar_lookup.normalise_spec``, which loads
through this schema too.

Loading gives the stored form (JSON-ready: "07:30", "2026-11-23"), and loading
the stored form again gives it back unchanged, so a plan change can merge the
stored plan with the changed fields and check the whole again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from plugin import i18n
from plugin.catalog import limits
from plugin.catalog.model import DEFAULT_PLAN_NAME, DEFAULT_REMINDERS_MIN, WEEKDAYS
from plugin.errors import InvalidInput
from plugin.formats import fhir_careplan, ical
from plugin.i18n import N_
from plugin.schemas.base import StrictSchema, invalid_input

# ``subject`` (whom the plan is for, a FHIR Reference) is optional and only hosts send it.
FIELDS = ("routines", "days", "times", "timezone", "reminders", "start", "name", "subject", "language")
DEFAULTS: dict[str, Any] = {
    "days": list(WEEKDAYS),
    "reminders": list(DEFAULT_REMINDERS_MIN),
    "name": DEFAULT_PLAN_NAME,
    "language": i18n.DEFAULT,
}
# The API asks for times and a timezone; `stretchsync install --routines …` alone
# (an operator's quick start) fills these in. Kept here so the rule has one home.
COMMAND_LINE_DEFAULTS: dict[str, Any] = {"times": ["07:00"], "timezone": "UTC"}
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
# Written for the person on the subscribe page as much as for an API client: the API
# answers in English, the page in its own language (``in_language``).
_TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = {
    "routines": (N_("Pick at least one routine (at most {most})."), {"most": limits.ROUTINES_PER_PLAN[1]}),
    "routine_twice": (N_("a routine appears twice"), {}),
    "days": (N_("Pick at least one day."), {}),
    "day": (N_("not one of {days}"), {"days": ", ".join(WEEKDAYS)}),
    "times": (
        N_("Give {least} to {most} times a day, like 07:30, 18:00."),
        {"least": limits.TIMES_PER_DAY[0], "most": limits.TIMES_PER_DAY[1]},
    ),
    "time": (N_("not a local time HH:MM between 00:00 and 23:59"), {}),
    "time_twice": (N_("a time appears twice"), {}),
    "reminders": (N_("Pick at most {most} reminders."), {"most": limits.REMINDERS_PER_EVENT}),
    "reminder": (
        N_("a reminder is {least} to {most} minutes before"),
        {"least": limits.REMINDER_MIN[0], "most": limits.REMINDER_MIN[1]},
    ),
    "start": (N_("not a date like 2026-11-23"), {}),
    "name": (
        N_("a name has {least} to {most} characters"),
        {"least": limits.NAME_CHARS[0], "most": limits.NAME_CHARS[1]},
    ),
    "name_line": (N_("a name is one line, without control characters"), {}),
    "language": (N_("not one of {languages}"), {"languages": ", ".join(i18n.LANGUAGES)}),
}
MESSAGES = {key: template.format(**values) for key, (template, values) in _TEMPLATES.items()}
_BY_MESSAGE = {MESSAGES[key]: _TEMPLATES[key] for key in MESSAGES}


# Messages naming the value at fault, as plugin.formats.ical writes them.
_NAMING_VALUE = (N_("unknown timezone {value}; give an IANA name like Europe/Berlin"),)


def in_language(message: str) -> str:
    """A plan rule's message in the current language (any other message as the catalog has it)."""
    for template in _NAMING_VALUE:
        found = re.fullmatch(re.escape(template).replace(r"\{value\}", "(?P<value>.*)"), message)
        if found:
            return i18n._(template).format(value=found["value"])
    template, values = _BY_MESSAGE.get(message, (message, {}))
    return i18n._(template).format(**values) if values else i18n._(template)


_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> None:
    # A function, not validate.Regexp: the OpenAPI document would carry a Python-only pattern.
    if _LINE_BREAKING.search(value):
        raise ValidationError(MESSAGES["name_line"])


def _once(message: str) -> Callable[[list[Any]], None]:
    def each_once(values: list[Any]) -> None:
        if len(set(values)) != len(values):
            raise ValidationError(message)

    return each_once


def _known_timezone(value: str) -> None:
    try:
        ical.check_timezone(value)
    except InvalidInput as err:  # the message is the feed's, which writes the zone's rules
        raise ValidationError(err.message) from None


class _IsoDate(fields.Date):
    """A date kept as its ISO text (the stored form); a date object is taken too."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:  # type: ignore[override]
        if isinstance(value, date):
            return value.isoformat()
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value


class _Stripped(fields.String):
    """Text without the blanks around it (checked after stripping)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _Subject(fields.Raw):
    """Whom the plan is for, as a FHIR Reference (docs/fhir.md); its keys are checked one by one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:
        try:
            return fhir_careplan.check_subject(value)
        except InvalidInput as err:
            key = (err.field or "").partition(".")[2]
            raise ValidationError({key: [err.message]} if key else err.message) from None


def _length(bounds: tuple[int, int], message: str) -> validate.Length:
    return validate.Length(min=bounds[0], max=bounds[1], error=message)


class PlanSchema(StrictSchema):
    """When to do which routines; the defaults are the Plan's own (catalog/model.py)."""

    routines = fields.List(
        fields.String(),
        required=True,
        validate=[_length(limits.ROUTINES_PER_PLAN, MESSAGES["routines"]), _once(MESSAGES["routine_twice"])],
        metadata={"description": 'routine ids, e.g. ["daily-hamstring"]'},
    )
    days = fields.List(
        fields.String(validate=validate.OneOf(WEEKDAYS, error=MESSAGES["day"])),
        load_default=DEFAULTS["days"],
        validate=validate.Length(min=1, error=MESSAGES["days"]),
        metadata={"description": "weekdays as in RRULE BYDAY; default every day"},
    )
    times = fields.List(
        fields.String(validate=validate.Regexp(HHMM, error=MESSAGES["time"])),
        required=True,
        validate=[_length(limits.TIMES_PER_DAY, MESSAGES["times"]), _once(MESSAGES["time_twice"])],
        metadata={"description": 'local times, e.g. ["07:30", "19:00"] for twice a day'},
    )
    timezone = fields.String(
        required=True, validate=_known_timezone, metadata={"description": "IANA name, e.g. Europe/Berlin"}
    )
    reminders = fields.List(
        fields.Integer(
            strict=True, validate=validate.Range(*limits.REMINDER_MIN, error=MESSAGES["reminder"])
        ),
        load_default=DEFAULTS["reminders"],
        validate=validate.Length(max=limits.REMINDERS_PER_EVENT, error=MESSAGES["reminders"]),
        metadata={"description": "minutes before each session"},
    )
    start = _IsoDate(
        error_messages={"invalid": MESSAGES["start"]},
        metadata={"description": "first day; default the day the calendar is made, in its timezone"},
    )
    # The name heads the feed (NAME, X-WR-CALNAME), one content line in every calendar app.
    name = _Stripped(
        load_default=DEFAULTS["name"],
        validate=[
            _length(limits.NAME_CHARS, MESSAGES["name"]),
            _one_line,
        ],
    )
    language = fields.String(
        load_default=DEFAULTS["language"],
        validate=validate.OneOf(i18n.LANGUAGES, error=MESSAGES["language"]),
        metadata={"description": "language of every text a person reads: en, de, fr or es; default en"},
    )
    subject = _Subject(
        metadata={"description": 'FHIR Reference of whom the plan is for, e.g. {"reference": "Patient/123"}'}
    )

    @post_load
    def _stored_form(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "days" in data:
            # Week order; RRULE BYDAY order carries no meaning (RFC 5545 §3.3.10).
            data["days"] = [day for day in WEEKDAYS if day in data["days"]]
        if "times" in data:
            data["times"] = sorted(data["times"])  # HH:MM sorts as text as it does in time
        if "reminders" in data:
            data["reminders"] = sorted(set(data["reminders"]))
        return {name: data[name] for name in FIELDS if name in data}


PLAN_SCHEMA = PlanSchema()  # built once: a schema instance is reusable and costly to make


def load_plan_fields(plan_fields: Any, prefix: str = "") -> dict[str, Any]:
    """The plan in stored form; InvalidInput names the first field at fault (under ``prefix``)."""
    try:
        return PLAN_SCHEMA.load(plan_fields)
    except ValidationError as err:
        raise invalid_input(err, prefix) from None
