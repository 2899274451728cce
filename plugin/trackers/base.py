"""The contract every tracker client keeps, and the one rule for HTTP failures.

A client is built from an installation's decrypted credentials. ``push`` sends
one routine (creating it the first time, updating it after, using the ``state``
it returned last time); ``pull`` reads completed sessions since a cursor. A
failure raises TrackerError; ``retryable`` says whether waiting can help, and
``retry_after`` how long the tracker asked us to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests

from plugin import clock, outbound
from plugin.catalog.model import CompletedSession, Plan, Routine
from plugin.errors import RemoteFailed

TIMEOUT = (5, 20)  # connect, read seconds


@dataclass(frozen=True)
class Credentials:
    base_url: str
    token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PushOutcome:
    remote_ids: dict[str, str]  # what the tracker calls what we made, e.g. {"workout": "12"}
    state: dict[str, Any]  # remembered and handed back on the next push of the same routine


@dataclass
class PullOutcome:
    sessions: list[CompletedSession]
    deleted: list[str] = field(default_factory=list)  # source ids the tracker no longer has
    cursor: str | None = None


@dataclass(frozen=True)
class PullScope:
    """What a pull is told beyond its cursor: the installation's clock and plan, and what is stored.

    Trackers whose sessions can change after the fact read ``since`` (the first local
    date read again; None: everything) and report the ``known`` source ids stored for
    that window that they no longer have as deleted.
    """

    timezone: str = "UTC"  # IANA name: the plan's, else the installation's timezone credential
    plan: Plan | None = None
    since: date | None = None
    known: frozenset[str] = frozenset()


class TrackerError(RemoteFailed):
    """A tracker or calendar server failed: its HTTP status, and whether a retry may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        excerpt: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.excerpt = excerpt  # plugin.outbound.excerpt of the answer: all that is kept of it


class Tracker(Protocol):
    """``push``'s ``message_id`` is the same on every attempt of one routine's push: a tracker
    whose receiver deduplicates on an id (a host, on ``webhook-id``) sends it."""

    key: str

    def push(
        self, routine: Routine, plan: Plan | None, state: dict[str, Any], *, message_id: str | None = None
    ) -> PushOutcome: ...

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome: ...


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or clock.now()
    return max(0.0, (when - now).total_seconds())


def raise_for_response(response: requests.Response, what: str) -> None:
    """Turn a failed answer into TrackerError: 429, 408 and 5xx are worth retrying, other 4xx not.

    A redirect that was not followed (plugin.outbound follows them for GET only) is a
    failure too. Only a short excerpt of the body is kept (docs/outbound.md#error-excerpts).
    """
    status = response.status_code
    if 300 <= status < 400:
        raise TrackerError(f"{what}: HTTP {status}: a redirect, which is not followed", status=status)
    if response.ok:
        return
    retryable = status in (408, 425, 429) or status >= 500
    body = outbound.response_excerpt(response)
    raise TrackerError(
        f"{what}: HTTP {status}" + (f": {body}" if body else ""),
        status=status,
        retryable=retryable,
        excerpt=body,
        retry_after=retry_after_seconds(response.headers.get("Retry-After"))
        if status in (429, 503)
        else None,
    )


def send(session: requests.Session, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
    """One HTTP call through plugin.outbound with a timeout; network failures become retryable TrackerErrors.

    An address the outbound policy refuses is a TrackerError that no retry can help.
    """
    kwargs.setdefault("timeout", TIMEOUT)
    try:
        response = outbound.request(session, method, url, **kwargs)
    except outbound.AddressRefused as err:
        raise TrackerError(f"{what}: {err}") from err
    except (requests.ConnectionError, requests.Timeout) as err:
        raise TrackerError(f"{what}: {type(err).__name__}: {err}", retryable=True) from err
    raise_for_response(response, what)
    return response
