"""The generic host: any tracker that implements the lifecycle and accepts signed routine JSON.

Push: POST the canonical routine JSON to ``<baseUrl><routinesPath>`` the first
time, then PUT it to ``<baseUrl><routinesPath>/<id the host answered>``, each
signed the Standard Webhooks way with the installation's shared secret (the
same scheme the host signs its calls to us with). The host pushes completed
sessions to our import hook, so there is nothing to pull.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from plugin import outbound
from plugin.catalog.model import Plan, Routine
from plugin.formats import canonical
from plugin.security import sign_headers
from plugin.trackers.base import Credentials, PullOutcome, PullScope, PushOutcome, TrackerError, send

DEFAULT_ROUTINES_PATH = "/stretchsync/routines"


class HostTracker:
    key = "host"
    format = "json"

    def __init__(self, credentials: Credentials, state: dict[str, Any]) -> None:
        self.base_url = credentials.base_url.rstrip("/")
        self.secret = credentials.extra["shared_secret"]
        self.routines_path = credentials.extra.get("routinesPath") or DEFAULT_ROUTINES_PATH
        self.http = outbound.new_session()

    def push(
        self, routine: Routine, plan: Plan | None, state: dict[str, Any], *, message_id: str | None = None
    ) -> PushOutcome:
        """Create the routine on the host, or update the one it already has.

        Every attempt of one push carries the same ``webhook-id`` (``message_id``): a host that
        deduplicates on it (Standard Webhooks asks receivers to) creates the routine once, and
        answers a repeat with the id it gave the first time, which we take over.
        """
        body = canonical.export(routine)
        remote_id = state.get("id")
        url = self.base_url + self.routines_path
        method = "POST"
        if remote_id:
            url, method = f"{url}/{remote_id}", "PUT"
        signed = sign_headers(self.secret, body, webhook_id=message_id)
        headers = {"Content-Type": canonical.MEDIA_TYPE, **signed}
        response = send(
            self.http, method, url, f"host {method} routine {routine.id}", data=body, headers=headers
        )
        remote_id = remote_id or _answered_id(response) or routine.id
        return PushOutcome(remote_ids={"routine": str(remote_id)}, state={"id": str(remote_id)})

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome:
        """Nothing to pull: a host sends completed sessions to the import hook."""
        return PullOutcome(sessions=[], cursor=cursor)


def _answered_id(response: requests.Response) -> str | None:
    if not response.content:
        return None
    try:
        answer = response.json()
    except json.JSONDecodeError:
        raise TrackerError(f"host answered {response.status_code} with a body that is not JSON") from None
    return answer.get("id") if isinstance(answer, dict) else None
