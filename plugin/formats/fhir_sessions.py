"""Completed sessions as FHIR R4 Procedures and pain Observations, and back.

Out (``sessions_bundle``): a Bundle (searchset) with, per session,

- a Procedure (http://hl7.org/fhir/R4/procedure.html): ``status`` completed, ``identifier``
  = the source's own id (system ``…/session-source/<source>``), ``instantiatesCanonical``
  the routine's PlanDefinition, ``code`` as the routine's, ``performedPeriod`` start and end
  (start + duration), ``subject`` (the host's reference or an anonymous contained Patient),
  and ``note``: one Annotation per exercise done, in words, carrying the same facts in our
  ``exercise-done`` extension so that they read back exactly, then the session's own notes;
- an Observation per pain score: LOINC 72514-3 (pain severity 0–10 verbal numeric rating,
  reported), ``valueInteger``, ``partOf`` the Procedure.

In (``parse_bundle``): a Bundle holding one Procedure and at most one pain Observation
becomes a CompletedSession. The Procedure's identifier is the idempotency key; every
refusal is an InvalidInput naming the element, e.g. ``entry[0].resource.performedPeriod.start``,
and ``ParsedSession.path_of`` turns the rules' field names (``started_at``, ``pain`` …) into
the element they came from. Pure: dicts in, model out and back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from plugin.catalog.model import CompletedSession, ExerciseDone, Routine
from plugin.errors import InvalidInput
from plugin.formats import fhir
from plugin.formats.fhir_careplan import subject_of
from plugin.formats.text import done_line

MEDIA_TYPE = fhir.MEDIA_TYPE
SOURCE_SYSTEM = f"{fhir.CODE_SYSTEM_BASE}/session-source"
EXERCISE_DONE_URL = f"{fhir.CANONICAL_BASE}/StructureDefinition/exercise-done"
DEFAULT_SOURCE = "fhir"  # a Procedure whose identifier is not one of ours
PAIN_CODE = {
    "system": fhir.LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# Sub-extensions of exercise-done: name → (model field, FHIR value type).
DONE_FIELDS = {
    "exercise": ("exercise_id", "valueCode"),
    "sets": ("sets", "valueInteger"),
    "reps": ("reps", "valueInteger"),
    "holdSeconds": ("hold_s", "valueInteger"),
    "durationSeconds": ("duration_s", "valueInteger"),
    "side": ("side", "valueCode"),
}
# uuid5 namespace for Bundle fullUrls (urn:uuid) of stored sessions and their pain scores.
FULL_URL_NAMESPACE = uuid.UUID("6f0c1d52-9a43-5d2e-8a61-3f2b7c9e4d10")


# --- out ---------------------------------------------------------------------------------------


def full_url(session_id: str, part: str = "procedure") -> str:
    return f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, f'{session_id}/{part}')}"


def exercise_note(done: ExerciseDone, name: str) -> dict[str, Any]:
    extension = []
    for sub_url, (attribute, value_type) in DONE_FIELDS.items():
        value = getattr(done, attribute)
        if value is not None:
            extension.append({"url": sub_url, value_type: value})
    return {"extension": [{"url": EXERCISE_DONE_URL, "extension": extension}], "text": done_line(name, done)}


def procedure(
    session_id: str,
    completed: CompletedSession,
    routine: Routine | None,
    exercise_names: dict[str, str],
    subject: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One completed session as a Procedure."""
    subject_ref, contained = subject_of(subject)
    end = completed.started_at + timedelta(seconds=completed.duration_s)
    notes = [exercise_note(d, exercise_names.get(d.exercise_id, d.exercise_id)) for d in completed.exercises]
    if completed.notes:
        notes.append({"text": completed.notes})
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": session_id,
        "contained": contained,
        "identifier": [
            {"system": f"{SOURCE_SYSTEM}/{completed.source}", "value": completed.source_id},
        ],
        "instantiatesCanonical": [fhir.versioned_canonical(fhir.plan_definition_of(routine))]
        if routine
        else [],
        "status": "completed",
        "code": fhir.routine_code(routine)
        if routine
        else {"coding": [dict(fhir.STRETCHING_EXERCISES)], "text": "Stretching"},
        "subject": subject_ref,
        "performedPeriod": {"start": completed.started_at.isoformat(), "end": end.isoformat()},
        "note": notes,
    }
    for key in ("contained", "instantiatesCanonical", "note"):
        if not resource[key]:
            del resource[key]
    return resource


