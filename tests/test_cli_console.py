"""The installed `stretchsync` script on a fresh database, as a new user runs it (README, wger section).

Each run is a process of its own: what a user sees is exactly its exit code, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from servers import free_port
from sqlalchemy import text
from test_trackers_wger_routine_api import RoutineApi

from plugin.store.db import make_database


@pytest.fixture(scope="module")
def exe() -> str:
    found = shutil.which("stretchsync", path=os.path.dirname(sys.executable)) or shutil.which("stretchsync")
    if found is None:
        pytest.fail("the stretchsync console script is not installed")
    return found


@pytest.fixture
def env(database_config, tmp_path) -> dict[str, str]:
    """The environment of a fresh instance: an empty database, nothing migrated."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLUGIN_") and k not in ("FLASK_DEBUG", "STRETCHSYNC_DEBUG")
    }
    clean["PLUGIN_DATABASE_URL"] = database_config["DATABASE_URL"]
    if "DATABASE_SCHEMA" in database_config:
        clean["PLUGIN_DATABASE_SCHEMA"] = database_config["DATABASE_SCHEMA"]
    # Set, so that no key file is generated into the package's instance folder.
    clean["PLUGIN_SECRET_KEY"] = Fernet.generate_key().decode()
    clean["PLUGIN_HUEY_SQLITE_PATH"] = str(tmp_path / "huey.db")
    clean["PLUGIN_PUSH_MAX_ATTEMPTS"] = "1"
    clean["PLUGIN_ALLOW_PRIVATE_HOSTS"] = "true"  # the wger peer listens on loopback
    return clean


@pytest.fixture
def stretchsync(exe, env, tmp_path):
    def run(*args: str, **overrides: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [exe, *args],
            env={**env, **overrides},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def wger_url(httpserver) -> str:
    httpserver.expect_request(re.compile(r"/api/v2/.*")).respond_with_handler(RoutineApi())
    return httpserver.url_for("/").rstrip("/")


def assert_one_error_line(done: subprocess.CompletedProcess, code: int) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("stretchsync: "), done.stderr
    return lines[0]


def test_install_wger_on_a_fresh_database_needs_no_db_upgrade(stretchsync, wger_url):
    installed = stretchsync(
        "install", "wger", "--base-url", wger_url, "--token", "good-token", "--routines", "daily-hamstring"
    )
    assert installed.returncode == 0, installed.stderr
    assert installed.stderr == ""
    key = installed.stdout.strip()
    assert re.fullmatch(r"wger-[0-9a-f]{12}", key)

    listed = stretchsync("sessions", key, "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    pushed = stretchsync("push", key, "--wait")
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout.split("\n", 1)[1])["status"] == "delivered"


WGER = ["install", "wger", "--base-url", "http://127.0.0.1:9", "--token", "t"]


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["install", "wger", "--base-url"], 2, "Option '--base-url' requires an argument."),
        ([*WGER, "--routines", "nope"], 65, "unknown routine 'nope' (plan.routines.0)"),
    ],
)
def test_a_wrong_argument_prints_one_line(stretchsync, args, code, error):
    assert error in assert_one_error_line(stretchsync(*args), code)


def test_an_unreachable_server_prints_one_line(stretchsync):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    installed = stretchsync("install", "wger", "--base-url", url, "--token", "t", "--client-key", "k")
    assert installed.returncode == 0, installed.stderr
    line = assert_one_error_line(stretchsync("sync", "k", "--wait"), 1)
    assert line == f"stretchsync: sync failed: wger API root: cannot reach {url}: Connection refused"


def test_a_database_at_a_closed_port_prints_one_line(stretchsync):
    port = free_port()
    url = f"postgresql+psycopg://postgres:secret-pw@127.0.0.1:{port}/stretchsync"
    done = stretchsync(
        *WGER, "--routines", "daily-hamstring", PLUGIN_DATABASE_URL=url, PLUGIN_DATABASE_SCHEMA=""
    )
    line = assert_one_error_line(done, 69)
    assert line.startswith(
        f"stretchsync: cannot reach the database at postgresql+psycopg://postgres@127.0.0.1:{port}/"
    )
    assert "Connection refused" in line and "secret-pw" not in done.stderr


def test_an_internal_error_shows_its_traceback_only_when_asked(stretchsync, database_config):
    # The database of a newer stretchsync: a revision this code does not know.
    assert stretchsync("sessions", "k").returncode == 66  # migrated on the way
    db = make_database(database_config["DATABASE_URL"], database_config.get("DATABASE_SCHEMA"))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.engine.dispose()
    quiet = stretchsync("sessions", "k")
    assert assert_one_error_line(quiet, 70) == (
        "stretchsync: internal error: CommandError: Can't locate revision identified by '9999'"
    )
    loud = stretchsync("sessions", "k", STRETCHSYNC_DEBUG="1")
    assert loud.returncode == 70 and loud.stderr.startswith("Traceback (most recent call last):")
    assert loud.stderr.splitlines()[-1] == quiet.stderr.strip()


def test_commands_started_at_once_on_a_fresh_database_all_migrate_it(exe, env, tmp_path, wger_url):
    """Two first commands at the same moment: one migrates, the other waits and finds it done."""
    runs = [
        subprocess.Popen(
            [exe, "install", "wger", "--base-url", wger_url, "--token", "t", "--client-key", f"k{n}"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outcomes = [(*proc.communicate(timeout=120), proc.returncode) for proc in runs]
    assert [(code, out.strip(), err) for out, err, code in outcomes] == [(0, f"k{n}", "") for n in range(3)]
