"""What every `stretchsync` command shares: one line and an exit code for every error, and a
database schema brought up to date before a command first touches it.

The exit codes follow sysexits(3) where one fits; `stretchsync --help` lists them.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import traceback
from collections.abc import Callable
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import click
import requests
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask.helpers import get_debug_flag
from sqlalchemy import URL
from sqlalchemy.exc import InterfaceError, OperationalError

from plugin.errors import (
    Forbidden,
    Gone,
    Internal,
    InvalidInput,
    Malformed,
    NotFound,
    StretchsyncError,
    Unauthenticated,
    Unavailable,
)
from plugin.store import migrate
from plugin.store.db import Database
from plugin.trackers.base import TrackerError

EX_TRACKER = 1  # README: "push KEY --wait … exit 1 if it failed"; sync --wait says the same
EX_USAGE = 2  # click's own code for usage errors
EX_DATAERR = 65
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_IOERR = 74
EX_NOPERM = 77

# First match wins: SecretMissing is Unavailable and ValueError, SecretUnreadable is Internal.
DOMAIN_EXIT_CODES: tuple[tuple[type[StretchsyncError], int], ...] = (
    (NotFound, EX_NOINPUT),
    (Gone, EX_NOINPUT),
    (InvalidInput, EX_DATAERR),
    (Malformed, EX_DATAERR),
    (Unauthenticated, EX_NOPERM),
    (Forbidden, EX_NOPERM),
    (Unavailable, EX_UNAVAILABLE),
    (Internal, EX_SOFTWARE),
)

SCHEMA_CURRENT = "stretchsync.schema_current"

F = TypeVar("F", bound=Callable[..., Any])


class OneLine(click.ClickException):
    """An error shown as one line on stderr, ending the command with ``exit_code``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(one_line(message))
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"stretchsync: {self.format_message()}", err=True, file=file)


class StretchsyncGroup(FlaskGroup):
    """The command group: the one place where an exception becomes one line and an exit code."""

    # The commands are all ours: looking up or listing them (--help, a typo) must not build
    # the app, which FlaskGroup does to find app.cli commands (and shows its traceback).
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return click.Group.list_commands(self, ctx)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as err:
            raise usage_failure(err) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.exceptions.NoArgsIsHelpError, OneLine):
            raise
        except click.UsageError as err:
            raise usage_failure(err) from None
        except click.ClickException as err:
            raise OneLine(err.format_message(), err.exit_code) from None
        except Exception as err:
            if isinstance(err, OSError) and err.errno == errno.EPIPE:
                raise  # click quiets a closed pipe (`stretchsync routines | head`)
            if debug_wanted():
                traceback.print_exc()
            url = _database_url(ctx) if isinstance(err, OperationalError | InterfaceError) else None
            message, code = describe(err, url)
            raise OneLine(message, code) from None


def describe(err: Exception, database_url: str | None = None) -> tuple[str, int]:
    """The one line and the exit code for ``err``."""
    if isinstance(err, TrackerError):  # first: a tracker's failure is a domain error too
        return tracker_reason(err), EX_TRACKER
    if isinstance(err, StretchsyncError):
        where = f" ({err.field})" if err.field and err.field not in err.message else ""
        code = next((c for kind, c in DOMAIN_EXIT_CODES if isinstance(err, kind)), EX_SOFTWARE)
        return err.message + where, code
    if isinstance(err, OperationalError | InterfaceError):
        return database_failure(err, database_url), EX_UNAVAILABLE
    if _is_redis_connection_error(err):
        return f"cannot reach the job queue (PLUGIN_REDIS_URL): {err}", EX_UNAVAILABLE
    if isinstance(err, OSError) and err.strerror:
        where = f": {err.filename}" if err.filename else ""
        return f"{err.strerror}{where}", EX_IOERR
    return f"internal error: {type(err).__name__}: {err}", EX_SOFTWARE


def usage_failure(err: click.UsageError) -> OneLine:
    hint = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
    return OneLine(err.format_message() + hint, err.exit_code)


