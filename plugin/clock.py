"""The one source of the current time: aware UTC, everywhere in the service."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def now_s() -> datetime:
    """Now in whole seconds: what DTSTAMP and Last-Modified can carry."""
    return now().replace(microsecond=0)
