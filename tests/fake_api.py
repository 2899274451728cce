"""What every stand-in API in the tests shares: routes on pytest-httpserver, queued faults, a request log."""

from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

Handler = Callable[[Request], Response]


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


class FakeAPI:
    """Routes with an auth check and per-route faults: a Response, ("slow", s) or ("malformed", body)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.faults: dict[tuple[str, str], deque] = defaultdict(deque)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def authorize(self, request: Request) -> Response | None:
        """None when the caller may go on; else the refusal. Subclasses check their own scheme."""
        return None

    def route(self, method: str, uri: Any, name: str, handler: Handler, *, auth: bool = True) -> None:
        def handle(request: Request) -> Response:
            refusal = self.authorize(request) if auth else None
            if refusal is not None:
                return refusal
            queue = self.faults[(method, name)]
            if not queue:
                return handler(request)
            fault = queue.popleft()
            if isinstance(fault, Response):
                return fault
            kind, arg = fault
            if kind == "slow":  # do the work, but answer after the client gave up
                done = handler(request)
                time.sleep(arg)
                return done
            handler(request)  # "malformed": do the work, answer with a broken body
            return Response(arg, status=200, content_type="application/json")

        self.server.expect_request(uri, method=method).respond_with_handler(handle)

    def fail(self, method: str, name: str, fault: Any) -> None:
        """Queue one fault for the next call of a route."""
        self.faults[(method, name)].append(fault)

    def settle(self, method: str, path: str, count: int = 1, within_s: float = 10.0) -> None:
        """Wait until ``count`` calls of a route have been answered (a slow answer blocks the server)."""
        deadline = time.monotonic() + within_s
        while len(self.requests(method, path)) < count:
            assert time.monotonic() < deadline, f"{method} {path} was not answered in time"
            time.sleep(0.02)

    def requests(self, method: str, path: str) -> list[Request]:
        return [r for r, _ in self.server.log if r.method == method and r.path == path]
