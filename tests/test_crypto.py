"""Credentials at rest: Fernet round trip, key rotation, passphrases, and the development key file."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from plugin import crypto
from plugin.config import keyring, secret_key


def test_round_trip_and_ciphertext_hides_the_plaintext():
    key = crypto.generate_key()
    token = crypto.Keyring(key).encrypt("wger-token-123")
    assert "wger-token-123" not in token
    assert crypto.Keyring(key).decrypt(token) == "wger-token-123"
    # An independent Fernet with the same key reads it too: the format is standard.
    assert Fernet(key).decrypt(token.encode()).decode() == "wger-token-123"


def test_rotation_new_key_first_old_key_still_decrypts():
    old, new = crypto.generate_key(), crypto.generate_key()
    token = crypto.Keyring(old).encrypt("secret")
    assert crypto.Keyring(f"{new},{old}").decrypt(token) == "secret"
    fresh = crypto.Keyring(f"{new},{old}").encrypt("secret")
    assert crypto.Keyring(new).decrypt(fresh) == "secret"


def test_a_wrong_key_cannot_decrypt():
    token = crypto.Keyring(crypto.generate_key()).encrypt("secret")
    with pytest.raises(crypto.UndecryptableSecret):
        crypto.Keyring(crypto.generate_key()).decrypt(token)


def test_a_passphrase_that_is_not_a_fernet_key_still_works():
    token = crypto.Keyring("correct horse battery staple").encrypt("secret")
    assert crypto.Keyring("correct horse battery staple").decrypt(token) == "secret"


def test_an_unset_key_is_generated_once_into_the_instance_folder(app, tmp_path):
    app.config["SECRET_KEY"] = None
    first = secret_key(app)
    path = os.path.join(app.instance_path, "secret.key")
    assert os.path.exists(path) and oct(os.stat(path).st_mode & 0o777) == "0o600"
    app.config["SECRET_KEY"] = None
    assert secret_key(app) == first
    Fernet(first)  # a real Fernet key


def test_a_tampered_value_is_unreadable():
    key = crypto.generate_key()
    stored = crypto.Keyring(key).encrypt("password")
    for tampered in ("not-a-fernet-token", stored[:-8] + "AAAAAAAA"):
        with pytest.raises(crypto.SecretUnreadable):
            crypto.Keyring(key).decrypt(tampered)


def test_an_empty_key_is_refused():
    with pytest.raises(crypto.SecretMissing):
        crypto.Keyring("").encrypt("password")


def test_a_keyring_encrypts_with_its_first_key_and_decrypts_with_any():
    old, new = crypto.generate_key(), crypto.generate_key()
    token = crypto.Keyring(old).encrypt("secret")
    ring = crypto.Keyring(f"{new},{old}")
    assert ring.decrypt(token) == "secret"
    assert crypto.Keyring(new).decrypt(ring.encrypt("secret")) == "secret"
    with pytest.raises(crypto.SecretUnreadable):
        crypto.Keyring(crypto.generate_key()).decrypt(token)
    assert new not in repr(ring) and old not in repr(ring)


def test_an_empty_keyring_refuses_only_when_used():
    ring = crypto.Keyring("")
    with pytest.raises(crypto.SecretMissing):
        ring.encrypt("password")
    with pytest.raises(crypto.SecretMissing):
        ring.decrypt("token")


def test_the_app_keyring_is_kept_and_follows_a_changed_key(app):
    app.config["SECRET_KEY"] = first = crypto.generate_key()
    ring = keyring(app)
    assert keyring(app) is ring
    token = ring.encrypt("secret")
    app.config["SECRET_KEY"] = crypto.generate_key()
    rotated = keyring(app)
    assert rotated is not ring
    with pytest.raises(crypto.SecretUnreadable):
        rotated.decrypt(token)
    app.config["SECRET_KEY"] = f"{app.config['SECRET_KEY']},{first}"
    assert keyring(app).decrypt(token) == "secret"
