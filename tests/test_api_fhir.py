"""FHIR R4 over HTTP: routine export, CarePlans, sessions as a searchset and the FHIR import hook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fhir_validators import assert_valid_r4
from hostkit import Host, host_config, row_counts, session_body

from plugin.formats import fhir

FHIR = "application/fhir+json"
EXPORTS = Path(__file__).resolve().parents[1] / "exports" / "fhir"
BERLIN = {
    "routines": ["daily-hamstring", "trunk-rotation"],
    "days": ["MO", "WE", "FR"],
    "times": ["07:00", "19:30"],
    "timezone": "Europe/Berlin",
    "start": "2026-11-23",
}


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def host(client):
    host = Host(client)
    assert host.install(plan=BERLIN).status_code == 201
    return host


def fhir_sessions(host: Host, **query) -> dict:
    response = host.call("GET", "/sessions", headers={"Accept": FHIR}, query=query or None)
    assert response.status_code == 200, response.json
    assert response.mimetype == FHIR
    return response.json


def import_fhir(host: Host, bundle: dict | bytes):
    return host.import_session(bundle, content_type=FHIR)


# --- routines ----------------------------------------------------------------------------------


def test_the_routine_export_is_the_reference_file_and_valid(client):
    response = client.get("/routines/daily-hamstring/export/fhir")
    assert response.status_code == 200
    assert response.mimetype == FHIR
    assert response.data == (EXPORTS / "daily-hamstring.json").read_bytes()
    assert_valid_r4(response.json)


def test_a_custom_routine_exports_valid_fhir(client):
    created = client.post(
        "/routines",
        json={
            "name": "Mine",
            "description": "two",
            "exercises": [{"exercise": "lying-hamstring", "hold_s": 40}],
        },
    )
    assert created.status_code == 201
    bundle = client.get(f"/routines/{created.json['id']}/export/fhir").json
    assert_valid_r4(bundle)
    holds = [
        part["doseQuantity"]["value"]
        for part in bundle["entry"][1]["resource"]["dosage"][0]["doseAndRate"]
        if part["type"]["coding"][0]["code"] == "hold"
    ]
    assert holds == [40]


def test_the_cli_exports_the_same_bytes(runner, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(args=["export", "--routine", "trunk-rotation", "--format", "fhir", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (EXPORTS / "trunk-rotation.json").read_bytes()


# --- CarePlan ----------------------------------------------------------------------------------


def _slots(care_plan: dict) -> set[tuple[str | None, tuple[str, ...], str, str]]:
    out = set()
    for activity in care_plan["activity"]:
        timing = activity["detail"]["scheduledTiming"]
        (canonical,) = activity["detail"]["instantiatesCanonical"]
        (at,) = timing["repeat"]["timeOfDay"]
        (zone,) = [e["valueCode"] for e in timing["extension"]]
        out.add((fhir.routine_of_canonical(canonical), tuple(timing["repeat"]["dayOfWeek"]), at, zone))
    return out


EXPECTED_SLOTS = {
    (routine, ("mon", "wed", "fri"), at, "Europe/Berlin")
    for routine in ("daily-hamstring", "trunk-rotation")
    for at in ("07:00:00", "19:30:00")
}


def test_a_calendar_token_gives_its_care_plan(client):
    created = client.post("/calendars", json=BERLIN)
    assert created.status_code == 201
    response = client.get(f"/calendars/{created.json['token']}/fhir")
    assert response.status_code == 200
    assert response.mimetype == FHIR
    care_plan = response.json
    assert_valid_r4(care_plan)
    assert _slots(care_plan) == EXPECTED_SLOTS
    assert care_plan["period"] == {"start": "2026-11-23"}
    assert care_plan["subject"] == {"reference": "#anonymous"}
    assert care_plan["contained"] == [{"resourceType": "Patient", "id": "anonymous"}]


def test_an_unknown_or_revoked_calendar_has_no_care_plan(client):
    assert client.get("/calendars/nope/fhir").status_code == 404
    created = client.post("/calendars", json=BERLIN).json
    token = created["token"]
    assert client.delete(f"/calendars/{created['manage_token']}").status_code == 204
    gone = client.get(f"/calendars/{token}/fhir")
    assert gone.status_code == 410
    assert gone.mimetype == "application/problem+json"


def test_an_installation_reads_its_care_plan_with_the_subject_it_named(client):
    host = Host(client)
    plan = {**BERLIN, "subject": {"reference": "Patient/p-77", "display": "as the host names them"}}
    assert host.install(plan=plan).status_code == 201
    response = host.call("GET", "/hooks/careplan")
    assert response.status_code == 200, response.json
    assert response.mimetype == FHIR
    care_plan = response.json
    assert_valid_r4(care_plan)
    assert care_plan["subject"] == plan["subject"]
    assert "contained" not in care_plan
    assert _slots(care_plan) == EXPECTED_SLOTS


def test_the_care_plan_hook_is_signed_and_needs_a_plan(client, host):
    assert client.get("/hooks/careplan").status_code == 401
    planless = Host(client)
    assert planless.install().status_code == 201
    response = planless.call("GET", "/hooks/careplan")
    assert response.status_code == 404
    assert "plan" in response.json["errors"]


def test_a_bad_subject_in_the_install_plan_is_refused(client, db):
    host = Host(client)
    before = row_counts(db)
    response = host.install(plan={**BERLIN, "subject": {"reference": "nobody"}})
    assert response.status_code == 422
    assert "plan.subject.reference" in response.json["errors"]
    assert row_counts(db) == before


# --- sessions out ------------------------------------------------------------------------------


def test_sessions_with_accept_fhir_are_a_valid_searchset(host):
    assert host.import_session(session_body("a", pain=4)).status_code == 201
    assert (
        host.import_session(session_body("b", pain=None, routine="trunk-rotation", exercises=[])).status_code
        == 201
    )
    bundle = fhir_sessions(host)
    assert_valid_r4(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert sorted(kinds) == ["Observation", "Procedure", "Procedure"]
    observation = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    assert observation["valueInteger"] == 4
    assert observation["code"]["coding"][0]["code"] == "72514-3"


def test_plain_json_stays_the_default(host):
    host.import_session(session_body("a"))
    for accept in (None, "*/*", "application/json"):
        response = host.call("GET", "/sessions", headers={"Accept": accept} if accept else None)
        assert response.mimetype == "application/json"
        assert isinstance(response.json, list) and response.json[0]["source_id"] == "a"


def test_the_query_filters_the_fhir_answer_too(host):
    host.import_session(session_body("a"))
    host.import_session(session_body("b", routine="trunk-rotation", exercises=[]))
    bundle = fhir_sessions(host, routine="trunk-rotation")
    (procedure,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"]
    assert procedure["identifier"][0]["value"] == "b"


def test_the_host_subject_is_the_procedure_subject(client):
    host = Host(client)
    assert host.install(plan={**BERLIN, "subject": {"reference": "Patient/p-77"}}).status_code == 201
    host.import_session(session_body("a", pain=2))
    bundle = fhir_sessions(host)
    assert_valid_r4(bundle)
    assert {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {"Patient/p-77"}


# --- sessions in: the round trip ---------------------------------------------------------------

COMPARED = (
    "source",
    "source_id",
    "routine",
    "started_at",
    "duration_s",
    "exercises",
    "pain",
    "notes",
    "flagged",
)


def test_a_session_exported_as_fhir_imports_as_the_same_session_elsewhere(client, db):
    first = Host(client)
    assert first.install(plan=BERLIN).status_code == 201
    original = first.import_session(session_body("run-42", pain=7))
    assert original.status_code == 201
    bundle = fhir_sessions(first)

    second = Host(client)
    assert second.install().status_code == 201
    imported = import_fhir(second, bundle)
    assert imported.status_code == 201, imported.json
    assert imported.mimetype == "application/json"
    assert {k: imported.json[k] for k in COMPARED} == {k: original.json[k] for k in COMPARED}
    assert imported.json["caution"] == original.json["caution"]  # pain 7: the stop rule comes back too

    again = import_fhir(second, bundle)
    assert again.status_code == 200
    assert again.json == imported.json
    assert row_counts(db)["completed_sessions"] == 2

    # and back out: the second installation's FHIR says what the first one's did
    echoed = fhir_sessions(second)
    strip = lambda b: [  # noqa: E731 - ids and full URLs are each installation's own
        {k: v for k, v in e["resource"].items() if k not in ("id", "partOf")} for e in b["entry"]
    ]
    assert strip(echoed) == strip(bundle)


def test_the_raw_bundle_is_kept(host, db):
    first = Host(host.client)
    assert first.install().status_code == 201
    first.import_session(session_body("raw"))
    bundle = fhir_sessions(first)
    assert import_fhir(host, bundle).status_code == 201
    from plugin.store.sessions import SessionRow

    with db.unit_of_work() as session:
        assert bundle in [row.raw_json for row in session.query(SessionRow).all()]


def _exported(host: Host, **overrides) -> dict:
    source = Host(host.client)
    assert source.install().status_code == 201
    assert source.import_session(session_body("x", pain=3, **overrides)).status_code == 201
    return fhir_sessions(source)


PROC = "entry[0].resource"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda b: b["entry"][0]["resource"]["performedPeriod"].pop("start"),
            f"{PROC}.performedPeriod.start",
        ),
        (
            lambda b: b["entry"][0]["resource"]["performedPeriod"].update(start="2099-01-01T07:00:00+00:00"),
            f"{PROC}.performedPeriod.end",
        ),
        (
            lambda b: b["entry"][0]["resource"]["performedPeriod"].update(
                start="2099-01-01T07:00:00+00:00", end="2099-01-01T07:10:00+00:00"
            ),
            f"{PROC}.performedPeriod.start",
        ),
        (lambda b: b["entry"][0]["resource"].update(status="in-progress"), f"{PROC}.status"),
        (
            lambda b: b["entry"][0]["resource"].update(
                instantiatesCanonical=[fhir.plan_definition_url("no-such-routine")]
            ),
            f"{PROC}.instantiatesCanonical[0]",
        ),
        (
            lambda b: b["entry"][0]["resource"]["note"][0]["extension"][0]["extension"][0].update(
                valueCode="headstand"
            ),
            f"{PROC}.note[0].extension[0].extension[0].valueCode",
        ),
        (lambda b: b["entry"][1]["resource"].update(valueInteger=11), "entry[1].resource.valueInteger"),
        (
            lambda b: b["entry"][0]["resource"]["identifier"][0].update(value="x" * 201),
            f"{PROC}.identifier[0].value",
        ),
        (lambda b: b.update(entry=[]), "entry"),
        (lambda b: b.update(resourceType="Procedure"), "resourceType"),
    ],
)
def test_a_malformed_bundle_is_a_problem_naming_the_element_and_stores_nothing(host, db, change, field):
    bundle = _exported(host)
    change(bundle)
    before = row_counts(db)
    response = import_fhir(host, bundle)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert row_counts(db) == before


def test_a_body_that_is_not_json_is_refused(host, db):
    before = row_counts(db)
    response = import_fhir(host, b"<Bundle/>")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert row_counts(db) == before


def test_the_fhir_import_is_documented_in_openapi(client):
    spec = client.get("/openapi.json").json
    assert FHIR in spec["paths"]["/hooks/import"]["post"]["requestBody"]["content"]
    assert FHIR in spec["paths"]["/sessions"]["get"]["responses"]["200"]["content"]
    assert "/calendars/{token}/fhir" in spec["paths"] and "/hooks/careplan" in spec["paths"]


DOCS = Path(__file__).resolve().parents[1] / "docs" / "fhir.md"


def docs_examples() -> list[dict]:
    """The complete FHIR resources shown in docs/fhir.md (```json blocks with a resourceType)."""
    blocks = re.findall(r"```json\n(.*?)\n```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    return [doc for doc in map(json.loads, blocks) if "resourceType" in doc]


def test_the_examples_in_the_docs_are_valid_fhir():
    examples = docs_examples()
    assert {e["resourceType"] for e in examples} == {"CarePlan", "Bundle"}
    assert_valid_r4(*examples)


def test_the_import_example_in_the_docs_is_stored(host):
    (bundle,) = [e for e in docs_examples() if e["resourceType"] == "Bundle"]
    response = import_fhir(host, bundle)
    assert response.status_code == 201, response.json
    stored = response.json
    assert (stored["source"], stored["source_id"]) == ("fhir", "visit-2026-11-20")
    assert stored["routine"] == "daily-hamstring"
    assert stored["started_at"] == "2026-11-20T06:02:00+00:00" and stored["duration_s"] == 420
    assert stored["exercises"] == [{"exercise": "lying-hamstring", "hold_s": 30, "side": "left"}]
    assert (stored["pain"], stored["notes"]) == (2, "felt fine")
