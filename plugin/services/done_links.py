"""The private "Mark as done" link of a calendar's routine: ``/done/<calendar id>/<routine id>/<signature>``.

The signature is an HMAC-SHA256 of the calendar's public id and the routine's id, keyed
with a key derived from PLUGIN_SECRET_KEY (docs/pages.md#mark-as-done). Nothing is stored:
the feed renders the link from the ids, and the page checks it the same way. It names one
calendar and one routine, so it cannot be turned to another calendar, and it reveals no
feed token: it lets its holder record a session, nothing more. With several keys (a
rotation), the first signs and every one verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

PREFIX = "/done"
# Keys for this purpose only: the secret key also encrypts credentials (plugin/crypto.py).
PURPOSE = b"stretchsync mark-as-done link v1"
CSRF_PURPOSE = b"stretchsync mark-as-done form v1"


@lru_cache(maxsize=16)  # the feed's fingerprint asks on every read
def keys_from(secret_key: str, purpose: bytes = PURPOSE) -> tuple[bytes, ...]:
    """One link key per key of PLUGIN_SECRET_KEY (comma-separated), in the same order."""
    return tuple(
        hmac.new(key.strip().encode("utf-8"), purpose, hashlib.sha256).digest()
        for key in secret_key.split(",")
        if key.strip()
    )


def signature(key: bytes, calendar_id: str, routine_id: str) -> str:
    """The link's signature: 256 bits, base64url without padding (43 characters)."""
    mac = hmac.new(key, f"{calendar_id}\n{routine_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def path(key: bytes, calendar_id: str, routine_id: str) -> str:
    """The link's path (the site's root goes in front)."""
    return f"{PREFIX}/{calendar_id}/{routine_id}/{signature(key, calendar_id, routine_id)}"


def is_valid(keys: Sequence[bytes], calendar_id: str, routine_id: str, given: str) -> bool:
    """Whether ``given`` signs this calendar and routine with any of ``keys`` (constant time)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(signature(key, calendar_id, routine_id).encode(), given.encode())
    return found


def key_id(keys: Sequence[bytes]) -> str:
    """Names the signing key without revealing it: part of the stored feed's fingerprint."""
    return hashlib.sha256(keys[0]).hexdigest()[:16] if keys else ""
