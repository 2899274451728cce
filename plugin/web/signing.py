"""Signed calls at the edge: verify the raw body before anything parses it, then refuse replays.

Host lifecycle calls are signed with a registration secret (PLUGIN_HOST_SECRETS);
every other call with its installation's shared secret, the installation named
by the X-Client-Key header. A recorded call runs in one transaction that first
inserts its webhook-id (the primary key decides races), then does the work and
keeps the answer; a replayed webhook-id gets 200 with that answer and changes nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, NoReturn

from flask import Response, current_app, g, json, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin import security
from plugin.config import host_secrets, keyring
from plugin.services import installations
from plugin.store import installations as repo
from plugin.store.installations import HOST_SCOPE, InstallationRow, SeenWebhookRow
from plugin.web.context import database

CLIENT_KEY_HEADER = "X-Client-Key"
# An answer field holding a secret (the calendar feed URL carries its token): given once, never
# kept for replays, since the table of seen webhook ids would otherwise hold it in the clear.
SHOWN_ONCE = "calendarUrl"
# A sealed answer is kept encrypted with the app's Keyring under this one key; a replay opens it.
SEALED = "$sealed"
log = logging.getLogger(__name__)


def _refuse() -> NoReturn:
    security.read_headers(request.headers)  # malformed headers still get their 400
    raise security.SignatureRejected("no secret can verify this call", field="webhook-signature")


def _verify(secrets_: list[str]) -> security.VerifiedCall:
    # get_data reads the raw bytes once (werkzeug answers 413 above MAX_CONTENT_LENGTH).
    body = request.get_data(cache=True)
    tolerance = int(current_app.config["SIGNATURE_TOLERANCE_S"])
    if not secrets_:
        _refuse()
    return security.verify(secrets_, request.headers, body, tolerance_s=tolerance)


def _installation_call(
    session: Session, *, required: bool = True
) -> tuple[InstallationRow | None, security.VerifiedCall | None]:
    client_key = request.headers.get(CLIENT_KEY_HEADER, "")
    row = repo.by_client_key(session, client_key) if client_key else None
    if row is None:
        if not required:
            return None, None
        # Unknown and unsigned look alike: an answer must not reveal which client keys exist.
        _refuse()
    return row, _verify([installations.shared_secret(row, keyring(current_app))])


def calling_installation(
    *, required: bool = True
) -> tuple[InstallationRow | None, security.VerifiedCall | None]:
    """The installation whose secret signed this request; SignatureRejected for anyone else."""
    with database().unit_of_work() as session:
        return _installation_call(session, required=required)


def signed(scope: str = "installation", *, record: bool = True, sealed: bool = False) -> Callable:
    """Decorate a view: check the signature first; with ``record``, refuse replays of a webhook-id.

    ``sealed``: the answer carries a secret (a connect link), so the copy kept for replays is
    encrypted with the app's Keyring instead of stored in the clear (docs/hardening.md#log-redaction).
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with database().unit_of_work() as session:
                call: security.VerifiedCall | None
                if scope == HOST_SCOPE:
                    call, owner = _verify(host_secrets(current_app)), None
                else:
                    row, call = _installation_call(session)
                    assert row is not None and call is not None
                    owner = g.installation_id = row.id
                claim_scope = owner or HOST_SCOPE
                if record:
                    try:
                        repo.claim_webhook(session, claim_scope, call.webhook_id, owner)
                    except IntegrityError:
                        session.rollback()
                        return _replayed(session.get(SeenWebhookRow, (claim_scope, call.webhook_id)))
                g.signed_session = session
                try:
                    response = current_app.make_response(view(*args, **kwargs))
                finally:
                    g.signed_session = None
                if response.status_code >= 400:
                    session.rollback()  # nothing of a refused call stays, its webhook-id included
                    return response
                if record:
                    # A lifecycle call learns its installation only now; linking it lets uninstall erase it.
                    repo.keep_answer(
                        session,
                        claim_scope,
                        call.webhook_id,
                        owner or g.get("installation_id"),
                        response.status_code,
                        _replayable(response.get_json(silent=True), sealed),
                    )
            # Effects the view queued on the session (plugin.store.uow) have run by now.
            return response

        return wrapper

    return decorator


def _replayable(answer: Any, sealed: bool = False) -> Any:
    if sealed:
        return {SEALED: keyring(current_app).encrypt(json.dumps(answer))}
    if isinstance(answer, dict):
        return {k: v for k, v in answer.items() if k != SHOWN_ONCE}
    return answer


def _replayed(earlier: SeenWebhookRow | None) -> Response:
    answer = earlier.answer if earlier is not None and earlier.answer is not None else {}
    if isinstance(answer, dict) and set(answer) == {SEALED}:
        answer = json.loads(keyring(current_app).decrypt(answer[SEALED]))
    response = Response(json.dumps(answer), status=200, mimetype="application/json")
    response.headers["Webhook-Replayed"] = "true"
    return response


def installation_id() -> str:
    """The calling installation's id (inside a view decorated with ``signed``)."""
    return g.installation_id
