"""The operator's commands: install, push --wait, sync, sessions, uninstall."""

from __future__ import annotations

import json

import pytest
from hostkit import Host, host_config, row_counts, session_body

from plugin import catalog, i18n
from plugin.services import installations
from plugin.store.installations import by_client_key


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, PUSH_BACKOFF_BASE_S=0.01, PUSH_MAX_ATTEMPTS=2)


def install(runner, httpserver, *extra: str) -> str:
    result = runner.invoke(
        args=[
            "install",
            "host",
            "--base-url",
            httpserver.url_for("/").rstrip("/"),
            "--routines",
            "daily-hamstring,trunk-rotation",
            "--times",
            "07:30,19:00",
            "--timezone",
            "Europe/Berlin",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_install_prints_a_client_key_and_stores_the_plan(runner, httpserver, db):
    key = install(runner, httpserver, "--client-key", "desk-1")
    assert key == "desk-1"
    with db.unit_of_work() as session:
        plan = installations.plan_spec(session, by_client_key(session, key))
    assert plan["routines"] == ["daily-hamstring", "trunk-rotation"]
    assert plan["times"] == ["07:30", "19:00"] and plan["timezone"] == "Europe/Berlin"


def test_install_prints_the_plans_feed_url_when_asked(runner, httpserver, client):
    key, url = install(runner, httpserver, "--calendar-url").splitlines()
    feed = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"


def test_install_with_a_bad_field_fails_and_names_it(runner, db):
    result = runner.invoke(args=["install", "host", "--base-url", "http://h", "--routines", "nope"])
    assert result.exit_code != 0 and "plan.routines.0" in result.output
    assert row_counts(db)["installations"] == 0


def test_push_wait_delivers_the_plans_routines(runner, httpserver):
    key = install(runner, httpserver)
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_json(
        {"id": "x"}, status=201
    )
    result = runner.invoke(args=["push", key, "--wait"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output.split("\n", 1)[1])
    assert answer["status"] == "delivered"
    assert set(answer["remote_ids"]) == {"daily-hamstring", "trunk-rotation"}
    assert sorted(json.loads(r.get_data())["id"] for r, _ in httpserver.log) == [
        "daily-hamstring",
        "trunk-rotation",
    ]


def test_push_wait_exits_non_zero_when_the_push_failed(runner, httpserver):
    key = install(runner, httpserver)
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_data("no", status=503)
    result = runner.invoke(args=["push", key, "--routines", "disc-safe", "--wait"])
    assert result.exit_code == 1
    answer = json.loads(result.stdout.split("\n", 1)[1])
    assert answer["status"] == "failed" and answer["attempts"] == 2 and "HTTP 503" in answer["last_error"]
    assert result.stderr.splitlines() == [f"stretchsync: push {answer['id']} failed: {answer['last_error']}"]


def test_push_without_wait_queues_and_prints_the_push_id(runner, httpserver, db):
    key = install(runner, httpserver)
    result = runner.invoke(args=["push", key])
    assert result.exit_code == 0
    assert len(result.output.strip()) == 32
    assert row_counts(db)["pushes"] == 1


def test_sessions_lists_and_sync_wait_pulls_nothing_from_a_host(runner, client, httpserver):
    host = Host(client)
    host.install()
    host.import_session(session_body("one", pain=8))
    listed = runner.invoke(args=["sessions", host.client_key])
    assert "daily-hamstring" in listed.output and "pain 8" in listed.output and "SEE CAUTION" in listed.output
    as_json = json.loads(runner.invoke(args=["sessions", host.client_key, "--json"]).output)
    assert [s["source_id"] for s in as_json] == ["one"]
    synced = runner.invoke(args=["sync", host.client_key, "--wait"])
    assert synced.exit_code == 0 and json.loads(synced.output)["new"] == 0


def test_uninstall_erases_and_unknown_keys_fail_cleanly(runner, client, db):
    host = Host(client)
    host.install()
    host.import_session(session_body())
    result = runner.invoke(args=["uninstall", host.client_key])
    assert result.exit_code == 0
    assert row_counts(db)["completed_sessions"] == 0 and row_counts(db)["installations"] == 0
    assert runner.invoke(args=["uninstall", host.client_key]).exit_code == 0
    for command in (["push", "nobody"], ["sessions", "nobody"], ["sync", "nobody"]):
        failed = runner.invoke(args=command)
        assert failed.exit_code != 0 and "no installation 'nobody'" in failed.output


def test_an_installation_in_german_gets_german_texts(runner, httpserver, client, db):
    key, url = install(runner, httpserver, "--language", "de", "--calendar-url").splitlines()
    with db.unit_of_work() as session:
        assert installations.plan_spec(session, by_client_key(session, key))["language"] == "de"
    feed = client.get(url.removeprefix("http://127.0.0.1:8000")).get_data(as_text=True)
    assert "WARNHINWEISE (zuerst lesen)" in feed.replace("\r\n ", "")
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_json(
        {"id": "x"}, status=201
    )
    result = runner.invoke(args=["push", key, "--wait"])
    assert result.exit_code == 0, result.output
    sent = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert sorted(body["id"] for body in sent) == ["daily-hamstring", "trunk-rotation"]  # ids stay
    stop_rule = catalog.builtin_routine("trunk-rotation").cautions[0]
    for body in sent:
        text = json.dumps(body, ensure_ascii=False)
        assert i18n.language("de").gettext(stop_rule.text) in text
        assert stop_rule.text not in text


def test_a_language_needs_a_plan(runner, db):
    result = runner.invoke(args=["install", "host", "--base-url", "http://h", "--language", "fr"])
    assert result.exit_code != 0 and "--language" in result.output
    assert row_counts(db)["installations"] == 0
