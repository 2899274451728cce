"""The routines API over HTTP: catalog reads, custom routines, and bad inputs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plugin import catalog
from plugin.formats import registry
from plugin.store.tables import CustomRoutineRow

PROBLEM = "application/problem+json"


def stored_routines(db) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(CustomRoutineRow))


def test_lists_every_builtin_routine_with_computed_duration(client):
    body = client.get("/routines").get_json()
    by_id = {r["id"]: r for r in body}
    for routine in catalog.builtin_routines():
        assert by_id[routine.id]["duration_s"] == routine.duration_s
        assert [c["id"] for c in by_id[routine.id]["cautions"]] == [c.id for c in routine.cautions]


def test_exercise_detail_has_dose_sides_cautions_with_kind_and_source(client):
    body = client.get("/exercises/contract-relax-hamstring").get_json()
    assert body["dose"]["contract_s"] == 6 and body["dose"]["sides"] == ["left", "right"]
    assert body["source"].startswith("000_")
    assert {c["kind"] for c in body["cautions"]} == {"contraindication", "stop", "form"}
    assert len(client.get("/exercises").get_json()) == len(catalog.exercises())


def test_exercises_cite_their_sources_for_readers_and_keep_the_file_names(client):
    body = client.get("/exercises/standing-forward-bend").get_json()
    assert [c["file"] for c in body["citations"]] == body["source"].split(", ")
    assert body["citations"][1]["title"] == "Relieve Your Back Pain In Your Own Way"
    for listed in client.get("/exercises").get_json():
        assert listed["citations"], listed["id"]
        for citation in listed["citations"]:
            assert citation["title"] and citation["publisher"] and citation["date"]


def test_exports_leave_the_citations_out(client):
    # exports/ stays byte-identical: a citation is for readers of the API and the handout only.
    exported = client.get("/routines/daily-hamstring/export/json").get_json()
    assert all("citations" not in e["exercise"] for e in exported["exercises"])


def test_routine_cautions_name_their_exercises(client):
    body = client.get("/routines/desk-break").get_json()
    straight = next(c for c in body["cautions"] if c["id"] == "straight-back")
    assert set(straight["exercises"]) == {"seated-two-chair-hamstring", "standing-forward-bend"}


@pytest.mark.parametrize("path", ["/routines/nope", "/exercises/nope", "/routines/nope/export/json"])
def test_unknown_ids_are_404_problems(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert response.get_json()["status"] == 404


def test_unknown_export_format_names_the_formats_that_exist(client):
    response = client.get("/routines/daily-hamstring/export/docx")
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert "json" in response.get_json()["detail"]
    assert "format" in response.get_json()["errors"]


def test_json_export_is_the_canonical_routine(client):
    response = client.get("/routines/trunk-rotation/export/json")
    assert response.status_code == 200
    assert 'filename="trunk-rotation.json"' in response.headers["Content-Disposition"]
    assert response.get_json()["exercises"][0]["dose"]["duration_s"] == 180


@pytest.mark.parametrize(
    ("fmt", "filename"),
    [
        ("json", "desk-break.json"),
        ("garmin", "desk-break.garmin.json"),
        ("hevy", "desk-break.hevy.json"),
        ("wger", "desk-break.wger.json"),
        ("fhir", "desk-break.fhir.json"),
        ("ics", "desk-break.ics"),
        ("fit", "desk-break.fit"),
        ("csv", "desk-break.csv"),
    ],
)
def test_each_export_downloads_under_its_own_name(client, fmt, filename):
    response = client.get(f"/routines/desk-break/export/{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_no_two_formats_download_under_the_same_name(client):
    names = {
        client.get(f"/routines/desk-break/export/{fmt}").headers["Content-Disposition"]
        for fmt in registry.names()
    }
    assert len(names) == len(registry.names())


def test_custom_routine_is_stored_with_overrides_and_keeps_cautions(client, db):
    response = client.post(
        "/routines",
        json={
            "name": "My evening",
            "exercises": [
                {"exercise": "lying-hamstring", "hold_s": 25, "sets": 2},
                {"exercise": "standing-trunk-rotation", "duration_s": 120},
            ],
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/routines/{body['id']}"
    assert body["duration_s"] == 2 * 2 * (25 + 5) + 120
    assert {"disc-injury", "sciatica", "stop-if-pain", "no-overswing"} <= {c["id"] for c in body["cautions"]}
    again = client.get(f"/routines/{body['id']}").get_json()
    assert again == body
    assert body["id"] in {r["id"] for r in client.get("/routines").get_json()}
    assert stored_routines(db) == 1


def test_a_custom_routine_cannot_drop_cautions(client):
    response = client.post(
        "/routines",
        json={"name": "x", "exercises": [{"exercise": "lying-hamstring", "cautions": []}]},
    )
    assert response.status_code == 422
    assert "exercises.0.cautions" in response.get_json()["errors"]


BAD_BODIES = [
    ({"name": "x", "exercises": [{"exercise": "nope"}]}, "exercises.0.exercise"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "sets": 0}]}, "exercises.0.sets"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "sets": 11}]}, "exercises.0.sets"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "reps": 51}]}, "exercises.0.reps"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "hold_s": 9999}]}, "exercises.0.hold_s"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "rest_s": -1}]}, "exercises.0.rest_s"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "sets": "3"}]}, "exercises.0.sets"),
    ({"name": "x", "exercises": [{"exercise": "lying-hamstring", "hold_s": 2.5}]}, "exercises.0.hold_s"),
    ({"name": "x", "exercises": [{"exercise": 7}]}, "exercises.0.exercise"),
    ({"name": "x", "exercises": [{"exercise": "yoga-block-forward-fold"}]}, "exercises.0.hold_s"),
    (
        {"name": "x", "exercises": [{"exercise": "lying-hamstring", "duration_s": 60}]},
        "exercises.0.duration_s",
    ),
    ({"name": "x", "exercises": []}, "exercises"),
    ({"name": "", "exercises": [{"exercise": "lying-hamstring"}]}, "name"),
    ({"exercises": [{"exercise": "lying-hamstring"}]}, "name"),
    ({"name": "x"}, "exercises"),
    ({"name": "x", "exercises": "lying-hamstring"}, "exercises"),
    ({}, "name"),
    ([1, 2], "body"),
]


@pytest.mark.parametrize("body, field", BAD_BODIES, ids=[f for _, f in BAD_BODIES])
def test_bad_custom_routines_are_422_naming_the_field_and_store_nothing(client, db, body, field):
    response = client.post("/routines", json=body)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert field in problem["errors"]
    assert stored_routines(db) == 0


def test_a_routine_wger_cannot_take_whole_is_refused_when_it_is_created(client, db):
    """A 1 000-character description fits our API but not next to the cautions in wger's 1 000."""
    body = {"name": "Long notes", "description": "d" * 1000, "exercises": [{"exercise": "lying-hamstring"}]}
    response = client.post("/routines", json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert "description" in problem["errors"]
    assert "wger" in problem["errors"]["description"][0]
    assert stored_routines(db) == 0
    # the same routine with a description that fits (in every language: the cautions beside it are
    # longer in German) is accepted, and wger gets all of it
    body["description"] = "d" * 200
    created = client.post("/routines", json=body)
    assert created.status_code == 201
    exported = client.get(f"/routines/{created.get_json()['id']}/export/wger").get_json()
    assert "d" * 200 in exported["requests"][0]["body"]["description"]


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ("", "application/json"),
        ("name=x", "application/x-www-form-urlencoded"),
    ],
)
def test_unparseable_or_missing_bodies_are_4xx_problems(client, db, data, content_type):
    response = client.post("/routines", data=data, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.mimetype == PROBLEM
    assert response.get_json()["errors"]
    assert stored_routines(db) == 0


def test_oversized_body_is_413_problem(client, db):
    response = client.post("/routines", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413 and response.mimetype == PROBLEM
    assert stored_routines(db) == 0


def test_wrong_method_is_405_problem(client):
    response = client.delete("/routines")
    assert response.status_code == 405 and response.mimetype == PROBLEM


def test_healthz_reports_version_and_database(client):
    body = client.get("/healthz").get_json()
    assert body["database"] is True and body["status"] == "ok" and body["version"]


def test_healthz_reports_a_database_that_does_not_answer(app, client):
    app.extensions["stretchsync.db"].engine.dispose()
    from plugin.store.db import make_database

    app.extensions["stretchsync.db"] = make_database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.mimetype == PROBLEM
    assert response.get_json()["database"] is False and response.headers["Retry-After"]
