"""The OpenAPI document is valid OpenAPI 3 and covers every API route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

NOT_API = {"/", "/docs", "/openapi.json", "/static/<path:filename>"}


def test_openapi_is_valid_and_covers_every_endpoint(app, client):
    spec = client.get("/openapi.json").get_json()
    validate(spec)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.rule in NOT_API or rule.endpoint.startswith(
            ("pages.", "connect.", "apidocs.", "api-docs.", "static")
        ):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is not documented"


def test_docs_page_lists_the_paths(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "/routines/{routine_id}" in page and "/openapi.json" in page


def test_the_calendar_calls_that_change_name_the_manage_token(client):
    spec = client.get("/openapi.json").get_json()
    (caldav,) = spec["paths"]["/calendars/{token}/caldav"]["parameters"]
    assert (
        caldav["description"].startswith("the manage token")
        and "feed token gets 404" in caldav["description"]
    )
    (by_token,) = spec["paths"]["/calendars/{token}"]["parameters"]
    assert "PATCH and DELETE: the manage token" in by_token["description"]
