"""Every command on a fresh folder, and every error as one line and an exit code (plugin/cli_base.py).

The app here is built but never migrated, as on a fresh clone: the commands must do it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskCliRunner
from servers import free_port
from sqlalchemy import inspect, text
from test_trackers_wger_routine_api import RoutineApi

from plugin import catalog, create_app, crypto, errors
from plugin.cli import main
from plugin.cli_base import describe, ensure_schema
from plugin.services import installations
from plugin.store import migrate
from plugin.store.installations import by_client_key
from plugin.trackers.base import TrackerError


class StretchsyncRunner(FlaskCliRunner):
    """Invokes the `stretchsync` group against one app (tests/conftest.py has the same for `runner`)."""

    def invoke(self, cli=None, args=None, **kwargs):  # type: ignore[override]
        return super().invoke(cli or main, args, **kwargs)


def build_app(config: dict, tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("PLUGIN_") or key in ("FLASK_DEBUG", "STRETCHSYNC_DEBUG"):
            monkeypatch.delenv(key)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": Fernet.generate_key().decode(),
            "HUEY_NAME": "t-" + uuid.uuid4().hex[:12],
            "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
            "PUSH_MAX_ATTEMPTS": 1,
            "ALLOW_PRIVATE_HOSTS": True,  # the wger peer listens on loopback
            **config,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture
def fresh_app(database_config, tmp_path, monkeypatch):
    """An app on an empty database: no tables, no alembic_version."""
    app = build_app(database_config, tmp_path, monkeypatch)
    yield app
    app.extensions["stretchsync.db"].engine.dispose()


@pytest.fixture
def fresh(fresh_app):
    return StretchsyncRunner(fresh_app)


@pytest.fixture
def closed_port() -> int:
    return free_port()


def tables(app) -> set[str]:
    return set(inspect(app.extensions["stretchsync.db"].engine).get_table_names())


def one_error_line(result) -> str:
    """The single stderr line of a failed command; fails on a traceback or anything more."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stretchsync: ") and "Traceback" not in result.output
    return lines[0]


def wger_install_args(base_url: str, key: str = "k1", *extra: str) -> list[str]:
    return [
        "install",
        "wger",
        "--client-key",
        key,
        "--base-url",
        base_url,
        "--token",
        "good-token",
        "--routines",
        "daily-hamstring",
        *extra,
    ]


@pytest.fixture
def wger(httpserver):
    """A wger 2.3 account on loopback (tests/test_trackers_wger_routine_api.py)."""
    api = RoutineApi()
    httpserver.expect_request(re.compile(r"/api/v2/.*")).respond_with_handler(api)
    return api


# --- a fresh folder ---------------------------------------------------------------------


def test_install_wger_on_a_fresh_folder_migrates_then_push_and_sync_work(fresh, fresh_app, httpserver, wger):
    assert "installations" not in tables(fresh_app)
    base_url = httpserver.url_for("/").rstrip("/")
    installed = fresh.invoke(args=wger_install_args(base_url))
    assert installed.exit_code == 0, installed.output
    assert installed.stdout == "k1\n" and installed.stderr == ""
    assert migrate.is_current(fresh_app.extensions["stretchsync.db"].engine)
    with fresh_app.extensions["stretchsync.db"].unit_of_work() as session:
        assert installations.plan_spec(session, by_client_key(session, "k1"))["routines"] == [
            "daily-hamstring"
        ]

    pushed = fresh.invoke(args=["push", "k1", "--wait"])
    assert pushed.exit_code == 0, pushed.output
    assert json.loads(pushed.stdout.split("\n", 1)[1])["status"] == "delivered"
    assert len(wger.posted("routine")) == 1

    synced = fresh.invoke(args=["sync", "k1", "--wait"])
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout) == {"new": 0, "updated": 0, "repeated": 0, "deleted": 0, "skipped": 0}


