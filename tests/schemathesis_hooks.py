"""Schemathesis hooks (SCHEMATHESIS_HOOKS=schemathesis_hooks): sign every call as a host would.

Loaded only inside the schemathesis process that tests/test_schemathesis.py starts. Each request
is signed over the exact bytes it sends (Standard Webhooks v1, plugin.security): the lifecycle
install with the host registration secret, every other call with the installation's secret and
its X-Client-Key. When a generated uninstall call erases the installation, it is installed again,
so the calls after it still test something.
"""

from __future__ import annotations

import json
import os
from typing import Any

import requests

from plugin import security

CLIENT_KEY = os.environ["STRETCHSYNC_ST_CLIENT_KEY"]
SHARED_SECRET = os.environ["STRETCHSYNC_ST_SHARED_SECRET"]
HOST_SECRET = os.environ["STRETCHSYNC_ST_HOST_SECRET"]
BASE_URL = os.environ["STRETCHSYNC_ST_BASE_URL"]
INSTALL_BODY = json.dumps(
    {
        "clientKey": CLIENT_KEY,
        "tracker": "host",
        "sharedSecret": SHARED_SECRET,
        "baseUrl": "http://127.0.0.1:9",
    }
).encode()

_send = requests.Session.send


def _body(prepared: requests.PreparedRequest) -> bytes:
    body = prepared.body
    if body is None:
        return b""
    return body.encode() if isinstance(body, str) else bytes(body)


def _sign(prepared: requests.PreparedRequest) -> None:
    if not str(prepared.url).startswith(BASE_URL):
        return
    raw = _body(prepared)
    # A body given as str is sent as its UTF-8 bytes: the signature must cover those bytes.
    prepared.body = raw
    prepared.headers["Content-Length"] = str(len(raw))
    path = str(prepared.path_url)
    if path.startswith("/lifecycle/installed"):
        prepared.headers.update(security.sign_headers(HOST_SECRET, raw))
    else:
        prepared.headers.setdefault("X-Client-Key", CLIENT_KEY)
        prepared.headers.update(security.sign_headers(SHARED_SECRET, raw))


def reinstall(session: requests.Session) -> None:
    """Install the test installation again (after a generated uninstall erased it)."""
    headers = {"Content-Type": "application/json", **security.sign_headers(HOST_SECRET, INSTALL_BODY)}
    _send(
        session,
        requests.Request(
            "POST", BASE_URL + "/lifecycle/installed", data=INSTALL_BODY, headers=headers
        ).prepare(),
    )


def signed_send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
    _sign(request)
    response = _send(self, request, **kwargs)
    if str(request.path_url).startswith("/lifecycle/uninstalled") and response.status_code < 300:
        reinstall(self)
    return response


requests.Session.send = signed_send  # type: ignore[method-assign]
