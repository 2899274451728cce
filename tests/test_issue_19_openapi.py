"""Issue 19, finding 12: the OpenAPI document tells the truth about the answers."""

from __future__ import annotations

import pytest
from hostkit import PLAN, Host, host_config

PROBLEM = "application/problem+json"


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, STRAVA_CLIENT_ID="1234", STRAVA_CLIENT_SECRET="s3cret")


@pytest.fixture
def spec(client) -> dict:
    return client.get("/openapi.json").get_json()


def _resolve(spec: dict, response: dict) -> dict:
    ref = response.get("$ref")
    if ref:
        return spec["components"]["responses"][ref.rsplit("/", 1)[1]]
    return response


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_error_response_is_documented_as_problem_json(spec):
    checked = 0
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            content = _resolve(spec, response).get("content", {})
            assert "application/json" not in content, f"{method} {path} {status}: {content}"
            assert PROBLEM in content or "text/html" in content, f"{method} {path} {status}: {content}"
            if PROBLEM in content:
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
            checked += 1
    assert checked > 20
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])


def test_every_token_operation_documents_404_and_410(spec):
    token_ops = [(p, m, op) for p, m, op in _operations(spec) if "{token}" in p]
    assert len(token_ops) >= 5
    for path, method, operation in token_ops:
        assert {"404", "410"} <= set(operation["responses"]), f"{method} {path}"


def test_the_feed_path_allows_only_its_own_methods(client):
    token = client.post("/calendars", json=PLAN).get_json()["token"]
    allowed = client.options(f"/calendars/{token}.ics").headers["Allow"]
    assert set(allowed.replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert client.patch(f"/calendars/{token}.ics", json={"name": "x"}).status_code == 405
    assert client.delete(f"/calendars/{token}.ics").status_code == 405
    assert client.get(f"/calendars/{token}.ics").status_code == 200  # still revocable and readable
    assert {"PATCH", "DELETE"} <= set(client.options(f"/calendars/{token}").headers["Allow"].split(", "))


def test_strava_connect_without_a_body_is_refused_as_the_schema_says(client, spec):
    assert spec["paths"]["/hooks/strava/connect"]["post"]["requestBody"]["required"] is True
    host = Host(client)
    assert host.install().status_code == 201
    response = host.call("POST", "/hooks/strava/connect", None)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "body" in response.get_json()["errors"]
    assert host.call("POST", "/hooks/strava/connect", {}).status_code == 201


def test_a_required_body_in_another_media_type_is_415(client):
    response = client.post("/calendars", data="routines=daily-hamstring", content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == PROBLEM


def test_signed_operations_document_the_refusal_and_recorded_ones_the_replay(spec, client):
    # The 409 a replay gets after its installation was uninstalled (docs/signing.md#replays).
    recorded = [("/lifecycle/installed", "post"), ("/hooks/import", "post")]
    recorded += [("/lifecycle/uninstalled", "post")]
    for path, method in recorded:
        responses = spec["paths"][path][method]["responses"]
        assert {"401", "409"} <= set(responses), f"{method} {path}"
        assert PROBLEM in responses["409"]["content"]
    # A read is never recorded, so it cannot be a replay; it is still signed.
    reads = spec["paths"]["/sessions"]["get"]["responses"]
    assert "401" in reads and "409" not in reads
    # And the answer is what the document says: an install replayed after its uninstall.
    host = Host(client)
    assert host.install().status_code == 201
    installed = host.last_call
    assert host.uninstall().status_code == 204
    replayed = host.replay(installed)
    assert replayed.status_code == 409 and replayed.mimetype == PROBLEM