@pytest.mark.parametrize(
    ("args", "code", "stdout", "error"),
    [
        (["sessions", "nobody"], 66, "", "no installation 'nobody' (clientKey)"),
        (["sessions", "nobody", "--json"], 66, "", "no installation 'nobody' (clientKey)"),
        (["push", "nobody", "--wait"], 66, "", "no installation 'nobody' (clientKey)"),
        (["sync", "nobody", "--wait"], 66, "", "no installation 'nobody' (clientKey)"),
        (["sync", "nobody"], 66, "", "no installation 'nobody' (clientKey)"),
        (["uninstall", "nobody"], 0, "no installation nobody; nothing to erase\n", None),
        (["db", "upgrade"], 0, "database at head\n", None),
    ],
)
def test_commands_on_a_fresh_folder_answer_cleanly(fresh, fresh_app, args, code, stdout, error):
    result = fresh.invoke(args=args)
    assert result.exit_code == code
    assert result.stdout == stdout
    if error is None:
        assert result.stderr == ""
    else:
        assert one_error_line(result) == f"stretchsync: {error}"
    assert {"installations", "completed_sessions", "alembic_version"} <= tables(fresh_app)


def test_routines_on_a_fresh_folder_lists_the_built_ins(fresh):
    result = fresh.invoke(args=["routines", "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert [r["id"] for r in json.loads(result.stdout)] == [r.id for r in catalog.builtin_routines()]


def test_the_schema_is_checked_once_per_process(fresh, fresh_app):
    assert fresh.invoke(args=["sessions", "nobody"]).exit_code == 66
    # Dropped behind the command's back: a second command in this process trusts its first check.
    with fresh_app.extensions["stretchsync.db"].engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    assert fresh.invoke(args=["sessions", "nobody"]).exit_code == 66
    with fresh_app.extensions["stretchsync.db"].engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0


def test_first_commands_at_the_same_moment_migrate_once(database_config, tmp_path, monkeypatch):
    """Four apps (as four processes would) bring one empty database up to date at once."""
    apps = [build_app(database_config, tmp_path / str(n), monkeypatch) for n in range(4)]
    start = threading.Barrier(len(apps))
    failures: list[BaseException] = []

    def first_command(app) -> None:
        start.wait()
        try:
            ensure_schema(app)
        except BaseException as err:  # noqa: BLE001 - collected for the assertion below
            failures.append(err)

    threads = [threading.Thread(target=first_command, args=(app,), daemon=True) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and not any(thread.is_alive() for thread in threads)
    assert all(migrate.is_current(app.extensions["stretchsync.db"].engine) for app in apps)
    for app in apps:
        app.extensions["stretchsync.db"].engine.dispose()


# --- one line and an exit code ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["install"], 2, "Missing argument 'TRACKER'. (see 'stretchsync install --help')"),
        (["install", "wger", "--token", "t"], 2, "Missing option '--base-url'."),
        (["install", "wger", "--base-url", "http://h", "--bogus"], 2, "No such option '--bogus'."),
        (["serve", "--port", "eighty"], 2, "'eighty' is not a valid integer"),
        (
            ["install", "wger", "--base-url", "http://h", "--credential", "fallback_exercise"],
            2,
            "Invalid value for '--credential': 'fallback_exercise' is not NAME=VALUE",
        ),
        (["export", "--routine", "disc-safe"], 2, "give --routine and --format, or --all DIR"),
        (["export", "--routine", "disc-safe", "--format", "docx"], 2, "'docx' is not one of"),
        (["stretch"], 2, "No such command 'stretch'. (see 'stretchsync --help')"),
        (
            ["db", "downgrade"],
            2,
            "No such command 'downgrade'. Did you mean 'upgrade'? (see 'stretchsync db --help')",
        ),
        (
            ["install", "wger", "--base-url", "http://h", "--token", "t", "--routines", "nope"],
            65,
            "unknown routine 'nope' (plan.routines.0)",
        ),
        (
            [
                "install",
                "wger",
                "--base-url",
                "http://h",
                "--token",
                "t",
                "--routines",
                "disc-safe",
                "--times",
                "7h",
            ],
            65,
            "(plan.times.0)",
        ),
        (["install", "garmin", "--base-url", "http://h"], 65, "unknown tracker 'garmin'"),
        (["install", "wger", "--base-url", "http://h"], 65, "wger needs credentials.token"),
        (["install", "wger", "--base-url", "ftp://h", "--token", "t"], 65, "baseUrl must be an http(s) URL"),
        (["show", "nope"], 66, "no routine 'nope' (id)"),
        (["export", "--routine", "nope", "--format", "json"], 66, "no routine 'nope' (id)"),
        (["push", "nobody"], 66, "no installation 'nobody' (clientKey)"),
    ],
)
def test_a_wrong_argument_is_one_line_and_an_exit_code(fresh, fresh_app, args, code, error):
    result = fresh.invoke(args=args)
    assert result.exit_code == code
    assert error in one_error_line(result)
    if "installations" in tables(fresh_app):
        with fresh_app.extensions["stretchsync.db"].engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM installations")).scalar() == 0


def test_an_unreachable_tracker_is_one_line_naming_it(fresh, closed_port):
    assert fresh.invoke(args=wger_install_args(f"http://127.0.0.1:{closed_port}")).exit_code == 0
    synced = fresh.invoke(args=["sync", "k1", "--wait"])
    assert synced.exit_code == 1 and synced.stdout == ""
    assert one_error_line(synced) == (
        "stretchsync: sync failed: wger API root: "
        f"cannot reach http://127.0.0.1:{closed_port}: Connection refused"
    )

    pushed = fresh.invoke(args=["push", "k1", "--wait"])
    assert pushed.exit_code == 1
    record = json.loads(pushed.stdout.split("\n", 1)[1])
    assert record["status"] == "failed"
    line = one_error_line(pushed)
    assert line.startswith(f"stretchsync: push {record['id']} failed: wger API root: ConnectionError: ")
    assert "Connection refused" in line


def test_a_refused_token_is_one_line_with_the_trackers_answer(fresh, httpserver, wger):
    args = wger_install_args(httpserver.url_for("/").rstrip("/"))
    args[args.index("good-token")] = "stale-token"
    assert fresh.invoke(args=args).exit_code == 0
    synced = fresh.invoke(args=["sync", "k1", "--wait"])
    assert synced.exit_code == 1
    assert one_error_line(synced) == (
        'stretchsync: sync failed: wger API root: HTTP 403: {"detail": "Invalid token."}'
    )


def test_a_secret_no_key_can_read_is_an_internal_error(fresh, fresh_app):
    assert fresh.invoke(args=wger_install_args("http://127.0.0.1:9")).exit_code == 0
    fresh_app.config["SECRET_KEY"] = Fernet.generate_key().decode()
    result = fresh.invoke(args=["sync", "k1", "--wait"])
    assert result.exit_code == 70
    assert one_error_line(result) == (
        "stretchsync: a stored secret cannot be decrypted with the configured keys"
    )


# --- a database that cannot be reached ------------------------------------------------------

DATABASE_COMMANDS = [
    ["install", "wger", "--base-url", "http://h", "--token", "t", "--routines", "disc-safe"],
    ["sessions", "k1"],
    ["push", "k1", "--wait"],
    ["sync", "k1", "--wait"],
    ["uninstall", "k1"],
    ["db", "upgrade"],
    ["serve", "--port", "9"],
    ["worker"],
    ["show", "custom-0123456789ab"],
]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda args: args[0])
def test_postgresql_at_a_closed_port_is_one_line_without_the_password(
    args, tmp_path, monkeypatch, closed_port
):
    url = f"postgresql+psycopg://stretch:hunter2@127.0.0.1:{closed_port}/stretchsync"
    app = build_app({"DATABASE_URL": url}, tmp_path, monkeypatch)
    result = StretchsyncRunner(app).invoke(args=args)
    assert result.exit_code == 69
    line = one_error_line(result)
    assert line.startswith(
        f"stretchsync: cannot reach the database at postgresql+psycopg://stretch@127.0.0.1:{closed_port}"
        "/stretchsync: connection failed: "
    )
    assert "Connection refused" in line and "hunter2" not in result.output


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda args: args[0])
def test_sqlite_in_a_missing_folder_is_one_line(args, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}"
    app = build_app({"DATABASE_URL": url}, tmp_path, monkeypatch)
    result = StretchsyncRunner(app).invoke(args=args)
    assert result.exit_code == 69
    assert (
        one_error_line(result)
        == f"stretchsync: cannot reach the database at {url}: unable to open database file"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["show", "daily-hamstring"],
        ["export", "--routine", "trunk-rotation", "--format", "ics"],
        ["export", "--all", "OUT"],
    ],
)
def test_built_in_routines_need_no_database(args, tmp_path, monkeypatch, closed_port):
    app = build_app({"DATABASE_URL": f"postgresql://127.0.0.1:{closed_port}/x"}, tmp_path, monkeypatch)
    result = StretchsyncRunner(app).invoke(args=[str(tmp_path / a) if a == "OUT" else a for a in args])
    assert result.exit_code == 0, result.output
    assert result.stdout and result.stderr == ""


