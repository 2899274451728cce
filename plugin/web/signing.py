"""Signed calls at the edge: verify the raw body before anything parses it, then refuse replays.

Host lifecycle calls are signed with a registration secret (PLUGIN_HOST_SECRETS);
every other call with its installation's shared secret, the installation named
by the X-Client-Key header. A recorded call runs in one transaction that first
inserts its webhook-id (the primary key decides races), then does the work and
keeps the answer; a replayed webhook-id gets that answer again and changes nothing.
Ids are kept per signer (client key and secret), not per installation row, so they
outlive an uninstall (docs/signing.md#replays).
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, json, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin import security
from plugin.config import host_secrets, keyring
from plugin.services import installations
from plugin.store import installations as repo
from plugin.store.installations import HOST_SCOPE, InstallationRow, SeenWebhookRow
from plugin.web.context import database
from plugin.web.problems import problem

CLIENT_KEY_HEADER = "X-Client-Key"
# An answer field holding a secret (the calendar feed URL carries its token): given once, never
# kept for replays, since the table of seen webhook ids would otherwise hold it in the clear.
SHOWN_ONCE = "calendarUrl"
# A sealed answer is kept encrypted with the app's Keyring under this one key; a replay opens it.
SEALED = "$sealed"
log = logging.getLogger(__name__)


# Verifies nothing anyone sends: an unknown client key goes through the same checks
# (headers, tolerance, constant-time compare) as a known one and fails with the same text.
_NOBODY = security.generate_secret()


def _verify(secrets_: list[str]) -> security.VerifiedCall:
    # get_data reads the raw bytes once (werkzeug answers 413 above MAX_CONTENT_LENGTH).
    body = request.get_data(cache=True)
    tolerance = int(current_app.config["SIGNATURE_TOLERANCE_S"])
    return security.verify(secrets_ or [_NOBODY], request.headers, body, tolerance_s=tolerance)


def _installation_call(
    session: Session,
) -> tuple[InstallationRow, security.VerifiedCall, str]:
    """The calling installation, the verified call, and the scope its webhook ids are kept in."""
    client_key = request.headers.get(CLIENT_KEY_HEADER, "")
    row = repo.by_client_key(session, client_key) if client_key else None
    if row is None:
        _verify([])  # raises, exactly as a known key with a wrong secret would
        raise security.SignatureRejected(security.NO_MATCH, field=security.HEADER_SIGNATURE)
    secret = installations.shared_secret(row, keyring(current_app))
    call = _verify([secret])
    return row, call, security.signer_identity(row.client_key, secret)


def proves_current_secret(current_secret: str) -> bool:
    """Whether this call also carries X-Installation-Signature made with ``current_secret``.

    The header holds ``v1,<base64>`` entries over the same ``id.timestamp.body`` as
    webhook-signature, keyed by the installation's current shared secret.
    """
    proof = request.headers.get(security.HEADER_INSTALLATION_SIGNATURE)
    if not proof:
        return False
    headers = {
        security.HEADER_ID: request.headers.get(security.HEADER_ID),
        security.HEADER_TIMESTAMP: request.headers.get(security.HEADER_TIMESTAMP),
        security.HEADER_SIGNATURE: proof,
    }
    tolerance = int(current_app.config["SIGNATURE_TOLERANCE_S"])
    try:
        security.verify([current_secret], headers, request.get_data(cache=True), tolerance_s=tolerance)
    except (security.SignatureRejected, security.MalformedSignature):
        return False
    return True


def signed(scope: str = "installation", *, record: bool = True, sealed: bool = False) -> Callable:
    """Decorate a view: check the signature first; with ``record``, refuse replays of a webhook-id.

    ``sealed``: the answer carries a secret (a connect link), so the copy kept for replays is
    encrypted with the app's Keyring instead of stored in the clear (docs/hardening.md#log-redaction).
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with database().unit_of_work() as session:
                if scope == HOST_SCOPE:
                    call, owner, claim_scope = _verify(host_secrets(current_app)), None, HOST_SCOPE
                else:
                    row, call, claim_scope = _installation_call(session)
                    owner = g.installation_id = row.id
                if record:
                    try:
                        repo.claim_webhook(session, claim_scope, call.webhook_id, owner)
                    except IntegrityError:
                        session.rollback()
                        return _replayed(session.get(SeenWebhookRow, (claim_scope, call.webhook_id)))
                    # Kept after the installation is gone (keyed by who signed, not by the row):
                    # a captured call replayed after an uninstall or re-install stays a replay.
                g.signed_session = session
                try:
                    response = current_app.make_response(view(*args, **kwargs))
                finally:
                    g.signed_session = None
                if response.status_code >= 400:
                    session.rollback()  # nothing of a refused call stays, its webhook-id included
                    return response
                if record:
                    # A lifecycle call learns its installation only now (an uninstall has none left);
                    # linking it lets uninstall erase the answer.
                    repo.keep_answer(
                        session,
                        claim_scope,
                        call.webhook_id,
                        g.get("installation_id"),
                        response.status_code,
                        _replayable(response.get_json(silent=True), sealed),
                    )
            # Effects the view queued on the session (plugin.store.uow) have run by now.
            return response

        _document(wrapper, record)
        return wrapper

    return decorator


def _replayable(answer: Any, sealed: bool = False) -> Any:
    if sealed:
        return {SEALED: keyring(current_app).encrypt(json.dumps(answer))}
    if isinstance(answer, dict):
        return {k: v for k, v in answer.items() if k != SHOWN_ONCE}
    return answer


def _replayed(earlier: SeenWebhookRow | None) -> Response:
    if earlier is not None and earlier.status is None:
        # Its installation was uninstalled and its answer erased with it: the id stays used.
        response = problem(409, "this webhook-id was already accepted", {"webhook-id": ["already used"]})
    elif earlier is not None and earlier.status == 204:
        response = Response(status=204)
    else:
        answer = earlier.answer if earlier is not None and earlier.answer is not None else {}
        if isinstance(answer, dict) and set(answer) == {SEALED}:
            answer = json.loads(keyring(current_app).decrypt(answer[SEALED]))
        response = Response(json.dumps(answer), status=200, mimetype="application/json")
    response.headers["Webhook-Replayed"] = "true"
    return response


def installation_id() -> str:
    """The calling installation's id (inside a view decorated with ``signed``)."""
    return g.installation_id


def _document(view: Callable, record: bool) -> None:
    """Add the answers the signature check gives to the view's OpenAPI entry (flask-smorest's doc)."""
    doc = copy.deepcopy(getattr(view, "_apidoc", {}))
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    refused = "the signature does not verify: the same answer for a known and an unknown client key"
    responses.setdefault(401, []).append({"description": refused, "content_type": None})
    if record:
        replayed = "this webhook-id was accepted before, by an installation since uninstalled"
        responses.setdefault(409, []).append({"description": replayed, "content_type": None})
    view._apidoc = doc  # type: ignore[attr-defined]
