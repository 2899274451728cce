"""Signed calls at the edge: verify the raw body before anything parses it, then refuse replays.

Host lifecycle calls are signed with a registration secret (PLUGIN_HOST_SECRETS);
every other call with its installation's shared secret, the installation named
by the X-Client-Key header. A replayed webhook-id gets 200 and the answer the
first call got, and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, json, request

from plugin import security
from plugin.config import host_secrets, secret_key
from plugin.services import hook_calls, installations
from plugin.store import installations as repo
from plugin.store.installations import HOST_SCOPE, InstallationRow
from plugin.web.context import database

CLIENT_KEY_HEADER = "X-Client-Key"


def _verify(secrets_: list[str]) -> security.VerifiedCall:
    # get_data reads the raw bytes once (werkzeug answers 413 above MAX_CONTENT_LENGTH).
    body = request.get_data(cache=True)
    tolerance = int(current_app.config["SIGNATURE_TOLERANCE_S"])
    if not secrets_:
        security.read_headers(request.headers)  # malformed headers still get their 400
        raise security.SignatureRejected("no secret can verify this call", field="webhook-signature")
    return security.verify(secrets_, request.headers, body, tolerance_s=tolerance)


def calling_installation(
    *, required: bool = True
) -> tuple[InstallationRow | None, security.VerifiedCall | None]:
    """The installation whose secret signed this request; SignatureRejected for anyone else."""
    client_key = request.headers.get(CLIENT_KEY_HEADER, "")
    with database().unit_of_work() as session:
        row = repo.by_client_key(session, client_key) if client_key else None
        if row is None:
            if not required:
                return None, None
            # Unknown and unsigned look alike: an answer must not reveal which client keys exist.
            _verify([])
        secret = installations.shared_secret(row, secret_key(current_app))
    return row, _verify([secret])


def signed(scope: str = "installation", *, record: bool = True) -> Callable:
    """Decorate a view: check the signature first; with ``record``, refuse replays of a webhook-id."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if scope == HOST_SCOPE:
                call, installation_id, claim_scope = _verify(host_secrets(current_app)), None, HOST_SCOPE
            else:
                row, call = calling_installation()
                assert row is not None and call is not None
                installation_id = claim_scope = row.id
                g.installation_id = row.id
            if not record:
                return view(*args, **kwargs)
            db = database()
            earlier = hook_calls.claim(db, claim_scope, call.webhook_id, installation_id)
            if earlier is not None:
                return _replayed(earlier.answer)
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except BaseException:
                hook_calls.release(db, claim_scope, call.webhook_id)
                raise
            if response.status_code >= 400:
                hook_calls.release(db, claim_scope, call.webhook_id)
            else:
                # A lifecycle call learns its installation only now; linking it lets uninstall erase it.
                owner = installation_id or g.get("installation_id")
                answer = response.get_json(silent=True)
                hook_calls.settle(db, claim_scope, call.webhook_id, owner, response.status_code, answer)
            return response

        return wrapper

    return decorator


def _replayed(answer: Any) -> Response:
    response = Response(
        json.dumps(answer if answer is not None else {}), status=200, mimetype="application/json"
    )
    response.headers["Webhook-Replayed"] = "true"
    return response


def installation_id() -> str:
    """The calling installation's id (inside a view decorated with ``signed``)."""
    return g.installation_id
