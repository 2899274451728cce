"""The request-level guard: what no view may ever be handed, refused before any view or parser runs.

Every request passes here first (docs/hardening.md#limits): its path, query, form and headers
must hold text a database can keep, and a JSON body must be within the depth limit, its numbers
within the 64-bit range and finite, and its strings keepable; a body the OpenAPI document marks required must
be there, as JSON. Each refusal is a 422 problem+json naming the field (415 for another media
type); a body over PLUGIN_MAX_CONTENT_LENGTH is werkzeug's 413.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import UnsupportedMediaType

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.schemas.fields import TEXT_RULE, text_fault, unkeepable_text

# The widest integer a database column holds (BIGINT), and all of it is used: Strava's ids are
# 64-bit (docs/strava.md#webhooks). A larger integer, or a number that is not finite, is refused
# naming its field; the digits are counted first, since int() of 5000 digits raises.
MAX_JSON_INTEGER = 2**63 - 1
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw``, counted without parsing (no recursion)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class _OutOfRange:
    """Stands in for a number no field of ours can take, so its path can be named after parsing."""


_OUT_OF_RANGE = _OutOfRange()


def _integer(text: str) -> int | _OutOfRange:
    if len(text.lstrip("-")) > len(str(MAX_JSON_INTEGER)):
        return _OUT_OF_RANGE
    value = int(text)
    return value if abs(value) <= MAX_JSON_INTEGER else _OUT_OF_RANGE


def _number(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _OUT_OF_RANGE


def _constant(_text: str) -> _OutOfRange:
    return _OUT_OF_RANGE  # NaN, Infinity: not JSON (RFC 8259 §6)


def _out_of_range(value: Any) -> str | None:
    """The path of the first number parsed as out of range, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        current, where = stack.pop()
        if current is _OUT_OF_RANGE:
            return where or "body"
        if isinstance(current, dict):
            stack.extend((item, f"{where}.{key}" if where else str(key)) for key, item in current.items())
        elif isinstance(current, list):
            stack.extend((item, f"{where}.{i}" if where else str(i)) for i, item in enumerate(current))
    return None


def read_json(raw: bytes, max_depth: int) -> Any:
    """Parse a JSON body the guard's way; InvalidInput naming the field for what no view may get.

    Syntax errors are left to the views (they word them per endpoint): None comes back.
    """
    if json_depth(raw) > max_depth:
        raise InvalidInput(
            N_("JSON nests deeper than {depth} levels"), field="body", values={"depth": max_depth}
        )
    try:
        value = json.loads(raw, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except ValueError:  # not JSON, or not UTF-8: the view answers as it does for any bad body
        return None
    path = _out_of_range(value)
    if path is not None:
        raise InvalidInput(
            N_("a number outside ±{most}, or not finite"), field=path, values={"most": MAX_JSON_INTEGER}
        )
    path = unkeepable_text(value)
    if path is not None:
        raise InvalidInput(TEXT_RULE, field=path)
    return value


def _check_pairs(pairs: Any) -> None:
    for name, value in pairs:
        if text_fault(name) or text_fault(value):
            raise InvalidInput(TEXT_RULE, field=name if not text_fault(name) else "query")


def guard_request() -> None:
    """Refuse a request carrying what a view must never be handed (before_request)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and text_fault(value):
            raise InvalidInput(TEXT_RULE, field=name)
    _check_pairs(request.args.items(multi=True))
    for name, value in request.headers.items():
        if "\x00" in name or "\x00" in value:
            raise InvalidInput(N_("a header holds a NUL"), field=name if "\x00" not in name else "headers")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_pairs(request.form.items(multi=True))
        _check_pairs((name, f.filename or "") for name, f in request.files.items(multi=True))
    elif request.is_json:
        read_json(request.get_data(cache=True), int(current_app.config["JSON_MAX_DEPTH"]))
    media_types = _required_body_media_types() if request.method in BODY_METHODS else []
    if media_types:
        if not request.get_data(cache=True):
            raise InvalidInput(N_("a request body is required"), field="body")
        if request.mimetype not in media_types:
            raise UnsupportedMediaType(
                f"the body must be {' or '.join(media_types)}, not {request.mimetype or 'untyped'}"
            )


def _required_body_media_types() -> list[str]:
    """The media types of a body the view's OpenAPI operation marks required (none: not required).

    Read from flask-smorest's record on the view: ``arguments`` for a schema-loaded JSON body,
    ``manual_doc`` for a requestBody written out by hand (the import hook's three media types).
    """
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class is not None else view
    apidoc = getattr(method, "_apidoc", {})
    parameters = apidoc.get("arguments", {}).get("parameters", [])
    if any(p.get("in") == "json" and p.get("required") for p in parameters):
        return ["application/json"]
    body = apidoc.get("manual_doc", {}).get("requestBody", {})
    return list(body.get("content", {})) if body.get("required") else []


def init_app(app: Flask) -> None:
    app.before_request(guard_request)
