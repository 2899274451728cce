"""FHIR R4 mapping (plugin/formats/fhir*.py): routines, plans and sessions, checked by two validators."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from fhir_validators import assert_valid_r4, model_errors, schema_errors

from plugin import catalog
from plugin.catalog.model import CautionKind, CompletedSession, ExerciseDone, Plan, ordered_cautions
from plugin.errors import InvalidInput
from plugin.formats import fhir, fhir_careplan, fhir_sessions
from plugin.services.routines import build_routine

EXPORTS = Path(__file__).resolve().parents[1] / "exports" / "fhir"
ROUTINES = catalog.builtin_routines()


def resources_of(bundle: dict) -> dict[str, dict]:
    return {
        entry["resource"]["resourceType"] + "/" + entry["resource"]["id"]: entry["resource"]
        for entry in bundle["entry"]
    }


def test_every_reference_export_passes_both_validators():
    files = sorted(EXPORTS.glob("*.json"))
    assert [f.stem for f in files] == sorted(r.id for r in ROUTINES)
    assert_valid_r4(*(json.loads(f.read_bytes()) for f in files))


def test_the_validators_refuse_what_r4_does_not_allow():
    # A check that can never fail proves nothing: break a bundle two ways and see both refuse it.
    bundle = fhir.routine_bundle(ROUTINES[0])
    broken = copy.deepcopy(bundle)
    broken["entry"][1]["resource"]["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] = "three"
    assert model_errors(broken)
    unknown_status = copy.deepcopy(bundle)
    unknown_status["entry"][0]["resource"]["status"] = "finished"
    assert schema_errors([broken, unknown_status, bundle]) != [[], [], []]
    assert schema_errors([unknown_status])[0]


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_every_caution_reads_back_in_full_from_additional_instruction(routine):
    bundle = fhir.routine_bundle(routine)
    plan_definition = bundle["entry"][0]["resource"]
    activities = [e["resource"] for e in bundle["entry"][1:]]
    assert len(activities) == len(routine.entries)
    read_back = set()
    for entry, activity in zip(routine.entries, activities, strict=True):
        instructions = activity["dosage"][0]["additionalInstruction"]
        expected = list(ordered_cautions(entry.exercise.cautions))
        assert [i["text"] for i in instructions] == [c.text for c in expected]
        kinds = [fhir.caution_kind_of(i) for i in instructions]
        assert kinds == [c.kind for c in expected]
        # contraindications first, then stop rules, then form
        assert kinds == sorted(kinds, key=list(CautionKind).index)
        codes = [c["code"] for i in instructions for c in i["coding"] if c["system"] == fhir.CAUTION_SYSTEM]
        assert codes == [c.id for c in expected]
        read_back |= {i["text"] for i in instructions}
    assert {c.text for c in routine.cautions} <= read_back
    for caution in routine.cautions:
        assert caution.text in plan_definition["usage"]


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_actions_follow_the_routine_and_point_at_their_activity_definitions(routine):
    bundle = fhir.routine_bundle(routine)
    plan_definition, *activities = (e["resource"] for e in bundle["entry"])
    assert plan_definition["title"] == routine.name
    assert plan_definition["description"].startswith(routine.description)
    actions = plan_definition["action"]
    assert [a["title"] for a in actions] == [e.exercise.name for e in routine.entries]
    assert [a["definitionCanonical"] for a in actions] == [f"{a['url']}|{a['version']}" for a in activities]
    assert [a["timingDuration"]["value"] for a in actions] == [e.seconds for e in routine.entries]
    for i, action in enumerate(actions[1:], start=1):
        assert action["relatedAction"] == [{"actionId": actions[i - 1]["id"], "relationship": "after-end"}]
    for entry, activity in zip(routine.entries, activities, strict=True):
        assert activity["identifier"] == [{"system": fhir.EXERCISE_SYSTEM, "value": entry.exercise.id}]
        steps = activity["dosage"][0]["patientInstruction"]
        for step in entry.exercise.steps:
            assert step in steps
        assert activity["relatedArtifact"][0]["label"] in entry.exercise.source


def _dose_parts(activity: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for part in activity["dosage"][0]["doseAndRate"]:
        code = part["type"]["coding"][0]["code"]
        if "doseQuantity" in part:
            out[code] = part["doseQuantity"]["value"]
        else:
            out[code] = (part["doseRange"]["low"]["value"], part["doseRange"]["high"]["value"])
    return out


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_the_dose_numbers_and_sides_are_stated(routine):
    activities = [e["resource"] for e in fhir.routine_bundle(routine)["entry"][1:]]
    for entry, activity in zip(routine.entries, activities, strict=True):
        dose = entry.dose
        parts = _dose_parts(activity)
        assert parts["sets"] == dose.sets and parts["reps"] == dose.reps and parts["rest"] == dose.rest_s
        assert parts["sides"] == (2 if dose.per_side else 1)
        assert parts.get("reps-range") == dose.reps_range
        assert parts.get("hold-range") == dose.hold_range_s
        timing_part = {
            "hold": dose.hold_s,
            "push": dose.contract_s,
            "work": dose.duration_s,
            "tempo": dose.tempo_s,
        }
        assert {k: v for k, v in timing_part.items() if v is not None} == {
            k: parts[k] for k in timing_part if k in parts
        }
        text = activity["dosage"][0]["text"]
        assert ("each leg" in text) is dose.per_side
        assert ("both sides at once" in text) is not dose.per_side
        repeat = activity["dosage"][0]["timing"]["repeat"]
        assert (repeat["frequency"], repeat.get("frequencyMax", repeat["frequency"])) == (
            entry.exercise.frequency.per_day_min,
            entry.exercise.frequency.per_day_max,
        )


def test_contract_relax_carries_push_and_effort():
    routine = catalog.builtin_routine("contract-relax")
    parts = _dose_parts(fhir.routine_bundle(routine)["entry"][1]["resource"])
    assert parts["push"] == 6 and parts["effort"] == (20, 30)


def test_codes_name_what_each_exercise_is():
    trunk = fhir.routine_bundle(catalog.builtin_routine("trunk-rotation"))["entry"][1]["resource"]
    assert {"system": fhir.SNOMED, "code": "229065009", "display": "Exercise therapy"} in trunk["code"][
        "coding"
    ]
    assert trunk["bodySite"][0]["coding"][0]["code"] == "22943007"
    lying = fhir.routine_bundle(catalog.builtin_routine("daily-hamstring"))["entry"][1]["resource"]
    assert lying["code"]["coding"][0]["code"] == "229070002"
    assert {
        "system": fhir.EXERCISE_SYSTEM,
        "code": "lying-hamstring",
        "display": "Lying hamstring stretch",
    } in (lying["code"]["coding"])


def test_a_second_export_is_byte_identical_and_a_changed_dose_gets_a_new_version():
    routine = catalog.builtin_routine("daily-hamstring")
    assert fhir.export(routine) == fhir.export(routine)
    changed = build_routine(
        routine.id, routine.name, routine.description, [{"exercise": "lying-hamstring", "hold_s": 20}]
    )
    before = fhir.routine_bundle(routine)["entry"]
    after = fhir.routine_bundle(changed)["entry"]
    assert before[0]["resource"]["url"] == after[0]["resource"]["url"]
    assert before[0]["resource"]["version"] != after[0]["resource"]["version"]
    assert before[1]["resource"]["version"] != after[1]["resource"]["version"]


# --- CarePlan ----------------------------------------------------------------------------------


def berlin_plan() -> Plan:
    return Plan(
        routines=(catalog.builtin_routine("daily-hamstring"), catalog.builtin_routine("trunk-rotation")),
        times=(time(7, 0), time(19, 30)),
        timezone="Europe/Berlin",
        days=("MO", "WE", "FR"),
        reminders_min=(10,),
        start=date(2026, 11, 23),
        name="Back care",
    )


def test_the_care_plan_states_exactly_the_days_times_and_zone():
    plan = berlin_plan()
    care_plan = fhir_careplan.care_plan(plan, "cal-1")
    assert_valid_r4(care_plan)
    assert care_plan["status"] == "active" and care_plan["intent"] == "plan"
    assert care_plan["period"] == {"start": "2026-11-23"}
    slots = set()
    for activity in care_plan["activity"]:
        detail = activity["detail"]
        timing = detail["scheduledTiming"]
        assert timing["repeat"]["dayOfWeek"] == ["mon", "wed", "fri"]
        assert timing["extension"] == [{"url": fhir_careplan.TZ_CODE_EXTENSION, "valueCode": "Europe/Berlin"}]
        assert "Europe/Berlin" in timing["code"]["text"]
        assert timing["repeat"]["boundsPeriod"] == {"start": "2026-11-23"}
        (at,) = timing["repeat"]["timeOfDay"]
        (canonical,) = detail["instantiatesCanonical"]
        slots.add((fhir.routine_of_canonical(canonical), at))
    assert slots == {
        ("daily-hamstring", "07:00:00"),
        ("daily-hamstring", "19:30:00"),
        ("trunk-rotation", "07:00:00"),
        ("trunk-rotation", "19:30:00"),
    }
    assert len(care_plan["activity"]) == 4


def test_the_care_plan_instantiates_the_exported_plan_definitions():
    plan = berlin_plan()
    care_plan = fhir_careplan.care_plan(plan, "cal-1")
    exported = {
        f"{r['url']}|{r['version']}" for routine in plan.routines for r in [fhir.plan_definition_of(routine)]
    }
    assert set(care_plan["instantiatesCanonical"]) == exported


def test_without_a_host_subject_the_patient_is_anonymous_and_contained():
    care_plan = fhir_careplan.care_plan(berlin_plan(), "cal-1")
    assert care_plan["contained"] == [{"resourceType": "Patient", "id": "anonymous"}]
    assert care_plan["subject"] == {"reference": "#anonymous"}
    hosted = fhir_careplan.care_plan(berlin_plan(), "cal-1", subject={"reference": "Patient/p-7"})
    assert "contained" not in hosted and hosted["subject"] == {"reference": "Patient/p-7"}
    assert_valid_r4(hosted)


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ("Patient/1", "subject"),
        ({"reference": "not a reference"}, "subject.reference"),
        ({"reference": "Patient/1", "name": "Ann"}, "subject.name"),
        ({"reference": "Patient/1", "display": ""}, "subject.display"),
    ],
)
def test_a_bad_subject_is_refused_naming_the_field(subject, field):
    with pytest.raises(InvalidInput) as err:
        fhir_careplan.check_subject(subject)
    assert err.value.field == field


# --- sessions ----------------------------------------------------------------------------------


def a_session(**overrides) -> CompletedSession:
    values = {
        "source": "host",
        "source_id": "run-42",
        "routine_id": "daily-hamstring",
        "started_at": datetime(2026, 11, 20, 6, 2, tzinfo=UTC),
        "duration_s": 420,
        "exercises": (
            ExerciseDone("lying-hamstring", sets=1, reps=1, hold_s=30, side="left"),
            ExerciseDone("standing-forward-bend", sets=2, hold_s=30),
        ),
        "pain": 3,
        "notes": "felt fine",
    }
    values.update(overrides)
    return CompletedSession(**values)


def a_bundle(completed: CompletedSession | None = None) -> dict:
    completed = completed or a_session()
    routine = catalog.builtin_routine(completed.routine_id) if completed.routine_id else None
    names = {ex.id: ex.name for ex in catalog.exercises()}
    return fhir_sessions.sessions_bundle(
        [fhir_sessions.StoredSession("0123456789abcdef0123456789abcdef", completed, routine)], names
    )


def test_a_session_is_a_procedure_and_its_pain_an_observation():
    bundle = a_bundle()
    assert_valid_r4(bundle)
    procedure, observation = (e["resource"] for e in bundle["entry"])
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert procedure["status"] == "completed"
    assert procedure["performedPeriod"] == {
        "start": "2026-11-20T06:02:00+00:00",
        "end": "2026-11-20T06:09:00+00:00",
    }
    assert fhir.routine_of_canonical(procedure["instantiatesCanonical"][0]) == "daily-hamstring"
    assert procedure["identifier"] == [{"system": f"{fhir_sessions.SOURCE_SYSTEM}/host", "value": "run-42"}]
    assert [n["text"] for n in procedure["note"]][-1] == "felt fine"
    assert observation["code"]["coding"][0]["code"] == "72514-3"
    assert observation["valueInteger"] == 3
    assert observation["partOf"] == [{"reference": bundle["entry"][0]["fullUrl"]}]


def test_a_session_without_pain_has_no_observation():
    bundle = a_bundle(a_session(pain=None, routine_id=None, exercises=(), notes=""))
    assert_valid_r4(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Procedure"]


def test_the_bundle_reads_back_as_the_same_session():
    completed = a_session()
    assert fhir_sessions.parse_bundle(a_bundle(completed)).completed == completed


def test_a_foreign_procedure_keeps_its_identifier_as_the_source_id():
    bundle = a_bundle()
    bundle["entry"][0]["resource"]["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": "ehr-99"}]
    parsed = fhir_sessions.parse_bundle(bundle).completed
    assert (parsed.source, parsed.source_id) == ("fhir", "ehr-99")


def _without(bundle: dict, *path: str | int) -> dict:
    target = bundle
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return bundle


def _set(bundle: dict, value: object, *path: str | int) -> dict:
    target = bundle
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return bundle


PROC = ("entry", 0, "resource")


@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (lambda b: _without(b, *PROC, "performedPeriod", "start"), "entry[0].resource.performedPeriod.start"),
        (
            lambda b: _set(b, "2026-11-20", *PROC, "performedPeriod", "start"),
            "entry[0].resource.performedPeriod.start",
        ),
        (
            lambda b: _set(b, "2026-11-20T07:00:00", *PROC, "performedPeriod", "start"),
            "entry[0].resource.performedPeriod.start",
        ),
        (lambda b: _without(b, *PROC, "performedPeriod", "end"), "entry[0].resource.performedPeriod.end"),
        (
            lambda b: _set(b, "2026-11-20T05:00:00+00:00", *PROC, "performedPeriod", "end"),
            "entry[0].resource.performedPeriod.end",
        ),
        (lambda b: _without(b, *PROC, "performedPeriod"), "entry[0].resource.performedPeriod"),
        (lambda b: _set(b, "in-progress", *PROC, "status"), "entry[0].resource.status"),
        (lambda b: _without(b, *PROC, "identifier"), "entry[0].resource.identifier"),
        (
            lambda b: _set(b, ["http://example.org/PlanDefinition/x"], *PROC, "instantiatesCanonical"),
            "entry[0].resource.instantiatesCanonical[0]",
        ),
        (
            lambda b: _set(b, "many", *PROC, "note", 0, "extension", 0, "extension", 1, "valueInteger"),
            "entry[0].resource.note[0].extension[0].extension[1].valueInteger",
        ),
        (lambda b: _set(b, "high", "entry", 1, "resource", "valueInteger"), "entry[1].resource.valueInteger"),
        (lambda b: _set(b, [], "entry"), "entry"),
        (lambda b: _set(b, "Patient", "resourceType"), "resourceType"),
        (lambda b: _set(b, [b["entry"][0], b["entry"][0]], "entry"), "entry"),
    ],
)
def test_a_malformed_bundle_is_refused_naming_the_element(breakage, field):
    with pytest.raises(InvalidInput) as err:
        fhir_sessions.parse_bundle(breakage(a_bundle()))
    assert err.value.field == field


def test_rule_fields_map_to_the_elements_they_came_from():
    parsed = fhir_sessions.parse_bundle(a_bundle())
    assert parsed.path_of("started_at") == "entry[0].resource.performedPeriod.start"
    assert parsed.path_of("duration_s") == "entry[0].resource.performedPeriod.end"
    assert parsed.path_of("pain") == "entry[1].resource.valueInteger"
    assert parsed.path_of("routine") == "entry[0].resource.instantiatesCanonical[0]"
    assert (
        parsed.path_of("exercises.1.exercise")
        == "entry[0].resource.note[1].extension[0].extension[0].valueCode"
    )
