"""A routine as FHIR R4: a Bundle (collection) of one PlanDefinition and an ActivityDefinition per exercise.

FHIR R4 (4.0.1) is the target: http://hl7.org/fhir/R4/. What lands where:

- PlanDefinition = the routine: title, description, ``usage`` with every caution of the
  routine (contraindications first), one ``action`` per exercise in order, each naming its
  ActivityDefinition by canonical URL and version (``definitionCanonical``) and following
  the one before (``relatedAction`` after-end), with its computed length as ``timingDuration``.
- ActivityDefinition = one exercise with the routine's dose: ``code`` (SNOMED CT 229070002
  stretching exercises, or 229065009 exercise therapy for trunk rotation, plus our exercise id
  in our own code system), ``bodySite``, ``dosage[0]`` with ``timing`` (how often a day),
  ``doseAndRate`` (sets, reps, sides, hold, push, effort, continuous work, rest, each typed with
  a code of ours), ``text`` (the dose in words, "each leg" stated), ``patientInstruction``
  (the steps) and one ``additionalInstruction`` per caution, in full, contraindications first,
  its kind and id coded in our code systems; the source article as ``relatedArtifact``.

Canonical URLs are identifiers under CANONICAL_BASE (a reserved ``.invalid`` host, RFC 2606:
they name, they are not fetched). Versions are a digest of the resource's own content, so an
unchanged routine exports byte-identical and a changed one gets a new version.
Pure: model in, bytes or dicts out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from plugin.catalog.model import (
    Caution,
    CautionKind,
    Citation,
    Dose,
    DoseKind,
    Exercise,
    Focus,
    Routine,
    RoutineEntry,
    ordered_cautions,
)
from plugin.formats.text import entry_dose_phrase, kind_label, seconds_phrase
from plugin.i18n import N_, _

MEDIA_TYPE = "application/fhir+json"
EXTENSION = "json"

CANONICAL_BASE = "https://stretchsync.invalid/fhir"
CODE_SYSTEM_BASE = f"{CANONICAL_BASE}/CodeSystem"
CAUTION_KIND_SYSTEM = f"{CODE_SYSTEM_BASE}/caution-kind"
CAUTION_SYSTEM = f"{CODE_SYSTEM_BASE}/caution"
EXERCISE_SYSTEM = f"{CODE_SYSTEM_BASE}/exercise"
ROUTINE_SYSTEM = f"{CODE_SYSTEM_BASE}/routine"
DOSE_PART_SYSTEM = f"{CODE_SYSTEM_BASE}/dose-part"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
PUBLISHER = "stretchsync"

# SNOMED CT concepts that fit; a hamstring stretch is a stretching exercise, trunk rotation with
# a pole is mobility work, so it is the broader exercise therapy.
STRETCHING_EXERCISES = {"system": SNOMED, "code": "229070002", "display": "Stretching exercises"}
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
# Body site: SNOMED CT 22943007 is the trunk; we know of no code for the hamstrings we could check,
# so that body site is text only (a wrong code would be worse than none).
# A code's display is the code system's own term (English); the texts are a person's words.
BODY_SITE: dict[Focus, dict[str, Any]] = {
    Focus.HAMSTRING: {"text": N_("Hamstring muscles (back of the thigh)")},
    Focus.TRUNK: {
        "coding": [{"system": SNOMED, "code": "22943007", "display": "Trunk structure"}],
        "text": N_("Trunk"),
    },
}


def body_site(focus: Focus) -> dict[str, Any]:
    """The body site of a focus, its text in the current language."""
    site = dict(BODY_SITE[focus])
    site["text"] = _(site["text"])
    return site


# Our dose-part codes (DOSE_PART_SYSTEM): what each doseAndRate entry counts, shown in the
# export's language like the caution kinds.
DOSE_PARTS = {
    "sets": N_("Sets"),
    "reps": N_("Repetitions per set and side"),
    "reps-range": N_("Repetition range the source gives"),
    "sides": N_("Sides (each leg: left, then right)"),
    "hold": N_("Hold per repetition"),
    "hold-range": N_("Hold range the source gives"),
    "push": N_("Contraction (push) per repetition"),
    "effort": N_("Effort of the push, % of maximal strength"),
    "work": N_("Continuous work"),
    "tempo": N_("Time per counted repetition"),
    "rest": N_("Rest after each repetition"),
}


# --- shared helpers (CarePlan and sessions use these too) --------------------------------------


def canonical_url(resource_type: str, resource_id: str) -> str:
    return f"{CANONICAL_BASE}/{resource_type}/{resource_id}"


def plan_definition_url(routine_id: str) -> str:
    return canonical_url("PlanDefinition", routine_id)


def routine_of_canonical(value: str) -> str | None:
    """The routine id a PlanDefinition canonical of ours names (``|version`` ignored), else None."""
    url = value.split("|", 1)[0]
    prefix = plan_definition_url("")
    if url.startswith(prefix) and len(url) > len(prefix):
        return url[len(prefix) :]
    return None


def seconds_quantity(seconds: int) -> dict[str, Any]:
    """A UCUM duration in seconds (R4 Duration/Quantity)."""
    return {"value": seconds, "unit": "s", "system": UCUM, "code": "s"}


def routine_code(routine: Routine) -> dict[str, Any]:
    """What a session of this routine is: SNOMED CT where one fits, our routine id, its name."""
    snomed = EXERCISE_THERAPY if routine.focus is Focus.TRUNK else STRETCHING_EXERCISES
    return {
        "coding": [dict(snomed), {"system": ROUTINE_SYSTEM, "code": routine.id, "display": routine.name}],
        "text": routine.name,
    }


def computable_name(identifier: str) -> str:
    """'daily-hamstring' → 'DailyHamstring' (R4 canonical resources' name: [A-Z]([A-Za-z0-9_]){0,254})."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", identifier) if part)
    return name if name[:1].isalpha() else "X" + name


def content_version(resource: dict[str, Any]) -> str:
    """A version that changes exactly when the resource's content does."""
    body = json.dumps(resource, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def dumps(resource: dict[str, Any]) -> bytes:
    """FHIR JSON bytes, stable for golden files."""
    return (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- cautions ----------------------------------------------------------------------------------


def caution_instruction(caution: Caution) -> dict[str, Any]:
    """One caution as a CodeableConcept: its kind and id coded, its full text as text."""
    return {
        "coding": [
            {"system": CAUTION_KIND_SYSTEM, "code": caution.kind.value, "display": kind_label(caution.kind)},
            {"system": CAUTION_SYSTEM, "code": caution.id, "display": caution.short},
        ],
        "text": caution.text,
    }


def caution_kind_of(concept: dict[str, Any]) -> CautionKind | None:
    """The kind an additionalInstruction of ours carries (for readers and tests)."""
    for coding in concept.get("coding", []):
        if coding.get("system") == CAUTION_KIND_SYSTEM:
            return CautionKind(coding["code"])
    return None


# --- the dose ----------------------------------------------------------------------------------


def _part(code: str, dose: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": {"coding": [{"system": DOSE_PART_SYSTEM, "code": code, "display": _(DOSE_PARTS[code])}]},
        **dose,
    }


def _count(value: int, unit: str) -> dict[str, Any]:
    # UCUM annotations ({set}) are unit 1 with a label: a count, not a measure.
    return {"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": "{" + unit + "}"}}


def dose_and_rate(dose: Dose) -> list[dict[str, Any]]:
    """Every number of the dose as a typed doseAndRate entry."""
    parts = [_part("sets", _count(dose.sets, "set")), _part("reps", _count(dose.reps, "repetition"))]
    if dose.reps_range:
        low, high = (_count(n, "repetition")["doseQuantity"] for n in dose.reps_range)
        parts.append(_part("reps-range", {"doseRange": {"low": low, "high": high}}))
    parts.append(_part("sides", _count(len(dose.sides), "side")))
    kind = dose.kind
    if kind is DoseKind.HOLD:
        parts.append(_part("hold", {"doseQuantity": seconds_quantity(dose.work_s)}))
        if dose.hold_range_s:
            low, high = dose.hold_range_s
            parts.append(
                _part(
                    "hold-range",
                    {"doseRange": {"low": seconds_quantity(low), "high": seconds_quantity(high)}},
                )
            )
    elif kind is DoseKind.CONTRACT_RELAX:
        parts.append(_part("push", {"doseQuantity": seconds_quantity(dose.work_s)}))
        if dose.effort_pct:
            low, high = ({"value": pct, "unit": "%", "system": UCUM, "code": "%"} for pct in dose.effort_pct)
            parts.append(_part("effort", {"doseRange": {"low": low, "high": high}}))
    elif kind is DoseKind.CONTINUOUS:
        parts.append(_part("work", {"doseQuantity": seconds_quantity(dose.work_s)}))
    elif kind is DoseKind.COUNTED:
        parts.append(_part("tempo", {"doseQuantity": seconds_quantity(dose.work_s)}))
    parts.append(_part("rest", {"doseQuantity": seconds_quantity(dose.rest_s)}))
    return parts


def dose_text(entry: RoutineEntry) -> str:
    """The dose in words with its total, sides stated even when both legs move together."""
    phrase = entry_dose_phrase(entry)
    if not entry.dose.per_side:
        phrase += ", " + _("both sides at once")
    return _("{dose}; about {time} in all").format(dose=phrase, time=seconds_phrase(entry.seconds))


def patient_instruction(exercise: Exercise) -> str:
    lines = [f"{i}. {step}" for i, step in enumerate(exercise.steps, start=1)]
    if exercise.variations and not exercise.variation_per_set:
        lines.append(_("Variations: {list}.").format(list="; ".join(exercise.variations)))
    if exercise.cue:
        lines.append(_("Remember: {cue}.").format(cue=exercise.cue))
    return "\n".join(lines)


def dosage(entry: RoutineEntry) -> dict[str, Any]:
    ex = entry.exercise
    frequency = ex.frequency
    repeat: dict[str, Any] = {"frequency": frequency.per_day_min, "period": 1, "periodUnit": "d"}
    if frequency.per_day_max > frequency.per_day_min:
        repeat["frequencyMax"] = frequency.per_day_max
    out: dict[str, Any] = {
        "sequence": 1,
        "text": dose_text(entry),
        "additionalInstruction": [caution_instruction(c) for c in ordered_cautions(ex.cautions)],
        "patientInstruction": patient_instruction(ex),
        "timing": {"repeat": repeat, "code": {"text": frequency.text}},
    }
    if entry.dose.per_side:
        out["site"] = {"text": _("each leg: left, then right")}
    out["doseAndRate"] = dose_and_rate(entry.dose)
    if not out["additionalInstruction"]:
        del out["additionalInstruction"]
    return out


# --- the resources ---------------------------------------------------------------------------


def related_artifacts(citations: Iterable[Citation]) -> list[dict[str, Any]]:
    """One ``citation`` artifact per source article, each once, in the order given."""
    out = []
    for cited in dict.fromkeys(citations):
        author = f"{cited.author}. " if cited.author else ""
        text = f"{author}{cited.title}. {cited.publisher}, {cited.date}."
        out.append({"type": "citation", "label": cited.file, "display": cited.title, "citation": text})
    return out


def activity_definition_id(routine: Routine, index: int) -> str:
    """'daily-hamstring.lying-hamstring'; an exercise a routine repeats gets its position too."""
    exercise_id = routine.entries[index].exercise.id
    repeats = [i for i, e in enumerate(routine.entries) if e.exercise.id == exercise_id]
    suffix = f".{repeats.index(index) + 1}" if len(repeats) > 1 else ""
    return f"{routine.id}.{exercise_id}{suffix}"


def activity_definition(routine: Routine, index: int) -> dict[str, Any]:
    """One exercise of the routine with the routine's dose."""
    entry = routine.entries[index]
    ex = entry.exercise
    resource_id = activity_definition_id(routine, index)
    snomed = EXERCISE_THERAPY if ex.focus is Focus.TRUNK else STRETCHING_EXERCISES
    description = [_("Position: {position}.").format(position=ex.position)]
    if ex.equipment:
        description.append(_("Equipment: {list}.").format(list=", ".join(ex.equipment)))
    if ex.alternative_to:
        description.append(_("Do this instead of {what}.").format(what=ex.alternative_to))
    resource: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": resource_id,
        "url": canonical_url("ActivityDefinition", resource_id),
        "identifier": [{"system": EXERCISE_SYSTEM, "value": ex.id}],
        "name": computable_name(resource_id),
        "title": ex.name,
        "status": "active",
        "publisher": PUBLISHER,
        "description": " ".join(description),
        "relatedArtifact": related_artifacts(ex.citations),
        "kind": "ServiceRequest",
        "code": {
            "coding": [dict(snomed), {"system": EXERCISE_SYSTEM, "code": ex.id, "display": ex.name}],
            "text": ex.name,
        },
        "participant": [{"type": "patient"}],
        "dosage": [dosage(entry)],
        "bodySite": [body_site(ex.focus)],
    }
    return _versioned(resource)


def _versioned(resource: dict[str, Any]) -> dict[str, Any]:
    # version goes right after url, where FHIR's element order puts it.
    version = content_version(resource)
    out: dict[str, Any] = {}
    for key, value in resource.items():
        out[key] = value
        if key == "url":
            out["version"] = version
    return out


def versioned_canonical(resource: dict[str, Any]) -> str:
    return f"{resource['url']}|{resource['version']}"


def plan_definition(routine: Routine, activities: list[dict[str, Any]]) -> dict[str, Any]:
    """The routine, its actions pointing at ``activities`` (one per entry, in order)."""
    actions = []
    for i, (entry, activity) in enumerate(zip(routine.entries, activities, strict=True)):
        action: dict[str, Any] = {
            "id": f"step-{i + 1}",
            "title": entry.exercise.name,
            "description": dose_text(entry),
            "code": [activity["code"]],
            "timingDuration": seconds_quantity(entry.seconds),
            "participant": [{"type": "patient"}],
        }
        if i:
            action["relatedAction"] = [{"actionId": f"step-{i}", "relationship": "after-end"}]
        action["definitionCanonical"] = versioned_canonical(activity)
        actions.append(action)
    cautions = [f"{kind_label(c.kind)}: {c.text}" for c in routine.cautions]
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": routine.id,
        "url": plan_definition_url(routine.id),
        "identifier": [{"system": ROUTINE_SYSTEM, "value": routine.id}],
        "name": computable_name(routine.id),
        "title": routine.name,
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "clinical-protocol",
                    "display": "Clinical Protocol",
                }
            ]
        },
        "status": "active",
        "publisher": PUBLISHER,
        "description": f"{routine.description} About {seconds_phrase(routine.duration_s)}, "
        f"{routine.frequency.text}.",
        "usage": "\n".join(cautions),
        "topic": [routine_code(routine)],
        "relatedArtifact": related_artifacts(c for e in routine.entries for c in e.exercise.citations),
        "action": actions,
    }
    if not cautions:
        del resource["usage"]
    return _versioned(resource)


def plan_definition_of(routine: Routine) -> dict[str, Any]:
    """The routine's PlanDefinition alone (what a CarePlan or Procedure instantiates)."""
    activities = [activity_definition(routine, i) for i in range(len(routine.entries))]
    return plan_definition(routine, activities)


def routine_bundle(routine: Routine) -> dict[str, Any]:
    """The Bundle (collection): the PlanDefinition first, then each ActivityDefinition."""
    activities = [activity_definition(routine, i) for i in range(len(routine.entries))]
    resources = [plan_definition(routine, activities), *activities]
    return {
        "resourceType": "Bundle",
        "id": f"routine-{routine.id}",
        "type": "collection",
        "entry": [{"fullUrl": r["url"], "resource": r} for r in resources],
    }


def export(routine: Routine) -> bytes:
    """The routine as a FHIR R4 Bundle (JSON bytes), byte-identical while the routine is unchanged."""
    return dumps(routine_bundle(routine))