def pain_observation(
    session_id: str, completed: CompletedSession, subject: dict[str, Any] | None
) -> dict[str, Any]:
    """The session's pain score (0–10) as an Observation, part of its Procedure."""
    end = completed.started_at + timedelta(seconds=completed.duration_s)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{session_id}-pain",
        "partOf": [{"reference": full_url(session_id)}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [dict(PAIN_CODE)], "text": "Pain score (0-10)"},
        "effectiveDateTime": end.isoformat(),
        "valueInteger": completed.pain,
    }
    if subject:
        # The anonymous Patient is contained in the Procedure and cannot be referenced from here.
        resource["subject"] = dict(subject)
    return resource


@dataclass(frozen=True)
class StoredSession:
    """A stored session as the FHIR bundle needs it."""

    id: str
    completed: CompletedSession
    routine: Routine | None


def sessions_bundle(
    sessions: list[StoredSession], exercise_names: dict[str, str], subject: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A searchset Bundle: a Procedure per session (match) and its pain Observation (include)."""
    entries = []
    for stored in sessions:
        entries.append(
            {
                "fullUrl": full_url(stored.id),
                "resource": procedure(stored.id, stored.completed, stored.routine, exercise_names, subject),
                "search": {"mode": "match"},
            }
        )
        if stored.completed.pain is not None:
            entries.append(
                {
                    "fullUrl": full_url(stored.id, "pain"),
                    "resource": pain_observation(stored.id, stored.completed, subject),
                    "search": {"mode": "include"},
                }
            )
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(sessions)}
    if entries:
        bundle["entry"] = entries
    return bundle


# --- in ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedSession:
    completed: CompletedSession
    paths: dict[str, str] = field(default_factory=dict)  # the rules' field names → FHIR element
    procedure_path: str = "entry[0].resource"

    def path_of(self, name: str | None) -> str:
        """The element a rule's field name came from (``started_at`` → ``…performedPeriod.start``)."""
        if name is None:
            return self.procedure_path
        return self.paths.get(name, self.procedure_path)


def _fail(message: str, path: str) -> InvalidInput:
    return InvalidInput(message, field=path)


def _object(value: Any, path: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be a JSON object", path)
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail("must be a JSON array", path)
    return value


def _integer(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail("must be an integer", path)
    return value


def _instant(value: Any, path: str) -> datetime:
    """A FHIR dateTime with a time and an offset (a date alone cannot place a session)."""
    if not isinstance(value, str) or "T" not in value:
        raise _fail("must be a dateTime with a time and a UTC offset, e.g. 2026-11-20T07:02:00+01:00", path)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{value!r} is not a FHIR dateTime", path) from None
    if moment.tzinfo is None:
        raise _fail("needs a UTC offset (FHIR: a dateTime with a time has a time zone)", path)
    return moment


def _resources(bundle: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = _list(bundle.get("entry"), "entry")
    out = []
    for i, entry in enumerate(entries):
        entry = _object(entry, f"entry[{i}]", "an entry")
        out.append(
            (f"entry[{i}].resource", _object(entry.get("resource"), f"entry[{i}].resource", "resource"))
        )
    return out


def _identifier(proc: dict[str, Any], path: str) -> tuple[str, str, str]:
    """(source, source id, path of the value) from the Procedure's first identifier with a value."""
    identifiers = _list(proc.get("identifier"), f"{path}.identifier")
    for i, identifier in enumerate(identifiers):
        identifier = _object(identifier, f"{path}.identifier[{i}]", "an identifier")
        value = identifier.get("value")
        if isinstance(value, str) and value:
            system = identifier.get("system") or ""
            prefix = SOURCE_SYSTEM + "/"
            source = system[len(prefix) :] if system.startswith(prefix) else DEFAULT_SOURCE
            return source, value, f"{path}.identifier[{i}]"
    raise _fail(
        "the Procedure needs an identifier with a value: the session's id at its source", f"{path}.identifier"
    )


def _routine(proc: dict[str, Any], path: str) -> tuple[str | None, str]:
    canonicals = proc.get("instantiatesCanonical")
    if canonicals is not None:
        for i, value in enumerate(_list(canonicals, f"{path}.instantiatesCanonical")):
            routine_id = fhir.routine_of_canonical(value) if isinstance(value, str) else None
            if routine_id:
                return routine_id, f"{path}.instantiatesCanonical[{i}]"
        if canonicals:
            raise _fail(
                f"not a PlanDefinition of ours ({fhir.plan_definition_url('<routine>')})",
                f"{path}.instantiatesCanonical[0]",
            )
    code = proc.get("code")
    if isinstance(code, dict):
        for i, coding in enumerate(code.get("coding") or []):
            if (
                isinstance(coding, dict)
                and coding.get("system") == fhir.ROUTINE_SYSTEM
                and coding.get("code")
            ):
                return str(coding["code"]), f"{path}.code.coding[{i}]"
    return None, f"{path}.instantiatesCanonical"


def _exercise(note: dict[str, Any], path: str, number: int, paths: dict[str, str]) -> ExerciseDone | None:
    extensions = note.get("extension") or []
    for i, extension in enumerate(_list(extensions, f"{path}.extension")):
        if not isinstance(extension, dict) or extension.get("url") != EXERCISE_DONE_URL:
            continue
        values: dict[str, Any] = {}
        ext_path = f"{path}.extension[{i}]"
        for k, part in enumerate(_list(extension.get("extension"), f"{ext_path}.extension")):
            part = _object(part, f"{ext_path}.extension[{k}]", "an extension")
            known = DONE_FIELDS.get(part.get("url", ""))
            if known is None:
                continue
            attribute, value_type = known
            value_path = f"{ext_path}.extension[{k}].{value_type}"
            value = part.get(value_type)
            if value_type == "valueInteger":
                value = _integer(value, value_path)
            elif not isinstance(value, str) or not value:
                raise _fail("must be a code", value_path)
            values[attribute] = value
            paths[f"exercises.{number}.{attribute.replace('exercise_id', 'exercise')}"] = value_path
        if "exercise_id" not in values:
            raise _fail("exercise-done needs its 'exercise' code", f"{ext_path}.extension")
        return ExerciseDone(**values)
    return None


def _pain(resources: list[tuple[str, dict[str, Any]]]) -> tuple[int | None, str | None]:
    found = [
        (path, r)
        for path, r in resources
        if r.get("resourceType") == "Observation"
        and any(
            isinstance(c, dict) and c.get("system") == fhir.LOINC and c.get("code") == PAIN_CODE["code"]
            for c in ((r.get("code") or {}).get("coding") or [])
        )
    ]
    if not found:
        return None, None
    if len(found) > 1:
        raise _fail("at most one pain Observation (LOINC 72514-3) per session", found[1][0])
    path, observation = found[0]
    if "valueInteger" in observation:
        return _integer(observation["valueInteger"], f"{path}.valueInteger"), f"{path}.valueInteger"
    quantity = observation.get("valueQuantity")
    if isinstance(quantity, dict):
        value = quantity.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return _integer(value, f"{path}.valueQuantity.value"), f"{path}.valueQuantity.value"
    raise _fail("the pain score needs a valueInteger from 0 to 10", f"{path}.valueInteger")


def parse_bundle(data: Any) -> ParsedSession:
    """Read a Bundle with one Procedure (and at most one pain Observation) as a CompletedSession.

    Raises InvalidInput naming the element at fault (``entry[0].resource.status`` …).
    """
    bundle = _object(data, "resourceType", "the body")
    if bundle.get("resourceType") != "Bundle":
        raise _fail("the body must be a FHIR Bundle", "resourceType")
    resources = _resources(bundle)
    procedures = [(path, r) for path, r in resources if r.get("resourceType") == "Procedure"]
    if len(procedures) != 1:
        raise _fail(f"the Bundle must hold exactly one Procedure, not {len(procedures)}", "entry")
    path, proc = procedures[0]
    if proc.get("status") != "completed":
        raise _fail("only a completed Procedure is a completed session", f"{path}.status")
    source, source_id, identifier_path = _identifier(proc, path)
    routine_id, routine_path = _routine(proc, path)
    period = _object(proc.get("performedPeriod"), f"{path}.performedPeriod", "performedPeriod")
    start = _instant(period.get("start"), f"{path}.performedPeriod.start")
    end = _instant(period.get("end"), f"{path}.performedPeriod.end")
    if end < start:
        raise _fail("the end is before the start", f"{path}.performedPeriod.end")
    paths = {
        "source": identifier_path + ".system",
        "source_id": identifier_path + ".value",
        "routine": routine_path,
        "started_at": f"{path}.performedPeriod.start",
        "duration_s": f"{path}.performedPeriod.end",
    }
    exercises: list[ExerciseDone] = []
    notes: list[str] = []
    for j, note in enumerate(_list(proc.get("note") or [], f"{path}.note")):
        note = _object(note, f"{path}.note[{j}]", "a note")
        done = _exercise(note, f"{path}.note[{j}]", len(exercises), paths)
        if done is not None:
            exercises.append(done)
        elif isinstance(note.get("text"), str) and note["text"]:
            notes.append(note["text"])
            paths["notes"] = f"{path}.note[{j}].text"
    pain, pain_path = _pain(resources)
    if pain_path:
        paths["pain"] = pain_path
    completed = CompletedSession(
        source=source,
        source_id=source_id,
        routine_id=routine_id,
        started_at=start,
        duration_s=int((end - start).total_seconds()),
        exercises=tuple(exercises),
        pain=pain,
        notes="\n".join(notes),
    )
    return ParsedSession(completed=completed, paths=paths, procedure_path=path)
