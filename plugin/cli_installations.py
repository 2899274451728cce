"""`stretchsync install | push | sync | sessions | uninstall | worker`: the operator's side of installations.

For trackers with no installer of their own (wger, Hevy) and for operators;
these call the same services as the signed hooks. Each migrates the database
first (``with_database``); errors reach ``plugin.cli_base`` and end as one line.
"""

from __future__ import annotations

import json
import secrets

import click
from flask import current_app

from plugin import i18n, security
from plugin.cli_base import EX_TRACKER, OneLine, named, tracker_failure, with_database
from plugin.config import keyring, sync_lookback
from plugin.errors import NotFound
from plugin.jobs import jobs, run_push_to_end
from plugin.schemas import plans
from plugin.schemas.pushes import PushSchema
from plugin.schemas.sessions import StoredSessionSchema
from plugin.services import installations, pushes, sync
from plugin.services import sessions as session_service
from plugin.store.db import Database
from plugin.store.installations import by_client_key
from plugin.trackers.base import TrackerError


def _db() -> Database:
    return current_app.extensions["stretchsync.db"]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@click.command()
@click.argument("tracker")
@click.option("--client-key", help="the installation's key (default: a new one)")
@click.option("--base-url", required=True, help="the tracker's base URL")
@click.option("--token", help="the tracker's API token or key")
@click.option("--credential", "extra", multiple=True, metavar="NAME=VALUE", help="another credential")
@click.option("--secret", help="whsec_ shared secret (default: a new one)")
@click.option("--routines", help="comma-separated routine ids: the plan")
@click.option("--times", help="comma-separated local times, e.g. 07:30,19:00 (default 07:00)")
@click.option("--days", help="comma-separated MO..SU (default every day)")
@click.option("--timezone", "zone", help="IANA timezone (default UTC)")
@click.option(
    "--language",
    type=click.Choice(i18n.LANGUAGES),
    help="language of every text the tracker and the calendar show (default en)",
)
@click.option(
    "--calendar-url",
    "show_calendar",
    is_flag=True,
    help="also print the plan's private feed URL (shown this once)",
)
@click.option(
    "--replace",
    is_flag=True,
    help="replace the installation with this client key (its secret, credentials and plan)",
)
@with_database
def install(
    tracker: str,
    client_key: str | None,
    base_url: str,
    token: str | None,
    extra: tuple[str, ...],
    secret: str | None,
    routines: str | None,
    times: str | None,
    days: str | None,
    zone: str | None,
    language: str | None,
    show_calendar: bool,
    replace: bool,
) -> None:
    """Install into a tracker; prints the client key."""
    malformed = [item for item in extra if "=" not in item]
    if malformed:
        raise click.BadParameter(f"{malformed[0]!r} is not NAME=VALUE", param_hint="'--credential'")
    credentials = dict(item.split("=", 1) for item in extra)
    if token:
        credentials["token"] = token
    plan = None
    if routines:
        plan = {
            "routines": _split(routines),
            "times": _split(times) or plans.COMMAND_LINE_DEFAULTS["times"],
            "timezone": zone or plans.COMMAND_LINE_DEFAULTS["timezone"],
        }
        if days:
            plan["days"] = _split(days)
        if language:
            plan["language"] = language
    elif language:
        raise click.BadParameter(
            "a language belongs to a plan: give --routines too", param_hint="'--language'"
        )
    with _db().unit_of_work() as session:
        if client_key and not replace and by_client_key(session, client_key) is not None:
            raise click.UsageError(f"{client_key!r} is installed; --replace replaces it")
        installed = installations.install(
            session,
            keyring(current_app),
            client_key=client_key or f"{tracker}-{secrets.token_hex(6)}",
            tracker=tracker,
            shared_secret=secret or security.generate_secret(),
            base_url=base_url,
            credentials=credentials,
            plan=plan,
            # The operator's own say-so stands in for the current secret a signed re-install proves.
            may_replace=lambda current_secret: replace,
        )
        key = installed.row.client_key
    click.echo(key)
    if installed.calendar_token and show_calendar:
        base = current_app.config.get("BASE_URL") or "http://127.0.0.1:8000"
        click.echo(f"{base.rstrip('/')}/calendars/{installed.calendar_token}.ics")


@click.command()
@click.argument("client_key")
@click.option("--routines", help="comma-separated routine ids (default: the plan's)")
@click.option("--wait", is_flag=True, help="run the push here to its end; exit 1 if it failed")
@with_database
def push(client_key: str, routines: str | None, wait: bool) -> None:
    """Push routines to an installation's tracker; prints the push id."""
    with _db().unit_of_work() as session:
        row = installations.find(session, client_key)
        tracker = row.tracker
        planned = installations.plan_spec(session, row) or {}
        wanted = _split(routines) or list(planned.get("routines", []))
        record = pushes.create_push(session, row.id, wanted)
        push_id = record.id
    click.echo(push_id)
    if not wait:
        jobs(current_app).enqueue_push(push_id)
        return
    status = run_push_to_end(current_app, push_id)
    with _db().unit_of_work() as session:
        answer = PushSchema().dump(pushes.status(session, pushes.installation_of(session, push_id), push_id))
    click.echo(json.dumps(answer, indent=2))
    if status != "delivered":
        raise OneLine(f"push {push_id} failed: {named(tracker, answer['last_error'] or status)}", EX_TRACKER)


@click.command("sync")
@click.argument("client_key")
@click.option("--wait", is_flag=True, help="pull here and now; exit 1 if it failed")
@with_database
def sync_command(client_key: str, wait: bool) -> None:
    """Pull completed sessions from an installation's tracker now."""
    with _db().unit_of_work() as session:
        row = installations.find(session, client_key)
        installation_id, tracker = row.id, row.tracker
    if not wait:
        jobs(current_app).sync_installation(installation_id)
        click.echo("queued")
        return
    try:
        counts = sync.sync(_db(), keyring(current_app), installation_id, sync_lookback(current_app))
    except TrackerError as err:
        raise tracker_failure("sync", tracker, err) from None
    click.echo(json.dumps(counts))


@click.command("sessions")
@click.argument("client_key")
@click.option("--json", "as_json", is_flag=True, help="print the canonical JSON")
@with_database
def list_sessions(client_key: str, as_json: bool) -> None:
    """List an installation's completed sessions."""
    with _db().unit_of_work() as session:
        stored = session_service.list_sessions(session, installations.find(session, client_key).id)
        found = StoredSessionSchema(many=True).dump(stored)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for item in found:
        pain = f"  pain {item['pain']}" if item["pain"] is not None else ""
        flag = "  SEE CAUTION" if item["flagged"] else ""
        click.echo(f"{item['started_at']}  {item['routine'] or '-':20} {item['duration_s']:>5} s{pain}{flag}")


@click.command()
@click.argument("client_key")
@with_database
def uninstall(client_key: str) -> None:
    """Erase an installation and everything of it."""
    with _db().unit_of_work() as session:
        try:
            installation_id = installations.find(session, client_key).id
        except NotFound:
            click.echo(f"no installation {client_key}; nothing to erase")
            return
        installations.uninstall(session, installation_id, keyring(current_app))
    click.echo(f"uninstalled {client_key}")


@click.command()
@click.option("--workers", default=2, show_default=True, type=int)
@with_database
def worker(workers: int) -> None:
    """Run the background worker (pushes, syncs, the periodic sweep) until interrupted."""
    jobs(current_app).run_worker(workers=workers)


COMMANDS = [install, push, sync_command, list_sessions, uninstall, worker]
