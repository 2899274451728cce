"""A person's plan as a FHIR R4 CarePlan (http://hl7.org/fhir/R4/careplan.html).

- ``status`` active, ``intent`` plan, ``period.start`` the plan's first day, ``title`` its name.
- One ``activity`` per routine and time of day; its ``detail`` instantiates the routine's
  PlanDefinition (canonical URL with version), is coded like a session of it, and has a
  ``scheduledTiming``: ``repeat.dayOfWeek`` (mon…sun), ``repeat.timeOfDay`` (local time),
  ``repeat.duration`` (the routine's computed length), ``boundsPeriod.start`` the plan's start.
  FHIR's Timing has no time zone, so the plan's IANA zone is stated on the Timing with the
  ``tz-code`` extension (http://hl7.org/fhir/StructureDefinition/tz-code, valueCode) and in
  words in ``Timing.code.text`` and the activity's description.
- Reminders (minutes before each session) are a ``note``.
- The subject is the host's own reference when its install plan gave one, else an
  anonymous contained Patient that holds nothing but an id.

The plan has no progression or pain hold yet: when it has, a hold becomes ``status``
on-hold (and each detail's status on-hold) and the week's dose goes in ``detail.description``;
see ``care_plan``'s ``status`` and ``detail_status``.
Pure: Plan in, dict out.
"""

from __future__ import annotations

import re
from typing import Any

from plugin.catalog.model import WEEKDAYS, Plan
from plugin.errors import InvalidInput
from plugin.formats import fhir
from plugin.formats.text import days_phrase, seconds_phrase
from plugin.i18n import _

MEDIA_TYPE = fhir.MEDIA_TYPE
TZ_CODE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/tz-code"
CALENDAR_SYSTEM = f"{fhir.CODE_SYSTEM_BASE}/calendar"
ANONYMOUS_PATIENT_ID = "anonymous"
FHIR_DAY_NAMES = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def anonymous_patient() -> dict[str, Any]:
    """A contained Patient with no identifying data at all: only a local id."""
    return {"resourceType": "Patient", "id": ANONYMOUS_PATIENT_ID}


def subject_of(subject: dict[str, Any] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(subject reference, contained resources) for the host's reference or the anonymous patient."""
    if subject:
        return dict(subject), []
    return {"reference": f"#{ANONYMOUS_PATIENT_ID}"}, [anonymous_patient()]


def scheduled_timing(plan: Plan, at: str, duration_s: int) -> dict[str, Any]:
    """When one routine is done: the plan's weekdays at one local time, in the plan's zone."""
    repeat: dict[str, Any] = {
        "boundsPeriod": {"start": plan.start.isoformat()} if plan.start else {},
        "duration": duration_s,
        "durationUnit": "s",
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "dayOfWeek": [FHIR_DAY_NAMES[d] for d in WEEKDAYS if d in plan.days],
        "timeOfDay": [f"{at}:00"],
    }
    if not plan.start:
        del repeat["boundsPeriod"]
    return {
        "extension": [{"url": TZ_CODE_EXTENSION, "valueCode": plan.timezone}],
        "repeat": repeat,
        "code": {
            "text": _("{days} at {time} ({timezone})").format(
                days=days_phrase(plan.days), time=at, timezone=plan.timezone
            )
        },
    }


def care_plan(
    plan: Plan,
    calendar_id: str,
    subject: dict[str, Any] | None = None,
    status: str = "active",
    detail_status: str = "scheduled",
) -> dict[str, Any]:
    """The plan as a CarePlan; ``subject`` is the host's Reference, or None for an anonymous one."""
    subject_ref, contained = subject_of(subject)
    definitions = {r.id: fhir.plan_definition_of(r) for r in plan.routines}
    activities = []
    for at in (t.strftime("%H:%M") for t in plan.times):
        for routine in plan.routines:
            definition = definitions[routine.id]
            activities.append(
                {
                    "detail": {
                        "kind": "ServiceRequest",
                        "instantiatesCanonical": [fhir.versioned_canonical(definition)],
                        "code": fhir.routine_code(routine),
                        "status": detail_status,
                        "doNotPerform": False,
                        "scheduledTiming": scheduled_timing(plan, at, routine.duration_s),
                        "description": _(
                            "{name} ({duration}), {days} at {time}, time zone {timezone}. "
                            "Read the cautions of the PlanDefinition before you start."
                        ).format(
                            name=routine.name,
                            duration=seconds_phrase(routine.duration_s),
                            days=days_phrase(plan.days),
                            time=at,
                            timezone=plan.timezone,
                        ),
                    }
                }
            )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": calendar_id,
        "contained": contained,
        "identifier": [{"system": CALENDAR_SYSTEM, "value": calendar_id}],
        "instantiatesCanonical": [fhir.versioned_canonical(definitions[r.id]) for r in plan.routines],
        "status": status,
        "intent": "plan",
        "category": [{"coding": [dict(fhir.STRETCHING_EXERCISES)], "text": _("Stretching")}],
        "title": plan.name,
        "description": _("{routines}: {days} at {times}, time zone {timezone}.").format(
            routines=", ".join(r.name for r in plan.routines),
            days=days_phrase(plan.days),
            times=", ".join(t.strftime("%H:%M") for t in plan.times),
            timezone=plan.timezone,
        ),
        "subject": subject_ref,
        "period": {"start": plan.start.isoformat()} if plan.start else {},
        "activity": activities,
    }
    if plan.reminders_min:
        minutes = ", ".join(str(m) for m in plan.reminders_min)
        resource["note"] = [
            {"text": _("Reminders: {minutes} minutes before each session.").format(minutes=minutes)}
        ]
    if not contained:
        del resource["contained"]
    if not plan.start:
        del resource["period"]
    return resource


SUBJECT_KEYS = ("reference", "display")
# R4 Reference.reference: a relative "Type/id" or an absolute URL (http://hl7.org/fhir/R4/references.html).
_RELATIVE_REFERENCE = re.compile(
    r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?$"
)
_ABSOLUTE_REFERENCE = re.compile(r"^(https?://\S+|urn:(uuid|oid):\S+)$")


def check_subject(value: Any, field: str = "subject") -> dict[str, str]:
    """A host's subject as a FHIR Reference: {"reference": "Patient/123", "display"?: "…"}.

    Raises InvalidInput naming ``subject.<key>`` for anything else.
    """
    if not isinstance(value, dict):
        raise InvalidInput('subject is a FHIR Reference, e.g. {"reference": "Patient/123"}', field=field)
    unknown = sorted(set(value) - set(SUBJECT_KEYS))
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}", field=f"{field}.{unknown[0]}")
    reference = value.get("reference")
    if (
        not isinstance(reference, str)
        or len(reference) > 1000
        or not (_RELATIVE_REFERENCE.match(reference) or _ABSOLUTE_REFERENCE.match(reference))
    ):
        raise InvalidInput(
            'reference is "Type/id" (e.g. "Patient/123") or an absolute URL', field=f"{field}.reference"
        )
    out = {"reference": reference}
    display = value.get("display")
    if display is not None:
        if not isinstance(display, str) or not 1 <= len(display) <= 200:
            raise InvalidInput("display is 1-200 characters", field=f"{field}.display")
        out["display"] = display
    return out
