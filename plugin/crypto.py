"""Encryption at rest for tracker credentials and shared secrets (Fernet: AES-128-CBC + HMAC).

``secret_key`` is PLUGIN_SECRET_KEY: one or more comma-separated keys, the first
encrypts and all decrypt (rotation). A Fernet key (32 url-safe base64 bytes) is
used as is; any other passphrase is stretched to one with SHA-256.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class UndecryptableSecret(Exception):
    """The stored value was encrypted with a key that is no longer configured."""


def generate_key() -> str:
    """Return a new Fernet key."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str) -> Fernet:
    key = key.strip()
    try:
        return Fernet(key)
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _multi(secret_key: str) -> MultiFernet:
    keys = [k for k in secret_key.split(",") if k.strip()]
    if not keys:
        raise ValueError("no secret key configured")
    return MultiFernet([_fernet(k) for k in keys])


def encrypt(secret_key: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` with the first key of ``secret_key``."""
    return _multi(secret_key).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(secret_key: str, token: str) -> str:
    """Decrypt a token made by ``encrypt`` with any key of ``secret_key``."""
    try:
        return _multi(secret_key).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise UndecryptableSecret("stored secret cannot be decrypted with the configured keys") from None
