"""A host's whole life over real HTTP against `stretchsync serve` (with its in-process worker).

install (signed) → export (delivered to the host stub by the background job) →
import a session twice (one record) → import a FIT activity → read sessions and
adherence → uninstall (everything of it gone, the other installation untouched).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import requests
from cryptography.fernet import Fernet
from hostkit import session_body
from servers import free_port, running
from sqlalchemy import create_engine, text
from standardwebhooks.webhooks import Webhook
from test_fit_activity import activity, watch_sets_for

from plugin import security
from plugin.store.db import normalise_url

HOST_SECRET = security.generate_secret()


class HttpHost:
    def __init__(self, base: str, client_key: str) -> None:
        self.base, self.client_key, self.secret = base, client_key, security.generate_secret()

    def call(self, method: str, path: str, body: bytes | dict | None = None, **kwargs) -> requests.Response:
        content_type = kwargs.pop("content_type", "application/json")
        secret = kwargs.pop("secret", self.secret)
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        headers = {"X-Client-Key": self.client_key, "Content-Type": content_type}
        headers.update(security.sign_headers(secret, raw))
        return requests.request(
            method, self.base + path, data=raw or None, headers=headers, timeout=10, **kwargs
        )

    def install(self, stub_url: str, plan: dict | None = None) -> requests.Response:
        body = {
            "clientKey": self.client_key,
            "tracker": "host",
            "sharedSecret": self.secret,
            "baseUrl": stub_url,
        }
        if plan:
            body["plan"] = plan
        return self.call("POST", "/lifecycle/installed", body, secret=HOST_SECRET)


def _exe() -> str:
    exe = shutil.which("stretchsync", path=os.path.dirname(sys.executable)) or shutil.which("stretchsync")
    assert exe, "the stretchsync console script is not installed"
    return exe


@pytest.fixture
def service_env(database_config, tmp_path) -> dict:
    """The environment every stretchsync process of one test shares (database, secrets, queue)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env.update(
        PLUGIN_DATABASE_URL=database_config["DATABASE_URL"],
        PLUGIN_HOST_SECRETS=HOST_SECRET,
        PLUGIN_SECRET_KEY=Fernet.generate_key().decode(),
        PLUGIN_HUEY_NAME="flow-" + uuid.uuid4().hex[:8],
        PLUGIN_HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
        PLUGIN_PUSH_BACKOFF_BASE_S="0.05",
        PLUGIN_ALLOW_PRIVATE_HOSTS="true",  # the host stand-in listens on loopback
    )
    if database_config.get("DATABASE_SCHEMA"):
        env["PLUGIN_DATABASE_SCHEMA"] = database_config["DATABASE_SCHEMA"]
    return env


@pytest.fixture
def server(service_env, tmp_path):
    env, exe, port = service_env, _exe(), free_port()
    base = f"http://127.0.0.1:{port}"
    with running([exe, "serve", "--port", str(port)], base + "/healthz", tmp_path / "serve.log", env):
        yield base


def _rows(database_config: dict, table: str) -> int:
    engine = create_engine(normalise_url(database_config["DATABASE_URL"]))
    schema = database_config.get("DATABASE_SCHEMA")
    name = f'"{schema}".{table}' if schema else table
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
    engine.dispose()
    return count


def test_a_host_installs_exports_imports_reads_and_uninstalls(server, httpserver, database_config):
    stub = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_json(
        {"id": "h-1"}, status=201
    )
    host, other = HttpHost(server, "flow-host"), HttpHost(server, "flow-other")
    plan = {"routines": ["contract-relax"], "times": ["07:30"], "timezone": "Europe/Berlin"}
    assert host.install(stub, plan).status_code == 201
    assert other.install(stub).status_code == 201

    accepted = host.call("POST", "/hooks/export", {"routines": ["contract-relax"]})
    assert accepted.status_code == 202
    deadline = time.monotonic() + 30
    while (status := host.call("GET", f"/hooks/export/{accepted.json()['id']}").json())[
        "status"
    ] != "delivered":
        assert status["status"] in ("pending", "running") and time.monotonic() < deadline, status
        time.sleep(0.1)
    assert status["remote_ids"] == {"contract-relax": {"routine": "h-1"}}
    ((request, _),) = httpserver.log
    sent = Webhook(host.secret).verify(request.get_data(), dict(request.headers))
    assert sent["id"] == "contract-relax"
    assert {c["kind"] for c in sent["cautions"]} >= {"stop"}
    assert other.call("GET", f"/hooks/export/{accepted.json()['id']}").status_code == 404

    body = session_body("flow-1", routine="contract-relax", pain=7)
    first = host.call("POST", "/hooks/import", body)
    again = host.call("POST", "/hooks/import", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["caution"]["stop_rules"]
    fit = activity(watch_sets_for("contract-relax"), workout_name="Contract-relax hamstring")
    assert host.call("POST", "/hooks/import", fit, content_type="application/vnd.ant.fit").status_code == 201
    assert other.call("POST", "/hooks/import", session_body("other-1")).status_code == 201

    sessions = host.call("GET", "/sessions").json()
    assert sorted(s["source"] for s in sessions) == ["fit", "host"]
    report = host.call("GET", "/adherence", params={"days": 7}).json()
    assert report["completed"] >= 1 and report["flagged"][0]["caution"]["pain"] == 7

    assert host.call("POST", "/lifecycle/uninstalled").status_code == 204
    assert host.call("GET", "/sessions").status_code == 401
    assert _rows(database_config, "installations") == 1
    assert _rows(database_config, "completed_sessions") == 1
    assert _rows(database_config, "pushes") == 0
    assert [s["source_id"] for s in other.call("GET", "/sessions").json()] == ["other-1"]


def test_the_worker_command_delivers_what_the_cli_queued(service_env, httpserver, tmp_path):
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_json(
        {"id": "w-1"}, status=201
    )
    exe, env = _exe(), service_env

    def run(*args: str) -> str:
        done = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()

    run("db", "upgrade")
    key = run("install", "host", "--base-url", httpserver.url_for("/").rstrip("/"), "--routines", "disc-safe")
    run("push", key)  # queued only: nothing is sent until a worker runs
    assert httpserver.log == []
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [exe, "worker", "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while not httpserver.log:
                assert worker.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "worker.log"
                ).read_text()
                time.sleep(0.1)
        finally:
            worker.terminate()
            worker.wait(timeout=15)
    ((request, _),) = httpserver.log
    assert json.loads(request.get_data())["id"] == "disc-safe"
    listed = json.loads(run("sessions", key, "--json"))
    assert listed == []
