"""Play a host in tests: install with a signed call, then sign every hook call like a host does."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from plugin import clock, security
from plugin.store.tables import Base

HOST_SECRET = security.generate_secret()
PLAN = {"routines": ["daily-hamstring"], "times": ["07:00"], "timezone": "Europe/Berlin"}


def host_config(database_config: dict, tmp_path: Any, **extra: Any) -> dict:
    """App config for signed-call tests: a host registration secret, a Fernet key, a private queue."""
    return {
        "TESTING": True,
        **database_config,
        "HOST_SECRETS": HOST_SECRET,
        "SECRET_KEY": Fernet.generate_key().decode(),
        "HUEY_NAME": "t-" + uuid.uuid4().hex[:12],
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
        **extra,
    }


@dataclass(frozen=True)
class Captured:
    """One signed call exactly as it went over the wire."""

    method: str
    path: str
    raw: bytes
    headers: dict[str, str]
    content_type: str
    query: dict | None


class Host:
    """One installation as its host sees it: client key and shared secret."""

    def __init__(self, client: Any, client_key: str | None = None) -> None:
        self.client = client
        self.client_key = client_key or "host-" + uuid.uuid4().hex[:8]
        self.secret = security.generate_secret()
        # The secret the plugin holds for this client key: a re-install proves it.
        self.installed_secret: str | None = None
        self._sent = threading.local()  # each thread's last call: tests send from several at once

    @property
    def last_call(self) -> Captured:
        """The last call this thread sent, as it went over the wire."""
        return self._sent.call

    def install_body(
        self, tracker: str = "host", base_url: str = "http://127.0.0.1:9", **fields: Any
    ) -> dict:
        """The body of POST /lifecycle/installed for this installation."""
        return {
            "clientKey": self.client_key,
            "tracker": tracker,
            "sharedSecret": self.secret,
            "baseUrl": base_url,
            "credentials": fields.pop("credentials", {}),
            **fields,
        }

    def install(
        self,
        tracker: str = "host",
        base_url: str = "http://127.0.0.1:9",
        webhook_id: str | None = None,
        prove_with: str | None = None,
        now: float | None = None,
        **fields: Any,
    ) -> Any:
        """Install; a re-install also signs with the secret installed before (or ``prove_with``)."""
        body = self.install_body(tracker, base_url, **fields)
        webhook_id = webhook_id or "msg_" + uuid.uuid4().hex
        now = clock.now().timestamp() if now is None else now  # the app's clock, which tests may set
        proof = prove_with or self.installed_secret
        headers = {}
        if proof:
            raw = json.dumps(body).encode()
            headers[security.HEADER_INSTALLATION_SIGNATURE] = security.signature(
                proof, webhook_id, int(now), raw
            )
        response = self.call(
            "POST",
            "/lifecycle/installed",
            body,
            secret=HOST_SECRET,
            webhook_id=webhook_id,
            now=now,
            headers=headers,
        )
        if response.status_code in (200, 201) and not response.headers.get("Webhook-Replayed"):
            self.installed_secret = self.secret
        return response

    def call(
        self,
        method: str,
        path: str,
        body: bytes | dict | list | None = None,
        *,
        secret: str | None = None,
        content_type: str = "application/json",
        now: float | None = None,
        webhook_id: str | None = None,
        headers: dict[str, str] | None = None,
        client_key: str | None = None,
        query: dict | None = None,
    ) -> Any:
        """Send a call signed with this installation's secret (or ``secret``)."""
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        signed = security.sign_headers(secret or self.secret, raw, webhook_id=webhook_id, now=now)
        all_headers = {"X-Client-Key": client_key or self.client_key, **signed, **(headers or {})}
        all_headers = {k: v for k, v in all_headers.items() if v is not None}
        self._sent.call = Captured(method, path, raw, all_headers, content_type, query)
        return self.replay(self._sent.call)

    def replay(self, call: Captured) -> Any:
        """Send a captured call again, byte for byte (as an eavesdropper would)."""
        return self.client.open(
            call.path,
            method=call.method,
            data=call.raw if call.method != "GET" else None,
            headers=call.headers,
            content_type=call.content_type if call.method != "GET" else None,
            query_string=call.query,
        )

    def export(self, routines: list[str], **kwargs: Any) -> Any:
        return self.call("POST", "/hooks/export", {"routines": routines}, **kwargs)

    def import_session(self, session: dict, **kwargs: Any) -> Any:
        return self.call("POST", "/hooks/import", session, **kwargs)

    def uninstall(self, **kwargs: Any) -> Any:
        return self.call("POST", "/lifecycle/uninstalled", {"clientKey": self.client_key}, **kwargs)


def session_body(source_id: str = "s-1", **overrides: Any) -> dict:
    """A valid completed session of the daily hamstring routine, an hour ago."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600))
    return {
        "source": "host",
        "source_id": source_id,
        "routine": "daily-hamstring",
        "started_at": started,
        "duration_s": 420,
        "exercises": [
            {"exercise": "lying-hamstring", "sets": 1, "reps": 1, "hold_s": 30, "side": "left"},
            {"exercise": "lying-hamstring", "sets": 1, "reps": 1, "hold_s": 30, "side": "right"},
        ],
        "pain": 2,
        "notes": "felt fine",
        **overrides,
    }


def row_counts(db: Any) -> dict[str, int]:
    """Rows per table: compared before and after a refused call."""
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }
