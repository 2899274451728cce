"""Every error answer is application/problem+json (RFC 9457), built in one place."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, has_request_context, json
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from plugin import i18n
from plugin.errors import (
    Forbidden,
    Gone,
    InvalidInput,
    Malformed,
    Message,
    NotFound,
    RemoteFailed,
    StretchsyncError,
    Unauthenticated,
    Unavailable,
)
from plugin.i18n import N_, _
from plugin.schemas import messages, plans
from plugin.schemas.base import field_paths
from plugin.trackers.base import TrackerError
from plugin.web.languages import request_language

PROBLEM_TYPE = "application/problem+json"
# Seconds a client is asked to wait while the database does not answer (docs/hardening.md#database-down).
DATABASE_RETRY_AFTER_S = 30
DATABASE_DOWN = N_("the database does not answer; try again later")
log = logging.getLogger(__name__)


# Most specific first: the first kind an error is an instance of gives its status.
STATUS_OF_ERROR: tuple[tuple[type[StretchsyncError], int], ...] = (
    (NotFound, 404),
    (Gone, 410),
    (InvalidInput, 422),
    (Malformed, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Unavailable, 503),
    (RemoteFailed, 502),
)


def status_of(exc: StretchsyncError) -> int:
    """The HTTP status a domain error answers with; 500 for our own broken state."""
    for kind, status in STATUS_OF_ERROR:
        if isinstance(exc, kind):
            return status
    return 500


def problem(status: int, detail: str, errors: dict[str, list[str]] | None = None, **extra: Any) -> Response:
    """Build a problem+json response; ``errors`` maps a field path to its reasons.

    ``detail`` and every reason are written in the request's language (English texts
    in, docs/i18n.md#errors); field paths, ``title`` and ``extra`` stay as given.
    """
    lang = request_language() if has_request_context() else i18n.language(i18n.DEFAULT)
    with i18n.using(lang):
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": _title(status),
            "status": status,
            "detail": in_language(detail),
        }
        if errors:
            body["errors"] = {
                path: [in_language(reason) for reason in reasons] for path, reasons in errors.items()
            }
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Content-Language"] = lang.code
    return response


def in_language(text: str) -> str:
    """An English reason or detail in the current language; as it is when no catalog has it.

    Tried in turn: the template a ``Message`` was filled from, a plan rule, any catalog
    text, then marshmallow's and webargs' messages with their values read back.
    """
    if i18n.current().code == i18n.DEFAULT:
        return text
    if isinstance(text, Message) and text.values:
        return _(text.template).format(**text.values)
    text = str(text)
    written = plans.in_language(text)
    if written != text:
        return written
    found = messages.template_of(text)
    if found is not None:
        template, values = found
        return _(template).format(**values)
    return i18n.in_current(text)


def _title(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def _http_problem(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    status = exc.code or 500
    errors = None
    if "messages" in data:
        # webargs puts messages per location: {"json": {...}, "query": {...}}
        errors = {}
        for location, messages in data["messages"].items():
            errors.update(
                field_paths(messages)
                if location in ("json", "query", "form")
                else field_paths(messages, location)
            )
    detail = data.get("message") or exc.description or _title(status)
    if status == 422 and errors:
        detail = Message(
            N_("The request has invalid fields: {fields}"), {"fields": ", ".join(sorted(errors))}
        )
    if status == 400 and errors and any("Invalid JSON" in m for v in errors.values() for m in v):
        detail = N_("The request body is not valid JSON.")
    response = problem(status, detail, errors, **data.get("extra", {}))
    for key, value in exc.get_response().headers.items() if status == 405 else []:
        if key.lower() == "allow":
            response.headers["Allow"] = value
    return response


def _domain_problem(exc: StretchsyncError) -> Response:
    errors: dict[str, list[str]] | None = {exc.field: [exc.message]} if exc.field else None
    return problem(status_of(exc), exc.message, errors)


def _tracker_problem(exc: TrackerError) -> Response:
    # The tracker, not the caller, failed: 502, or 503 with Retry-After when waiting helps (RFC 9110 §15.6).
    status = 503 if exc.retryable else 502
    # The tracker's own answer stays as it said it; only our words around it are translated.
    response = problem(status, Message(N_("The remote service failed: {answer}"), {"answer": exc.message}))
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(int(exc.retry_after))
    return response


def database_down(**extra: Any) -> Response:
    """503 with Retry-After: the database is unreachable, and waiting is what helps (RFC 9110 §15.6.4)."""
    response = problem(503, DATABASE_DOWN, **extra)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def _database_problem(exc: Exception) -> Response:
    # The pool (pre-ping) reconnects by itself once the database is back: nothing to restart.
    log.warning("database unavailable: %s", " ".join(str(getattr(exc, "orig", None) or exc).split()))
    return database_down()


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_problem(exc)
    log.exception("unhandled error", exc_info=exc)
    return problem(500, InternalServerError.description)


def init_app(app: Flask) -> None:
    """Register the handlers; call after flask-smorest's Api so these win."""
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(StretchsyncError, _domain_problem)
    app.register_error_handler(TrackerError, _tracker_problem)
    for kind in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(kind, _database_problem)
    app.register_error_handler(Exception, _unexpected)
