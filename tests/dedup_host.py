"""A host tracker stand-in that deduplicates on ``webhook-id``, as Standard Webhooks tells receivers to.

It takes the routines the plugin pushes (``POST <base>/stretchsync/routines`` and
``PUT <base>/stretchsync/routines/<id>``; a path before ``/stretchsync`` names a tenant,
so several installations can share one stand-in), does the work once per ``webhook-id``
and answers a repeated id with the answer the first one got, so the test can count
what a real deduplicating host would hold. It can be slow on purpose: hold the first
message until released (a worker is killed meanwhile) or delay each first answer
beyond the plugin's read timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = "/stretchsync/routines"


@dataclass
class Received:
    method: str
    tenant: str  # the path before /stretchsync/routines: one per installation
    webhook_id: str
    routine: str  # the routine id in the body


@dataclass
class DedupHost:
    delay_first_answer_s: float = 0.0  # sleep before answering each new message (work already done)
    hold_first: bool = False  # keep the very first message until ``release`` is set
    received: list[Received] = field(default_factory=list)
    # What the host holds: its own id -> (tenant, routine id, how many times it was written).
    routines: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict]] = field(default_factory=dict)  # webhook-id -> first answer
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def copies(self, tenant: str = "") -> dict[str, int]:
        """How many routines one tenant holds per routine id: exactly-once means 1 each."""
        counts: dict[str, int] = {}
        for owner, routine, _ in self.routines.values():
            if owner == tenant:
                counts[routine] = counts.get(routine, 0) + 1
        return counts

    def held(self, tenant: str = "") -> dict[str, str]:
        """Routine id -> the host's id for it, for one tenant."""
        return {routine: host_id for host_id, (owner, routine, _) in self.routines.items() if owner == tenant}

    def ids_per_routine(self, tenant: str = "") -> dict[str, set[str]]:
        """The webhook-ids each routine's messages came with."""
        seen: dict[str, set[str]] = {}
        for item in self.received:
            if item.tenant == tenant:
                seen.setdefault(item.routine, set()).add(item.webhook_id)
        return seen

    def handle(self, method: str, path: str, webhook_id: str, body: bytes) -> tuple[int, dict, bool]:
        """Do the work once per webhook-id; return (status, answer, whether it was new)."""
        routine = json.loads(body or b"{}").get("id", "")
        tenant, _, rest = path.partition(ROUTES)
        with self.lock:
            self.received.append(Received(method, tenant, webhook_id, routine))
            if webhook_id in self.answers:
                status, answer = self.answers[webhook_id]
                return status, answer, False
            if method == "POST" and rest == "":
                host_id = f"r-{len(self.routines) + 1}"
                self.routines[host_id] = (tenant, routine, 1)
                status, answer = 201, {"id": host_id}
            elif method == "PUT" and rest.removeprefix("/") in self.routines:
                host_id = rest.removeprefix("/")
                owner, kept, writes = self.routines[host_id]
                self.routines[host_id] = (owner, kept, writes + 1)
                status, answer = 200, {"id": host_id}
            else:
                return 404, {"error": "no such routine"}, False
            self.answers[webhook_id] = (status, answer)
            first = len(self.answers) == 1
        if first and self.hold_first:
            self.arrived.set()
            self.release.wait(60)
        if self.delay_first_answer_s:
            time.sleep(self.delay_first_answer_s)
        return status, answer, True


@contextmanager
def serving(host: DedupHost) -> Iterator[DedupHost]:
    """Serve ``host`` on a free loopback port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer, _ = host.handle(
                self.command, self.path, self.headers.get("webhook-id") or "", body
            )
            raw = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller gave up (a read timeout, a killed worker): the work is done anyway

        do_POST = do_PUT = _answer  # noqa: N815 - http.server's naming

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # a free port, chosen by the system
    server.daemon_threads = True
    host.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.release.set()
        server.shutdown()
        server.server_close()
