"""The `stretchsync` command: serve, migrate, list, show and export routines.

Errors become one line and an exit code in one place, ``plugin.cli_base.StretchsyncGroup``;
commands that touch the database are wrapped in ``with_database``, which migrates first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import InterfaceError, OperationalError

from plugin import catalog, create_app, i18n
from plugin.catalog import limits
from plugin.catalog.localize import localize
from plugin.catalog.model import Routine
from plugin.cli_base import StretchsyncGroup, database_failure, database_url, ensure_schema, with_database
from plugin.cli_installations import COMMANDS
from plugin.formats import canonical, registry
from plugin.formats.text import routine_text, seconds_phrase
from plugin.jobs import jobs
from plugin.schemas.model import RoutineSchema
from plugin.services import routines as routine_service
from plugin.store import migrate


def _db():
    return current_app.extensions["stretchsync.db"]


@click.group("stretchsync", cls=StretchsyncGroup, create_app=lambda: create_app(), add_default_commands=False)
def main() -> None:
    """stretchsync: stretch routines for the trackers and calendars you already use.

    Commands that use the database migrate it first. An error is one line on
    stderr (add --debug, or set STRETCHSYNC_DEBUG=1, for the traceback of an
    internal error) and one of these exit codes:

    \b
       1  the tracker refused or could not be reached; a --wait push or sync failed
       2  usage: an unknown command or option, a missing or malformed argument
      65  invalid input: an unknown routine or tracker, a bad time, a missing credential
      66  not found: no installation, routine or push by that name
      69  unavailable: the database or job queue is unreachable, no secret key is set
      70  internal error
      74  a file cannot be read or written
      77  not allowed
    """


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations (every other command applies them itself)."""
    migrate.upgrade(_db().engine, revision)
    click.echo(f"database at {revision}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@click.option("--worker/--no-worker", default=True, show_default=True, help="run background jobs in-process")
@with_database
def serve(host: str, port: int, debug: bool, worker: bool) -> None:
    """Migrate the database, then run the development server."""
    from werkzeug.serving import run_simple

    if worker:
        # Development: one consumer thread in this process; production runs `stretchsync worker`.
        jobs(current_app).start_beside_server()
    # app.run() refuses to run under the flask CLI machinery, so serve directly.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    run_simple(host, port, app, threaded=True, use_debugger=debug)


@main.command("routines")
@click.option("--json", "as_json", is_flag=True, help="print the canonical JSON")
@with_appcontext
def list_routines(as_json: bool) -> None:
    """List the routines: the built-in ones, and custom ones when the database can be reached."""
    try:
        with ensure_schema(current_app).unit_of_work() as session:
            found = routine_service.list_routines(session)
    except (OperationalError, InterfaceError) as err:
        # The built-in catalog needs no database; say what is missing rather than fail.
        found = list(catalog.builtin_routines())
        click.echo(
            f"stretchsync: custom routines not listed: {database_failure(err, database_url(current_app))}",
            err=True,
        )
    if as_json:
        click.echo(canonical.dumps(RoutineSchema(many=True).dump(found)))
        return
    for r in found:
        click.echo(f"{r.id:28} {seconds_phrase(r.duration_s):>10}  {r.name}")


@main.command()
@click.argument("routine_id")
@click.option(
    "--language",
    default=i18n.DEFAULT,
    type=click.Choice(i18n.LANGUAGES),
    help="language of the texts (default en)",
)
@with_appcontext
def show(routine_id: str, language: str) -> None:
    """Print one routine readably, cautions first."""
    with i18n.using(language) as lang:
        click.echo(routine_text(localize(_routine(routine_id), lang)))


@main.command()
@click.option("--routine", "routine_id", help="routine id")
@click.option("--format", "fmt", type=click.Choice(registry.names()), help="export format")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="file to write (default stdout)")
@click.option(
    "--week",
    type=click.IntRange(*limits.WEEKS),
    help="the doses of this week of a plan (docs/catalog.md#progression); default the routine's own",
)
@click.option(
    "--all",
    "all_dir",
    type=click.Path(file_okay=False),
    help="write every built-in routine in every format here",
)
@click.option(
    "--language",
    default=i18n.DEFAULT,
    type=click.Choice(i18n.LANGUAGES),
    help="language of the texts (default en)",
)
@with_appcontext
def export(
    routine_id: str | None,
    fmt: str | None,
    output: str | None,
    week: int | None,
    all_dir: str | None,
    language: str,
) -> None:
    """Export one routine in one format, or everything into a folder."""
    from plugin.services.exports import export_in, write_reference_exports

    if all_dir:
        for path in write_reference_exports(Path(all_dir)):
            click.echo(path)
        return
    if not routine_id or not fmt:
        raise click.UsageError("give --routine and --format, or --all DIR")
    routine = _routine(routine_id)
    body = export_in(fmt, routine.at_week(week) if week else routine, i18n.language(language))
    if output:
        Path(output).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)


def _routine(routine_id: str) -> Routine:
    """A built-in routine straight from the catalog; a custom one from the database."""
    builtin = catalog.builtin_routine(routine_id)
    if builtin is not None:
        return builtin
    with ensure_schema(current_app).unit_of_work() as session:
        return routine_service.get_routine(session, routine_id)


for _command in COMMANDS:
    main.add_command(_command)
