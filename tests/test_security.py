"""Standard Webhooks signing: the published test vector, an independent verifier, and every refusal."""

from __future__ import annotations

import base64
from datetime import UTC

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from plugin import security
from plugin.security import MalformedSignature, SignatureRejected

# The Standard Webhooks reference vector (standard-webhooks libraries' sign tests, e.g. the PHP one).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def vector_headers(**overrides: str) -> dict[str, str]:
    return {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
        **overrides,
    }


def test_signature_reproduces_the_published_vector():
    assert security.signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_verify_accepts_the_published_vector_at_its_time():
    call = security.verify([VECTOR_SECRET], vector_headers(), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert call == security.VerifiedCall(webhook_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP)


def test_the_reference_library_verifies_what_we_sign():
    secret = security.generate_secret()
    body = b'{"routines": ["daily-hamstring"]}'
    headers = security.sign_headers(secret, body)
    assert Webhook(secret).verify(body, headers) == {"routines": ["daily-hamstring"]}


def test_we_verify_what_the_reference_library_signs():
    secret = security.generate_secret()
    body = b'{"a": 1}'
    from datetime import datetime

    now = datetime.now(UTC)
    sig = Webhook(secret).sign("msg_1", now, body.decode())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sig,
    }
    assert security.verify([secret], headers, body).webhook_id == "msg_1"


def test_any_of_several_signatures_matches_during_rotation():
    old, new = security.generate_secret(), security.generate_secret()
    headers = security.sign_headers([old, new], b"{}", now=1000)
    assert len(headers["webhook-signature"].split()) == 2
    assert security.verify([new], headers, b"{}", now=1000).timestamp == 1000
    assert security.verify([old], headers, b"{}", now=1000).timestamp == 1000


def test_an_unknown_signature_version_is_skipped_not_refused_outright():
    headers = vector_headers(**{"webhook-signature": "v1a,c29tZXRoaW5n " + VECTOR_SIGNATURE})
    assert security.verify([VECTOR_SECRET], headers, VECTOR_BODY, now=VECTOR_TIMESTAMP)


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"test": 2432232315}'},
        {"secret": security.generate_secret()},
        {"headers": {"webhook-id": "msg_other"}},
        {"headers": {"webhook-timestamp": str(VECTOR_TIMESTAMP + 1)}},
        {"now": VECTOR_TIMESTAMP + 301},
        {"now": VECTOR_TIMESTAMP - 301},
        {"headers": {"webhook-signature": "v1a," + VECTOR_SIGNATURE[3:]}},
        {"headers": {"webhook-signature": ""}},
        {"headers": {"webhook-id": ""}},
    ],
    ids=["body", "secret", "id", "timestamp", "stale", "future", "only-v1a", "empty-signature", "empty-id"],
)
def test_verify_rejects(change):
    with pytest.raises(SignatureRejected):
        security.verify(
            [change.get("secret", VECTOR_SECRET)],
            vector_headers(**change.get("headers", {})),
            change.get("body", VECTOR_BODY),
            now=change.get("now", VECTOR_TIMESTAMP),
        )


def test_the_tolerance_boundary_is_inclusive():
    for now in (VECTOR_TIMESTAMP + 300, VECTOR_TIMESTAMP - 300):
        assert security.verify([VECTOR_SECRET], vector_headers(), VECTOR_BODY, now=now)


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-timestamp": "1614265330.5"},
        {"webhook-timestamp": "yesterday"},
        {"webhook-signature": "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
        {"webhook-signature": "v1,not base64!"},
        {"webhook-signature": "v1,@@@@"},
        {"webhook-id": "msg with spaces"},
        {"webhook-id": "x" * 201},
    ],
)
def test_malformed_headers_are_a_bad_request(headers):
    with pytest.raises(MalformedSignature):
        security.verify([VECTOR_SECRET], vector_headers(**headers), VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_generated_secrets_are_whsec_and_32_random_bytes():
    secret = security.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    assert secret != security.generate_secret()


@pytest.mark.parametrize(
    "secret", ["", "whsec_", "whsec_%%%", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2hvcnQ="]
)
def test_is_secret_refuses_what_is_not_a_usable_secret(secret):
    assert not security.is_secret(secret)


def test_the_reference_library_rejects_a_tampered_body_we_signed():
    secret = security.generate_secret()
    headers = security.sign_headers(secret, b'{"a": 1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a": 2}', headers)
