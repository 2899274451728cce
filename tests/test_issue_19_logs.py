"""Issue 19, finding 11 (logs and stored answers): no calendar, manage or done token in gunicorn's
access log when it runs with the package's configuration, and no Strava connect link in clear in
the stored answer a replayed call gets."""

from __future__ import annotations

import json
import os
import shutil
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hostkit import PLAN, Host, host_config
from servers import free_port, running
from sqlalchemy import select

from plugin.redaction import REDACTED, redact_text, redact_uri
from plugin.store import migrate
from plugin.store.db import make_database
from plugin.store.installations import SeenWebhookRow

TOKEN = "Zq3x_9kPq2LmNw8RtY4vBs"  # the shape secrets.token_urlsafe(16) gives
FERNET = "gAAAAABnX2Z1c2VkLXRpY2tldC1mb3ItdGVzdHMtb25seQ=="


@pytest.mark.parametrize(
    ("uri", "kept"),
    [
        (f"/calendars/{TOKEN}.ics", "/calendars/[redacted].ics"),
        (f"/calendars/{TOKEN}", "/calendars/[redacted]"),
        (f"/calendars/{TOKEN}/caldav", "/calendars/[redacted]/caldav"),
        (f"/calendars/{TOKEN}/fhir", "/calendars/[redacted]/fhir"),
        ("/calendars/lowercaseonlyslugtokenxyz.ics", "/calendars/[redacted].ics"),
        (f"/manage/{TOKEN}", "/manage/[redacted]"),
        (f"/done/{TOKEN}/daily-hamstring/{TOKEN}", "/done/[redacted]/[redacted]/[redacted]"),
        (f"/adherence/{TOKEN}", "/adherence/[redacted]"),
        (f"/some/future/path/{TOKEN}/x", "/some/future/path/[redacted]/x"),
        (f"/connect/strava?ticket={FERNET}", "/connect/strava?ticket=[redacted]"),
        (
            "/connect/strava/callback?state=s&code=c0de&scope=read",
            "state=[redacted]&code=[redacted]&scope=read",
        ),
        (f"/anything?token=short&x={TOKEN}&y=plain", "token=[redacted]&x=[redacted]&y=plain"),
        (
            f"https://stretch.example/calendars/{TOKEN}.ics",
            "https://stretch.example/calendars/[redacted].ics",
        ),
        ("/routines/daily-hamstring/export/ics", "/routines/daily-hamstring/export/ics"),
        ("/exercises/seated-hamstring-reach", "/exercises/seated-hamstring-reach"),
        ("/calendars", "/calendars"),
        ("/sessions?from=2026-11-01T00:00:00Z&routine=daily-hamstring", "routine=daily-hamstring"),
    ],
)
def test_redaction_cuts_tokens_and_keeps_the_rest(uri, kept):
    redacted = redact_uri(uri)
    assert kept in redacted
    assert TOKEN not in redacted and FERNET not in redacted and "c0de" not in redacted


def test_a_real_done_link_is_redacted_whole():
    from plugin.services import done_links

    link = done_links.path(b"k" * 32, "cal_1234", "daily-hamstring")
    signature = link.rsplit("/", 1)[1]
    assert redact_uri(link) == "/done/[redacted]/[redacted]/[redacted]" and signature not in redact_uri(link)


def test_redaction_finds_urls_in_free_text():
    line = f'Error handling request /calendars/{TOKEN}.ics from "https://h/manage/{TOKEN}"'
    assert TOKEN not in redact_text(line) and redact_text(line).count(REDACTED) == 2


def test_gunicorn_with_the_package_config_logs_no_token(tmp_path):
    exe = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
    assert exe is not None, "gunicorn is a dependency"
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate.upgrade(make_database(db_url).engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env.update(PLUGIN_DATABASE_URL=db_url, PLUGIN_HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    env["PLUGIN_SECRET_KEY"] = "a passphrase for this test only"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    args = [exe, "-c", "python:plugin.gunicorn_conf", "-b", f"127.0.0.1:{port}", "-w", "1"]
    with running([*args, "plugin:create_app()"], base + "/healthz", log, env, timeout=60):
        created = requests.post(f"{base}/calendars", json=PLAN, timeout=10)
        assert created.status_code == 201
        token = created.json()["token"]
        feed = requests.get(f"{base}/calendars/{token}.ics", timeout=10)
        assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
        shown = requests.get(f"{base}/calendars/{token}", headers={"Referer": f"{base}/x?token={token}"})
        assert shown.status_code == 200
        assert requests.get(f"{base}/adherence/{token}", timeout=10).status_code == 200
        requests.get(f"{base}/connect/strava?ticket={FERNET}", timeout=10, allow_redirects=False)
    text = log.read_text()
    access = [line for line in text.splitlines() if "HTTP/1.1" in line]
    assert any("GET /calendars/[redacted].ics HTTP/1.1" in line for line in access), text
    assert any("POST /calendars HTTP/1.1" in line for line in access), text
    assert any("/connect/strava?ticket=[redacted]" in line for line in access), text
    assert token not in text and FERNET not in text, text


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, STRAVA_CLIENT_ID="1234", STRAVA_CLIENT_SECRET="s3cret")


def test_a_connect_link_is_not_stored_in_clear_and_a_replay_gets_it_back(client, db):
    host = Host(client)
    assert host.install().status_code == 201
    first = host.call("POST", "/hooks/strava/connect", {"postSessions": True}, webhook_id="msg_connect1")
    assert first.status_code == 201
    url = first.get_json()["url"]
    ticket = parse_qs(urlsplit(url).query)["ticket"][0]
    with db.unit_of_work() as session:
        stored = [json.dumps(row.answer) for row in session.scalars(select(SeenWebhookRow))]
    assert stored and not any(ticket in answer or url in answer for answer in stored), stored
    again = host.call("POST", "/hooks/strava/connect", {"postSessions": True}, webhook_id="msg_connect1")
    assert again.status_code == 200 and again.headers["Webhook-Replayed"] == "true"
    assert again.get_json() == {"url": url}
