"""The OpenAPI document made to tell the truth about the error answers (docs/hardening.md#openapi).

flask-smorest documents errors as application/json with its own Error schema; every error this
service sends is application/problem+json (plugin/web/problems.py). One pass over the finished
document puts that right for every operation, and adds what each kind of path can answer:
404 and 410 wherever a token names a calendar (revoked calendars answer 410), 503 with
Retry-After wherever the database is read, and the 414 page gunicorn gives a request line that
is too long.
"""

from __future__ import annotations

import copy
from typing import Any

from flask_smorest import Api

PROBLEM_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; errors maps a field path to its reasons",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
METHODS = ("get", "put", "post", "patch", "delete", "options", "head")
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}
# gunicorn answers this one itself, as a page, before the app sees the request (limit_request_line).
URI_TOO_LONG = {
    "description": "the request line is longer than the server takes (4094 bytes)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}
TOKEN_ANSWERS = {
    "404": "no calendar has this token",
    "410": "the calendar was revoked",
}


# OpenAPI links: what a created resource's answer leads to (the stateful tests follow them).
LINKS: dict[tuple[str, str, str], tuple[str, str, str]] = {
    # (path, method, status) of the creating call -> (path prefix of the operations, parameter, value)
    ("/calendars", "post", "201"): ("/calendars/{token}", "token", "$response.body#/token"),
    ("/routines", "post", "201"): ("/routines/{routine_id}", "routine_id", "$response.body#/id"),
    ("/hooks/export", "post", "202"): ("/hooks/export/{push_id}", "push_id", "$response.body#/id"),
    ("/hooks/import", "post", "201"): ("/sessions/{session_id}", "session_id", "$response.body#/id"),
}


def _add_links(spec: dict[str, Any]) -> None:
    paths = spec.get("paths", {})
    for (path, method, status), (prefix, parameter, value) in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None or "$ref" in response:
            continue
        links = response.setdefault("links", {})
        for target, item in paths.items():
            if not target.startswith(prefix):
                continue
            for target_method in METHODS:
                if target_method in item:
                    name = f"{target_method}{target}".replace("/", "_").replace("{", "").replace("}", "")
                    links[name] = {
                        "operationRef": "#/paths/"
                        + target.replace("~", "~0").replace("/", "~1")
                        + f"/{target_method}",
                        "parameters": {parameter: value},
                    }


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": PROBLEM_REF}},
    }
    if headers:
        response["headers"] = headers
    return response


def _is_error(status: str) -> bool:
    return status == "default" or (status.isdigit() and int(status) >= 400)


def _as_problem(response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return response
    content = response.get("content") or {}
    # A page for a person's browser (the Strava connect views) keeps its HTML.
    if any(media.startswith("text/") for media in content):
        return response
    return {**response, "content": {PROBLEM_TYPE: {"schema": PROBLEM_REF}}}


def truthful(spec: dict[str, Any]) -> dict[str, Any]:
    """The document with every error answer as problem+json and the 404/410/503 each path gives."""
    spec = copy.deepcopy(spec)
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["schemas"].pop("Error", None)
    for name, response in components.get("responses", {}).items():
        components["responses"][name] = _problem(response.get("description", name))
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                if _is_error(status):
                    responses[status] = _as_problem(response)
            if "{token}" in path:
                for status, description in TOKEN_ANSWERS.items():
                    responses.setdefault(status, _problem(description))
            responses.setdefault("503", _problem("the database does not answer", RETRY_AFTER))
            responses.setdefault("414", URI_TOO_LONG)
    _add_links(spec)
    return spec


def init_app(api: Api) -> None:
    """Serve the corrected document: wrap the spec's to_dict, which /openapi.json calls."""
    spec = api.spec
    original = spec.to_dict
    spec.to_dict = lambda: truthful(original())
