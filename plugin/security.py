"""Standard Webhooks v1 signing and verification (standardwebhooks.com), pure functions.

A signed call carries three headers: ``webhook-id`` (unique per message, kept
across retries), ``webhook-timestamp`` (integer Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` entries over
``"{id}.{timestamp}.{raw body}"``, keyed by the base64 part of a ``whsec_`` secret.
Several entries let a sender sign with an old and a new secret while rotating.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from plugin import clock
from plugin.errors import Malformed, Unauthenticated
from plugin.i18n import N_

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 300  # the spec's suggested window, applied both ways (clock skew and staleness)
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
# A re-install also signs with the installation's current secret here (docs/signing.md#re-install).
HEADER_INSTALLATION_SIGNATURE = "X-Installation-Signature"
# Ids are opaque to us, but we store them: printable ASCII without spaces, bounded.
_ID_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")
_SIGNATURE_ENTRY = re.compile(r"^v(\d+)([a-z]?),(\S+)$")
# One text for every secret that does not verify, whether the client key exists or not:
# a different answer would tell a caller which client keys are installed.
NO_MATCH = N_("the signature does not verify")


class SignatureRejected(Unauthenticated):
    """Unsigned, wrongly signed or stale: the caller is not who it claims."""


class MalformedSignature(Malformed):
    """Signature headers that are present but cannot be read."""


@dataclass(frozen=True)
class VerifiedCall:
    webhook_id: str
    timestamp: int


def generate_secret(nbytes: int = 32) -> str:
    """Return a new ``whsec_`` secret of ``nbytes`` random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """Decode a ``whsec_`` secret to its key bytes; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a secret is whsec_ followed by base64") from None
    if len(key) < 24:
        raise ValueError("a secret needs at least 24 random bytes")
    return key


def is_secret(secret: object) -> bool:
    """Whether ``secret`` is a usable ``whsec_`` secret."""
    try:
        secret_bytes(secret)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return False
    return True


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one message.

    The signed content is ``id.timestamp.body`` with the body's raw bytes.
    """
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


class Headers(Protocol):
    """Request headers as a dict or werkzeug's Headers offer them (by name, case as sent or any)."""

    def get(self, key: str, /) -> str | None: ...


def sign_headers(
    secrets_: str | Sequence[str], body: bytes, webhook_id: str | None = None, now: float | None = None
) -> dict[str, str]:
    """The three headers for sending ``body``, signed with every secret given."""
    if isinstance(secrets_, str):
        secrets_ = [secrets_]
    webhook_id = webhook_id or "msg_" + secrets.token_urlsafe(18)
    timestamp = int(clock.now().timestamp() if now is None else now)
    return {
        HEADER_ID: webhook_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: " ".join(signature(s, webhook_id, timestamp, body) for s in secrets_),
    }


def read_headers(headers: Headers) -> tuple[str, int, list[bytes]]:
    """Parse the three headers into (id, timestamp, v1 digests).

    Raises SignatureRejected when a header is missing (an unsigned call) and
    MalformedSignature when one is present but unreadable.
    """
    webhook_id = headers.get(HEADER_ID)
    raw_timestamp = headers.get(HEADER_TIMESTAMP)
    raw_signature = headers.get(HEADER_SIGNATURE)
    if not webhook_id or not raw_timestamp or not raw_signature:
        raise SignatureRejected(N_("the call is not signed"), field=HEADER_SIGNATURE)
    if not _ID_PATTERN.match(webhook_id):
        raise MalformedSignature(N_("webhook-id must be 1-200 printable characters"), field=HEADER_ID)
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise MalformedSignature(N_("webhook-timestamp must be integer Unix seconds"), field=HEADER_TIMESTAMP)
    digests: list[bytes] = []
    for entry in raw_signature.split():
        match = _SIGNATURE_ENTRY.match(entry)
        if not match:
            raise MalformedSignature(
                N_("webhook-signature entries look like v1,<base64>"), field=HEADER_SIGNATURE
            )
        if match.group(1) != "1" or match.group(2):
            continue  # another scheme (e.g. v1a asymmetric): not ours, the spec says skip it
        try:
            digests.append(base64.b64decode(match.group(3), validate=True))
        except (binascii.Error, ValueError):
            raise MalformedSignature(N_("a v1 signature is not base64"), field=HEADER_SIGNATURE) from None
    return webhook_id, int(raw_timestamp), digests


def verify(
    secrets_: Sequence[str],
    headers: Headers,
    body: bytes,
    now: float | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> VerifiedCall:
    """Check a signed call against any of ``secrets_`` (the raw body, before parsing it).

    Raises:
        SignatureRejected: unsigned, no signature matches, or the timestamp is
            more than ``tolerance_s`` away from ``now`` in either direction.
        MalformedSignature: headers present but unreadable.
    """
    webhook_id, timestamp, digests = read_headers(headers)
    now = clock.now().timestamp() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        raise SignatureRejected(N_("webhook-timestamp is outside the tolerance"), field=HEADER_TIMESTAMP)
    content = f"{webhook_id}.{timestamp}.".encode() + body
    matched = False
    for secret in secrets_:
        expected = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
        for digest in digests:
            # Compare every pair so timing says nothing about which secret or entry matched.
            matched |= hmac.compare_digest(expected, digest)
    if not matched:
        raise SignatureRejected(NO_MATCH, field=HEADER_SIGNATURE)
    return VerifiedCall(webhook_id=webhook_id, timestamp=timestamp)


def signer_identity(client_key: str, secret: str) -> str:
    """A stable name for "this client key with this secret": the scope its webhook ids are kept in.

    A hash of both, so that ids outlive the installation row (an uninstall does not make a
    captured call new again) and a re-install with another secret starts a fresh scope.
    32 hex characters (128 bits); reveals neither part.
    """
    content = b"stretchsync-signer\0" + client_key.encode() + b"\0" + secret_bytes(secret)
    return hashlib.sha256(content).hexdigest()[:32]
