"""Secrets at rest: Fernet under a key derived from the app secret."""

from __future__ import annotations

import pytest

from plugin import crypto


def test_a_secret_round_trips_and_is_not_readable_as_stored():
    token = crypto.encrypt("app-secret", "hunter2 ✓")
    assert "hunter2" not in token
    assert crypto.decrypt("app-secret", token) == "hunter2 ✓"


def test_each_encryption_differs_but_decrypts_the_same():
    first, second = crypto.encrypt("k", "same"), crypto.encrypt("k", "same")
    assert first != second
    assert crypto.decrypt("k", first) == crypto.decrypt("k", second) == "same"


def test_another_key_or_a_tampered_value_is_unreadable():
    stored = crypto.encrypt("old-key", "password")
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt("new-key", stored)
    for tampered in ("not-a-fernet-token", stored[:-8] + "AAAAAAAA"):
        with pytest.raises(crypto.SecretUnreadable):
            crypto.decrypt("old-key", tampered)


def test_an_empty_key_is_refused():
    with pytest.raises(crypto.SecretMissing):
        crypto.encrypt("", "password")
