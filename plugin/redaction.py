"""Secrets out of URLs before they are logged: tokens in paths, secret query parameters.

A calendar feed, a manage link and a done link are each reached by a URL whose token is the
credential, so an access log line holding that URL holds the credential. Two rules, so that a
path added later is covered without being listed here (docs/hardening.md#log-redaction):

1. the segment after a token-bearing collection (``/calendars/<token>``, ``/manage/<token>``,
   ``/adherence/<token>``) is a secret whatever it looks like, and so is everything after
   ``/done/`` (a done link's calendar, routine and signature);
2. anywhere in a path or query, a value shaped like a generated token (20 or more URL-safe
   base64 characters with a digit, a capital or an underscore in them, which no slug of ours has)
   is a secret too.

Query parameters named like secrets (``ticket``, ``code``, ``state``, ``token`` …) are redacted
whatever their value. What is cut becomes ``[redacted]``; a file extension (``.ics``) stays.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote

REDACTED = "[redacted]"
# The segment after one of these is a token. "calendars" alone is the collection (POST /calendars).
TOKEN_COLLECTIONS = frozenset({"calendars", "manage", "done", "adherence"})
# Everything after one of these is secret: a done link is /done/<calendar id>/<routine id>/<signature>.
SECRET_TAILS = frozenset({"done"})
SECRET_PARAMETERS = frozenset(
    {
        "token",
        "manage_token",
        "ticket",
        "code",
        "state",
        "secret",
        "password",
        "key",
        "access_token",
        "refresh_token",
        "client_secret",
        "signature",
        "hub.verify_token",
        "hub.challenge",
    }
)
# Headers whose whole value is a credential, as gunicorn names them in its atoms.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "webhook-signature"}
)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}={0,2}$")
_NOT_A_SLUG = re.compile(r"[0-9A-Z_]")


def looks_like_token(value: str) -> bool:
    """A generated secret's shape: long URL-safe base64 with a character no slug of ours has."""
    return bool(_TOKEN_SHAPE.match(value) and _NOT_A_SLUG.search(value))


def _redact_segment(segment: str) -> str:
    stem, dot, extension = unquote(segment).partition(".")
    return REDACTED + (dot + extension if dot and extension.isalnum() else "")


def redact_path(path: str) -> str:
    """``path`` with every token segment replaced by ``[redacted]`` (its extension kept)."""
    segments = path.split("/")
    out: list[str] = []
    previous = ""
    in_secret_tail = False
    for segment in segments:
        stem = unquote(segment).partition(".")[0]
        if segment and (in_secret_tail or previous in TOKEN_COLLECTIONS or looks_like_token(stem)):
            out.append(_redact_segment(segment))
        else:
            out.append(segment)
        previous = unquote(segment).lower()
        in_secret_tail = in_secret_tail or previous in SECRET_TAILS
    return "/".join(out)


def redact_query(query: str) -> str:
    """``query`` with secret parameters' values (by name or by shape) replaced by ``[redacted]``."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:  # not a name=value query: redact it whole if it carries anything token-shaped
        return REDACTED if any(looks_like_token(p) for p in re.split(r"[^A-Za-z0-9_\-]", query)) else query
    parts = []
    for name, value in pairs:
        secret = name.lower() in SECRET_PARAMETERS or looks_like_token(value)
        parts.append(f"{quote(name, safe='.')}={REDACTED if secret else quote(value, safe='')}")
    return "&".join(parts)


def redact_uri(uri: str) -> str:
    """A request target or full URL (``/calendars/abc.ics?x=1``, ``https://h/…``) made safe to log."""
    if not uri or uri == "-":
        return uri
    prefix = ""
    match = re.match(r"^[a-z][a-z0-9+.\-]*://[^/?#]*", uri, re.IGNORECASE)
    if match:
        prefix, uri = match.group(), uri[match.end() :]
    path, question, query = uri.partition("?")
    return prefix + redact_path(path) + (question + redact_query(query) if question else "")


def redact_request_line(line: str) -> str:
    """``GET /calendars/abc.ics HTTP/1.1`` with its target redacted."""
    method, space, rest = line.partition(" ")
    target, space2, protocol = rest.rpartition(" ") if rest.count(" ") else (rest, "", "")
    return method + space + redact_uri(target) + space2 + protocol


def redact_text(text: str) -> str:
    """Every URL or absolute path in free text (a log message) redacted."""
    return re.sub(r"(?:[a-z][a-z0-9+.\-]*://[^\s\"'<>]+|(?<![\w.])/[^\s\"'<>]*)", _sub_uri, text)


def _sub_uri(match: re.Match[str]) -> str:
    return redact_uri(match.group())
