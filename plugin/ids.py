"""Opaque identifiers for stored rows."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A new row id: 128 random bits as 32 hex digits."""
    return uuid.uuid4().hex
