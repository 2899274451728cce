"""Encrypt secrets at rest (tracker and CalDAV credentials) with Fernet, keyed from the app secret.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) wants a 32-byte url-safe
base64 key; we derive it from the configured ``SECRET_KEY`` with HKDF-SHA256, so any
length of secret works and the key is never the secret itself.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from plugin.catalog.errors import StretchsyncError

# The info string binds the derived key to this use; change it and every stored secret is unreadable.
_HKDF_INFO = b"stretchsync credentials at rest v1"


class SecretUnreadable(StretchsyncError):
    """A stored secret cannot be decrypted: SECRET_KEY changed, or the value was tampered with."""

    status = 500


class SecretMissing(StretchsyncError):
    """No SECRET_KEY is configured, so nothing can be stored encrypted."""

    status = 503


@lru_cache(maxsize=8)
def _fernet(app_secret: str) -> Fernet:
    if not app_secret:
        raise SecretMissing("SECRET_KEY is not set (PLUGIN_SECRET_KEY): credentials cannot be stored")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        app_secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(app_secret: str, text: str) -> str:
    """Encrypt ``text`` under a key derived from ``app_secret``; the result is ASCII."""
    return _fernet(app_secret).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(app_secret: str, token: str) -> str:
    """Decrypt what ``encrypt`` made; SecretUnreadable when the key or the token is wrong."""
    try:
        return _fernet(app_secret).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as err:
        raise SecretUnreadable("a stored secret cannot be decrypted with this SECRET_KEY") from err
