"""A problem's ``detail`` and its reasons in ``errors`` follow the request's language (docs/i18n.md#errors).

Every expectation is the catalog's own translation of the English template, and must
differ from the English: a catalog that lost an entry, or an answer left in English, fails.
"""

from __future__ import annotations

import json

import pytest
from hostkit import PLAN, Host, host_config, session_body

from plugin import i18n, security
from plugin.schemas import plans

PROBLEM = "application/problem+json"
CALENDAR = {
    "routines": ["daily-hamstring"],
    "days": ["MO"],
    "times": ["07:00"],
    "timezone": "Europe/Berlin",
}


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


def written(code: str, template: str, **values: object) -> str:
    """``template`` as the catalog of ``code`` writes it, filled; it must not be the English."""
    text = i18n.language(code).gettext(template).format(**values)
    assert text != template.format(**values), f"{code} has no translation of {template!r}"
    return text


def problem_in(response, code: str, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    assert response.headers["Content-Language"] == code
    return response.get_json()


def invalid_fields(code: str, body: dict) -> str:
    return written(code, "The request has invalid fields: {fields}", fields=", ".join(sorted(body["errors"])))


@pytest.mark.parametrize("code", ["de", "fr", "es"])
def test_a_plan_rule_is_in_the_request_language(client, code):
    response = client.post("/calendars", json={**CALENDAR, "days": []}, headers={"Accept-Language": code})
    body = problem_in(response, code, 422)
    with i18n.using(code):
        assert body["errors"]["days"] == [plans.in_language(plans.MESSAGES["days"])]
    assert body["errors"]["days"] == [written(code, "Pick at least one day.")]
    assert body["detail"] == invalid_fields(code, body)


def test_marshmallows_own_messages_are_translated_and_fields_stay_english(client):
    wrong = {**CALENDAR, "reminders": "ten", "surprise": 1}
    del wrong["times"]
    body = problem_in(client.post("/calendars", json=wrong, headers={"Accept-Language": "de"}), "de", 422)
    assert body["errors"]["times"] == [written("de", "Missing data for required field.")]
    assert body["errors"]["surprise"] == [written("de", "Unknown field.")]
    assert body["errors"]["reminders"] == [written("de", "Not a valid list.")]
    assert body["title"] == client.post("/calendars", json=wrong).get_json()["title"]


def test_a_library_message_with_values_reads_back_and_is_filled_again(client):
    response = client.post(
        "/calendars", json={**CALENDAR, "name": "x" * 500}, headers={"Accept-Language": "fr"}
    )
    body = problem_in(response, "fr", 422)
    english = client.post("/calendars", json={**CALENDAR, "name": "x" * 500}).get_json()
    (reason,) = english["errors"]["name"]
    (translated,) = body["errors"]["name"]
    assert translated != reason
    with i18n.using("fr"):
        assert translated == plans.in_language(reason)


def test_a_domain_message_keeps_its_template_through_a_plan(client):
    body = problem_in(
        client.post(
            "/calendars",
            json={**CALENDAR, "routines": ["no-such-routine"]},
            headers={"Accept-Language": "es"},
        ),
        "es",
        422,
    )
    assert body["errors"] == {
        "routines.0": [written("es", "unknown routine '{routine}'", routine="no-such-routine")]
    }


@pytest.mark.parametrize("code", ["de", "es"])
def test_an_unknown_exercise_in_a_routine(client, code):
    routine = {"name": "x", "exercises": [{"exercise": "no-such-stretch"}]}
    body = problem_in(client.post("/routines", json=routine, headers={"Accept-Language": code}), code, 422)
    expected = written(code, "unknown exercise '{exercise}'", exercise="no-such-stretch")
    assert body["errors"] == {"exercises.0.exercise": [expected]}
    assert body["detail"] == expected


def test_a_bad_dose_in_a_routine(client):
    routine = {"name": "x", "exercises": [{"exercise": "lying-hamstring", "rest_s": -1}]}
    english = client.post("/routines", json=routine).get_json()
    body = problem_in(client.post("/routines", json=routine, headers={"Accept-Language": "de"}), "de", 422)
    assert list(body["errors"]) == list(english["errors"])
    for path, reasons in body["errors"].items():
        assert reasons != english["errors"][path]


def test_a_missing_required_field_in_a_signed_import(client):
    host = Host(client)
    host.install(plan=PLAN)
    session = session_body()
    del session["started_at"]
    response = host.import_session(session, headers={"Accept-Language": "de"})
    body = problem_in(response, "de", 422)
    assert body["errors"]["started_at"] == [written("de", "Missing data for required field.")]


def test_an_import_without_a_utc_offset(client):
    host = Host(client)
    host.install(plan=PLAN)
    session = session_body(started_at="2026-11-01T07:00:00")
    body = problem_in(host.import_session(session, headers={"Accept-Language": "es"}), "es", 422)
    assert body["errors"]["started_at"] == [written("es", "Not a valid aware datetime.")]


def test_a_wrong_signature_reads_the_same_for_a_known_and_an_unknown_key(client):
    host = Host(client)
    host.install(plan=PLAN)
    known = host.import_session(
        session_body(), secret=security.generate_secret(), headers={"Accept-Language": "de"}
    )
    unknown = host.import_session(
        session_body(),
        secret=security.generate_secret(),
        client_key="nobody-" + host.client_key,
        headers={"Accept-Language": "de"},
    )
    first, second = problem_in(known, "de", 401), problem_in(unknown, "de", 401)
    assert first == second
    assert first["detail"] == written("de", "the signature does not verify")
    assert first["errors"] == {security.HEADER_SIGNATURE: [first["detail"]]}


def test_a_deep_json_body(app, client):
    deep = "[" * 200 + "]" * 200
    response = client.post(
        "/calendars", data=deep, content_type="application/json", headers={"Accept-Language": "fr"}
    )
    body = problem_in(response, "fr", 422)
    english = client.post("/calendars", data=deep, content_type="application/json").get_json()
    assert list(body["errors"]) == list(english["errors"]) == ["body"]
    expected = written("fr", "JSON nests deeper than {depth} levels", depth=app.config["JSON_MAX_DEPTH"])
    assert body["errors"]["body"] == [expected] and body["detail"] == expected


def test_a_revoked_calendar_and_an_unknown_token(client):
    created = client.post("/calendars", json=CALENDAR).get_json()
    assert client.delete(f"/calendars/{created['manage_token']}").status_code == 204
    gone = problem_in(
        client.get(f"/calendars/{created['token']}.ics", headers={"Accept-Language": "de"}), "de", 410
    )
    assert gone["detail"] == written("de", "this calendar was revoked")
    assert gone["errors"] == {"token": [gone["detail"]]}
    unknown = problem_in(
        client.get("/calendars/nothing-here.ics", headers={"Accept-Language": "fr"}), "fr", 404
    )
    assert unknown["detail"] == written("fr", "no such calendar")


def test_without_accept_language_a_problem_stays_english(client):
    response = client.post("/calendars", json={**CALENDAR, "days": [], "extra": True})
    body = problem_in(response, "en", 422)
    assert body["errors"]["days"] == [plans.MESSAGES["days"]]
    assert body["errors"]["extra"] == ["Unknown field."]
    assert body["detail"] == "The request has invalid fields: days, extra"
    assert json.loads(response.get_data(as_text=True))["title"] == body["title"]