def tracker_failure(doing: str, tracker: str, err: TrackerError) -> OneLine:
    """``<doing> failed: <tracker>: <reason>`` with exit code 1."""
    return OneLine(f"{doing} failed: {named(tracker, tracker_reason(err))}", EX_TRACKER)


def named(tracker: str, reason: str) -> str:
    """``reason``, prefixed with the tracker's name unless it starts with it already."""
    return reason if reason.lower().startswith(tracker.lower()) else f"{tracker}: {reason}"


def tracker_reason(err: TrackerError) -> str:
    """A tracker's failure in one line; a network failure as its root cause, not urllib3's wrapping."""
    cause = err.__cause__
    if not isinstance(cause, requests.ConnectionError | requests.Timeout):
        return err.message
    # trackers.base.send words it "<what>: <exception class>: <exception>".
    what = err.message.split(f": {type(cause).__name__}: ", 1)[0]
    request = cause.request
    origin = _origin(str(request.url)) if request is not None and request.url else "the server"
    if isinstance(cause, requests.ConnectionError):
        return f"{what}: cannot reach {origin}: {_root_reason(cause)}"
    return f"{what}: no answer from {origin} in time"


def database_failure(err: OperationalError | InterfaceError, url: str | None) -> str:
    """``cannot reach the database at <url without password>: <reason>``."""
    at = f" at {url}" if url else ""
    reason = one_line(str(err.orig)) if err.orig is not None else one_line(str(err))
    # SQLAlchemy keeps no statement for a failure to connect; with one, the database answered.
    if err.statement is None:
        return f"cannot reach the database{at}: {reason}"
    return f"the database{at} failed: {reason}"


def one_line(text: str) -> str:
    """``text`` with its line breaks folded (psycopg adds a hint on a second line)."""
    return re.sub(r"\s*\n\s*", "; ", text.strip())


def debug_wanted() -> bool:
    """--debug (which sets FLASK_DEBUG) or STRETCHSYNC_DEBUG=1: show tracebacks."""
    return get_debug_flag() or os.environ.get("STRETCHSYNC_DEBUG", "").lower() in ("1", "true", "yes")


def with_database(command: F) -> F:
    """Run ``command`` in the app context after bringing the schema up to date (once per process)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        ensure_schema(current_app)
        return command(*args, **kwargs)

    return with_appcontext(run)  # type: ignore[return-value]


def ensure_schema(app: Flask) -> Database:
    """The app's database, migrated to the newest revision the first time it is asked for."""
    db: Database = app.extensions["stretchsync.db"]
    if not app.extensions.get(SCHEMA_CURRENT):
        migrate.ensure_current(db.engine)
        app.extensions[SCHEMA_CURRENT] = True
    return db


def database_url(app: Flask) -> str:
    """The app's database URL without its password (for messages)."""
    url = app.extensions["stretchsync.db"].engine.url
    # URL.set(password=None) would keep the password: None there means "unchanged".
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def _database_url(ctx: click.Context) -> str | None:
    info = ctx.find_object(ScriptInfo)
    try:
        # A database error means the app was built: load_app() hands back that one.
        return database_url(info.load_app()) if info is not None else None
    except Exception:  # noqa: BLE001 - the message goes without the URL rather than not at all
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _root_reason(err: BaseException) -> str:
    """The innermost socket error under requests → urllib3 → socket (e.g. "Connection refused")."""
    seen: set[int] = set()
    stack: list[Any] = [err]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno and current.strerror:
            return current.strerror  # ECONNREFUSED, or a gaierror: "Name or service not known"
        if isinstance(current, TimeoutError):
            return "timed out"
        # urllib3 keeps the cause as MaxRetryError.reason; requests as its first argument.
        stack += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return one_line(str(err))


def _is_redis_connection_error(err: Exception) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
    except ImportError:  # redis is only there with a Redis queue
        return False
    return isinstance(err, RedisConnectionError)
