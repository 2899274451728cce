"""Every signed hook against every way a call can be forged, stale, replayed or oversized.

Each refused call must get its status and leave every table as it was.
"""

from __future__ import annotations

import time

import pytest
from hostkit import HOST_SECRET, Host, host_config, row_counts, session_body

from plugin import security


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def hosts(client):
    mine, other = Host(client), Host(client)
    mine.install(plan={"routines": ["daily-hamstring"]})
    other.install()
    return mine, other


def _install_body(host: Host) -> dict:
    return {**host.install_body(), "clientKey": "new-" + host.client_key}


# (name, method, path, body builder, signing secret builder)
POST_HOOKS = {
    "export": ("POST", "/hooks/export", lambda h: {"routines": ["daily-hamstring"]}, lambda h: h.secret),
    "import": ("POST", "/hooks/import", lambda h: session_body(), lambda h: h.secret),
    "uninstalled": ("POST", "/lifecycle/uninstalled", lambda h: {}, lambda h: h.secret),
    "installed": ("POST", "/lifecycle/installed", _install_body, lambda h: HOST_SECRET),
}
GET_HOOKS = {
    "export-status": ("GET", "/hooks/export/0000", None, lambda h: h.secret),
    "sessions": ("GET", "/sessions", None, lambda h: h.secret),
    "adherence": ("GET", "/adherence", None, lambda h: h.secret),
}
ALL_HOOKS = {**POST_HOOKS, **GET_HOOKS}


def _send(host: Host, hook: str, **kwargs):
    method, path, body, secret = ALL_HOOKS[hook]
    kwargs.setdefault("secret", secret(host))
    return host.call(method, path, body(host) if body else None, **kwargs)


def _refused(db, host, hook, expected, **kwargs):
    before = row_counts(db)
    response = _send(host, hook, **kwargs)
    assert response.status_code == expected, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert row_counts(db) == before


@pytest.mark.parametrize("hook", ALL_HOOKS)
def test_unsigned(client, db, hosts, hook):
    mine, _ = hosts
    method, path, body, _secret = ALL_HOOKS[hook]
    before = row_counts(db)
    response = client.open(
        path, method=method, json=body(mine) if body else None, headers={"X-Client-Key": mine.client_key}
    )
    assert response.status_code == 401
    assert row_counts(db) == before


@pytest.mark.parametrize("hook", ALL_HOOKS)
def test_wrong_secret(db, hosts, hook):
    _refused(db, hosts[0], hook, 401, secret=security.generate_secret())


@pytest.mark.parametrize("hook", [h for h in ALL_HOOKS if h != "installed"])
def test_another_installations_secret(db, hosts, hook):
    mine, other = hosts
    _refused(db, mine, hook, 401, secret=other.secret)


@pytest.mark.parametrize("hook", [h for h in ALL_HOOKS if h != "installed"])
def test_installations_secret_under_another_client_key(db, hosts, hook):
    mine, other = hosts
    _refused(db, mine, hook, 401, client_key=other.client_key)


@pytest.mark.parametrize("hook", [h for h in ALL_HOOKS if h not in ("installed", "uninstalled")])
def test_unknown_client_key(db, hosts, hook):
    _refused(db, hosts[0], hook, 401, client_key="nobody")


@pytest.mark.parametrize("skew", [-600, 600], ids=["10-min-old", "10-min-ahead"])
@pytest.mark.parametrize("hook", ALL_HOOKS)
def test_timestamp_off_by_ten_minutes(db, hosts, hook, skew):
    _refused(db, hosts[0], hook, 401, now=time.time() + skew)


@pytest.mark.parametrize(
    "headers",
    [{"webhook-timestamp": "soon"}, {"webhook-signature": "v1,***"}, {"webhook-id": "a b"}],
    ids=["timestamp", "signature", "id"],
)
@pytest.mark.parametrize("hook", ALL_HOOKS)
def test_malformed_header(db, hosts, hook, headers):
    _refused(db, hosts[0], hook, 400, headers=headers)


@pytest.mark.parametrize("hook", POST_HOOKS)
def test_oversized_body(db, hosts, hook):
    mine = hosts[0]
    _method, path, _body, secret = POST_HOOKS[hook]
    before = row_counts(db)
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = mine.call("POST", path, big, secret=secret(mine))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert row_counts(db) == before


@pytest.mark.parametrize("hook", ["export", "import", "installed"])
def test_replayed_webhook_id_answers_200_and_changes_nothing(db, hosts, hook):
    mine = hosts[0]
    first = _send(mine, hook, webhook_id="msg_replay_1")
    assert first.status_code in (200, 201, 202)
    before = row_counts(db)
    again = _send(mine, hook, webhook_id="msg_replay_1")
    assert again.status_code == 200
    assert again.json == first.json  # the answer the first call got
    assert again.headers["Webhook-Replayed"] == "true"
    assert row_counts(db) == before


def test_the_same_webhook_id_from_two_installations_is_two_calls(hosts):
    mine, other = hosts
    assert mine.export(["daily-hamstring"], webhook_id="msg_shared").status_code == 202
    assert other.export(["daily-hamstring"], webhook_id="msg_shared").status_code == 202


def test_a_refused_call_does_not_burn_its_webhook_id(db, hosts):
    mine = hosts[0]
    bad = mine.export(["no-such-routine"], webhook_id="msg_retry")
    assert bad.status_code == 422
    assert mine.export(["daily-hamstring"], webhook_id="msg_retry").status_code == 202


@pytest.mark.parametrize("path", ["/hooks/export/{push}", "/sessions/{session}"], ids=["push", "session"])
def test_one_installation_cannot_read_anothers_records(hosts, path):
    mine, other = hosts
    push = other.export(["daily-hamstring"]).json["id"]
    session = other.import_session(session_body()).json["id"]
    url = path.format(push=push, session=session)
    assert other.call("GET", url).status_code == 200
    response = mine.call("GET", url)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert mine.call("GET", "/sessions").json == []
