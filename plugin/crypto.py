"""Encryption at rest for tracker and CalDAV credentials and shared secrets (Fernet: AES-128-CBC + HMAC).

``secret_key`` is PLUGIN_SECRET_KEY: one or more comma-separated keys, the first
encrypts and all decrypt (rotation). A Fernet key (32 url-safe base64 bytes) is
used as is; any other passphrase is stretched to one with SHA-256.

The service holds its keys as one ``Keyring`` (``plugin.config.keyring(app)``) and
hands that object to whatever stores or reads a secret.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from plugin.errors import Internal, Unavailable


class SecretUnreadable(Internal):
    """A stored secret cannot be decrypted: the key changed, or the value was tampered with."""


# The name the installation code uses for the same failure.
UndecryptableSecret = SecretUnreadable


class SecretMissing(Unavailable, ValueError):
    """No secret key is configured, so nothing can be stored encrypted."""


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
    keys = [k for k in (secret_key or "").split(",") if k.strip()]
    if not keys:
        raise SecretMissing("no secret key is configured (PLUGIN_SECRET_KEY): credentials cannot be stored")
    return MultiFernet([_fernet(k) for k in keys])


def _decrypt(fernet: MultiFernet, token: str) -> str:
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable("a stored secret cannot be decrypted with the configured keys") from None


@dataclass(frozen=True)
class Keyring:
    """The configured keys (PLUGIN_SECRET_KEY), parsed once: encrypt with the first, decrypt with any.

    An empty key string makes a Keyring that refuses both with SecretMissing, at the
    moment a secret is stored or read.
    """

    keys: str = field(repr=False)
    _fernet: MultiFernet | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            fernet: MultiFernet | None = _multi(self.keys)
        except SecretMissing:
            fernet = None
        object.__setattr__(self, "_fernet", fernet)

    def _ring(self) -> MultiFernet:
        if self._fernet is None:
            return _multi(self.keys)  # raises SecretMissing
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        """Encrypt ``plaintext`` with the first key; the result is ASCII."""
        return self._ring().encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a token made with any of the keys; SecretUnreadable otherwise."""
        return _decrypt(self._ring(), token)