def test_routines_without_a_database_lists_the_built_ins_and_says_what_is_missing(
    tmp_path, monkeypatch, closed_port
):
    app = build_app({"DATABASE_URL": f"postgresql://127.0.0.1:{closed_port}/x"}, tmp_path, monkeypatch)
    result = StretchsyncRunner(app).invoke(args=["routines", "--json"])
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == [r.id for r in catalog.builtin_routines()]
    assert one_error_line(result).startswith(
        "stretchsync: custom routines not listed: cannot reach the database at postgresql+psycopg://"
    )


# --- internal errors ------------------------------------------------------------------------


@pytest.fixture
def newer_database(fresh_app):
    """A database migrated by a newer stretchsync: a revision this code does not know."""
    migrate.upgrade(fresh_app.extensions["stretchsync.db"].engine)
    with fresh_app.extensions["stretchsync.db"].engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))


def test_an_unexpected_error_is_one_line_and_exit_70(fresh, newer_database):
    result = fresh.invoke(args=["sessions", "k1"])
    assert result.exit_code == 70
    assert one_error_line(result) == (
        "stretchsync: internal error: CommandError: Can't locate revision identified by '9999'"
    )


@pytest.mark.parametrize(
    ("options", "environment"), [(["--debug"], {}), ([], {"STRETCHSYNC_DEBUG": "1"})], ids=["flag", "env"]
)
def test_debug_adds_the_traceback(fresh, newer_database, monkeypatch, options, environment):
    monkeypatch.setenv("FLASK_DEBUG", "0")  # --debug sets it; monkeypatch puts it back
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    result = fresh.invoke(args=[*options, "sessions", "k1"])
    assert result.exit_code == 70
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.splitlines()[-1] == (
        "stretchsync: internal error: CommandError: Can't locate revision identified by '9999'"
    )


# --- the mapping itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("err", "code"),
    [
        (errors.InvalidInput("bad time", field="times.0"), 65),
        (errors.InvalidDose("too long", field="hold_s"), 65),
        (errors.Malformed("not JSON"), 65),
        (errors.NotFound("no routine 'x'", field="id"), 66),
        (errors.Gone("revoked"), 66),
        (errors.Unauthenticated("bad signature"), 77),
        (errors.Forbidden("not yours"), 77),
        (crypto.SecretMissing("no secret key"), 69),
        (errors.Unavailable("CalDAV is down"), 69),
        (crypto.SecretUnreadable("unreadable"), 70),
        (TrackerError("Hevy refused the routine: HTTP 401", status=401), 1),
        (FileNotFoundError(2, "No such file or directory", "/x/y.fit"), 74),
        (KeyError("routines"), 70),
    ],
)
def test_each_kind_of_error_has_its_exit_code(err, code):
    message, exit_code = describe(err)
    assert exit_code == code
    assert "\n" not in message and message
