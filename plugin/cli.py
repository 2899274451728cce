"""The `stretchsync` command: serve, migrate, list, show and export routines."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from plugin import create_app
from plugin.cli_installations import COMMANDS
from plugin.errors import StretchsyncError
from plugin.formats import canonical, registry
from plugin.formats.text import routine_text, seconds_phrase
from plugin.jobs import jobs
from plugin.schemas.model import RoutineSchema
from plugin.services import routines as routine_service
from plugin.store import migrate


def _db():
    return current_app.extensions["stretchsync.db"]


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False)
def main() -> None:
    """stretchsync: stretch routines for the trackers and calendars you already use."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations."""
    migrate.upgrade(_db().engine, revision)
    click.echo(f"database at {revision}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@click.option("--worker/--no-worker", default=True, show_default=True, help="run background jobs in-process")
@with_appcontext
def serve(host: str, port: int, debug: bool, worker: bool) -> None:
    """Migrate the database, then run the development server."""
    from werkzeug.serving import run_simple

    migrate.upgrade(_db().engine)
    if worker:
        # Development: one consumer thread in this process; production runs `stretchsync worker`.
        jobs(current_app).start_beside_server()
    # app.run() refuses to run under the flask CLI machinery, so serve directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_debugger=debug)


@main.command("routines")
@click.option("--json", "as_json", is_flag=True, help="print the canonical JSON")
@with_appcontext
def list_routines(as_json: bool) -> None:
    """List the routines."""
    with _db().unit_of_work() as session:
        found = routine_service.list_routines(session)
    if as_json:
        click.echo(canonical.dumps(RoutineSchema(many=True).dump(found)))
        return
    for r in found:
        click.echo(f"{r.id:28} {seconds_phrase(r.duration_s):>10}  {r.name}")


@main.command()
@click.argument("routine_id")
@with_appcontext
def show(routine_id: str) -> None:
    """Print one routine readably, cautions first."""
    try:
        with _db().unit_of_work() as session:
            routine = routine_service.get_routine(session, routine_id)
    except StretchsyncError as err:
        raise click.ClickException(err.message) from None
    click.echo(routine_text(routine))


@main.command()
@click.option("--routine", "routine_id", help="routine id")
@click.option("--format", "fmt", type=click.Choice(registry.names()), help="export format")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="file to write (default stdout)")
@click.option(
    "--all",
    "all_dir",
    type=click.Path(file_okay=False),
    help="write every built-in routine in every format here",
)
@with_appcontext
def export(routine_id: str | None, fmt: str | None, output: str | None, all_dir: str | None) -> None:
    """Export one routine in one format, or everything into a folder."""
    from plugin.services.exports import write_reference_exports

    if all_dir:
        for path in write_reference_exports(Path(all_dir)):
            click.echo(path)
        return
    if not routine_id or not fmt:
        raise click.UsageError("give --routine and --format, or --all DIR")
    try:
        with _db().unit_of_work() as session:
            routine = routine_service.get_routine(session, routine_id)
    except StretchsyncError as err:
        raise click.ClickException(err.message) from None
    body = registry.FORMATS[fmt].export(routine)
    if output:
        Path(output).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)


for _command in COMMANDS:
    main.add_command(_command)
