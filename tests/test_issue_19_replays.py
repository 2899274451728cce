"""Issue 19, findings 2-4: captured lifecycle calls replayed after an uninstall or a re-install,
re-installs that take over a client key, and signature errors that told which keys exist.

Each test sends the real signed call first, captures it byte for byte, and replays it later.
"""

from __future__ import annotations

import time

import pytest
from hostkit import HOST_SECRET, PLAN, Host, host_config, row_counts, session_body
from sqlalchemy import text

from plugin import clock, security
from plugin.store.installations import forget_seen_before


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


def _client_keys(db) -> list[str]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT client_key FROM installations"))]


def test_a_captured_install_replayed_after_its_uninstall_installs_nothing(client, db):
    host = Host(client)
    assert host.install(plan=PLAN).status_code == 201
    captured_install = host.last_call
    assert host.uninstall().status_code == 204
    before = row_counts(db)
    replay = host.replay(captured_install)
    assert replay.status_code == 409 and replay.headers["Webhook-Replayed"] == "true"
    assert replay.mimetype == "application/problem+json"
    assert "calendarUrl" not in replay.get_data(as_text=True)
    assert row_counts(db) == before and _client_keys(db) == []


def test_a_captured_import_replayed_after_a_reinstall_with_the_same_secret_stores_nothing(client, db):
    host = Host(client)
    host.install()
    assert host.import_session(session_body("captured")).status_code == 201
    captured_import = host.last_call
    assert host.uninstall().status_code == 204
    host.installed_secret = None  # a fresh install: nothing to prove
    assert host.install().status_code == 201  # same client key, same secret
    before = row_counts(db)
    replay = host.replay(captured_import)
    assert replay.status_code in (200, 409) and replay.headers["Webhook-Replayed"] == "true"
    assert row_counts(db) == before and before["completed_sessions"] == 0
    assert host.call("GET", "/sessions").json == []


def test_a_captured_uninstall_replayed_after_a_reinstall_erases_nothing(client, db):
    host = Host(client)
    host.install(plan=PLAN)
    assert host.uninstall().status_code == 204
    captured_uninstall = host.last_call
    host.installed_secret = None
    assert host.install(plan=PLAN).status_code == 201
    assert host.import_session(session_body()).status_code == 201
    before = row_counts(db)
    replay = host.replay(captured_uninstall)
    assert replay.status_code == 204 and replay.headers["Webhook-Replayed"] == "true"
    assert row_counts(db) == before and _client_keys(db) == [host.client_key]
    assert len(host.call("GET", "/sessions").json) == 1


def test_an_uninstall_is_recorded_like_every_signed_call(client, db):
    host = Host(client)
    host.install()
    assert host.uninstall(webhook_id="msg_bye").status_code == 204
    with db.engine.connect() as conn:
        kept = conn.execute(
            text("SELECT scope, installation_id, status FROM seen_webhooks WHERE webhook_id = 'msg_bye'")
        ).all()
    signer = security.signer_identity(host.client_key, host.secret)
    assert [tuple(row) for row in kept] == [(signer, None, 204)]


def test_the_seen_ids_outlive_the_installation_until_they_are_stale(app, client, db):
    host = Host(client)
    host.install()
    host.import_session(session_body())
    host.uninstall()
    with db.engine.connect() as conn:
        count = "SELECT count(*) FROM seen_webhooks"
        assert conn.execute(text(count)).scalar_one() == 3  # install, import, uninstall
    with db.unit_of_work() as session:
        # What the sweep does: ids older than twice the tolerance can only come with a stale timestamp.
        forget_seen_before(session, clock.now())
    with db.engine.connect() as conn:
        assert conn.execute(text(count)).scalar_one() == 0


def test_a_reinstall_without_the_current_secret_is_refused_and_changes_nothing(client, db):
    owner = Host(client)
    owner.install(plan=PLAN)
    assert owner.import_session(session_body()).status_code == 201
    before = row_counts(db)
    thief = Host(client, client_key=owner.client_key)  # holds the host secret, not the shared one
    for proof in (None, security.generate_secret()):
        response = thief.install(prove_with=proof)
        assert response.status_code == 401, response.json
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"] == security.NO_MATCH
    assert row_counts(db) == before
    assert thief.call("GET", "/sessions").status_code == 401
    assert len(owner.call("GET", "/sessions").json) == 1


def test_a_reinstall_proving_the_current_secret_replaces_it(client, db):
    host = Host(client)
    host.install()
    old = host.secret
    host.secret = security.generate_secret()
    response = host.install()  # signed with the host secret, proved with the old shared secret
    assert response.status_code == 200 and response.json["created"] is False
    assert host.call("GET", "/sessions", secret=old).status_code == 401
    assert host.call("GET", "/sessions").status_code == 200


def test_an_old_proof_does_not_serve_another_call(client, db):
    host = Host(client)
    host.install()
    now = time.time()
    body = host.install_body()
    # A proof over another message (another id) proves nothing about this one.
    other_proof = security.signature(host.secret, "msg_other", int(now), b"{}")
    before = row_counts(db)
    response = host.call(
        "POST",
        "/lifecycle/installed",
        body,
        secret=HOST_SECRET,
        now=now,
        headers={security.HEADER_INSTALLATION_SIGNATURE: other_proof},
    )
    assert response.status_code == 401 and row_counts(db) == before


def test_the_operator_replaces_an_installation_only_when_told(runner, client, db):
    host = Host(client)
    host.install()
    args = ["install", "host", "--client-key", host.client_key, "--base-url", "http://127.0.0.1:9"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "--replace" in refused.output
    assert host.call("GET", "/sessions").status_code == 200  # the secret is still the host's
    replaced = runner.invoke(args=[*args, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert host.call("GET", "/sessions").status_code == 401  # a new secret was generated


@pytest.mark.parametrize(
    "fault", ["wrong-secret", "stale", "unsigned"], ids=["wrong-secret", "stale", "unsigned"]
)
def test_signature_errors_read_the_same_for_known_and_unknown_keys(client, fault):
    known = Host(client)
    known.install()
    unknown = Host(client)  # never installed
    answers = []
    for host in (known, unknown):
        if fault == "unsigned":
            response = client.get("/sessions", headers={"X-Client-Key": host.client_key})
        elif fault == "stale":
            response = host.call("GET", "/sessions", secret=known.secret, now=time.time() - 3600)
        else:
            response = host.call("GET", "/sessions", secret=security.generate_secret())
        assert response.status_code == 401
        body = response.json
        answers.append((body["detail"], body.get("errors"), body["title"]))
    assert answers[0] == answers[1]
