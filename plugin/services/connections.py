"""A person connects their own tracker from a page, then manages it with a private token.

Connecting takes two steps. The credentials are checked against the tracker first
(``check``, network calls with no transaction open); what passed travels to the plan
step sealed (encrypted with the plugin's key, valid 30 minutes), so the page keeps
no session. The plan step installs through the services the command line uses
(``installations.install``, ``pushes.create_push``) with a new manage token; a CalDAV
server gets a calendar of its own (``calendars.create_calendar``) pushed there
(``caldav.push_caldav``). The manage token is shown once; only its SHA-256 is stored,
and the calendar's feed token is derived from it (docs/pages.md#connect-your-tracker).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from plugin import crypto, manifests, outbound, security
from plugin.errors import InvalidInput
from plugin.services import caldav as caldav_service
from plugin.services import calendar_lookup, installations, pushes
from plugin.services import calendars as calendar_service
from plugin.services.strava import seal, unseal
from plugin.store import calendars as calendar_repo
from plugin.store import installations as installation_repo
from plugin.store.db import Database
from plugin.trackers import caldav as caldav_client
from plugin.trackers.base import Credentials, TrackerError
from plugin.trackers.hevy import HevyTracker
from plugin.trackers.wger import WgerTracker

# What a person can connect without an operator, in the order /connect lists them.
TRACKERS = ("wger", "hevy", "strava", "caldav")
SEAL_PURPOSE = "connection"
SEAL_TTL_S = 1800  # long enough to pick a plan, short enough that a left-open form goes stale
ANSWER_CHARS = 160  # the tracker's own words, kept short


@dataclass(frozen=True)
class Connection:
    """Checked credentials on their way from the first step to the second.

    The manage token is drawn when the credentials pass, and travels sealed with them: a
    plan form sent twice (a double click, a reload) finds the connection the first one
    made instead of making a second.
    """

    tracker: str
    base_url: str
    credentials: dict[str, Any]
    manage_token: str = field(default_factory=calendar_service.new_token)


@dataclass(frozen=True)
class Connected:
    manage_token: str  # shown once, in the management page's URL
    push_id: str | None  # the first push, for trackers that take routines
    caldav_error: str | None = None
    again: bool = False  # this connection was made before, by the same plan form


def tracker_answer(err: TrackerError) -> str:
    """The tracker's reason, short and as plain text: its JSON ``detail``/``error``/``message`` or body.

    Upstream bodies can be anything (an HTML error page, an internal page): only one line of
    printable text of at most ANSWER_CHARS characters is ever shown.
    """
    text = err.message
    if err.status is not None and f"HTTP {err.status}: " in text:
        text = text.split(f"HTTP {err.status}: ", 1)[1]
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            for key in ("detail", "error", "message"):
                if isinstance(parsed.get(key), str):
                    text = parsed[key]
                    break
        text = re.sub(r"<[^>]*>", " ", text)  # an HTML error page: its words only
        text = f"HTTP {err.status}: {text}"
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def _refusal(tracker: str, err: TrackerError, secret_field: str, url_field: str) -> InvalidInput:
    """Name the field the tracker's answer is about: the secret for 401/403, else the address."""
    if err.status in (401, 403):
        return InvalidInput(f"{tracker} refused it: {tracker_answer(err)}", field=secret_field)
    if err.status is None:
        return InvalidInput(f"{tracker} could not be reached: {tracker_answer(err)}", field=url_field)
    return InvalidInput(f"{tracker} answered: {tracker_answer(err)}", field=url_field)


def _http_url(value: str, field: str) -> str:
    value = value.strip()
    if not re.match(r"^https?://[^\s/]+", value):
        raise InvalidInput("give the http:// or https:// address", field=field)
    return value.rstrip("/")


def _required(form: Mapping[str, str], *names: str) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() for name in names}
    for name, value in values.items():
        if not value:
            raise InvalidInput("this is needed", field=name)
    return values


def _public(url: str, field: str, config: Mapping[str, Any]) -> None:
    # Anyone can type an address here: answer at once when the outbound policy refuses it
    # (the connection itself is checked again when it is made, docs/outbound.md).
    try:
        outbound.check_url(url, outbound.policy_of(config))
    except (outbound.AddressRefused, ValueError) as err:
        raise InvalidInput(str(err), field=field) from None


def check(tracker: str, form: Mapping[str, str], config: Mapping[str, Any]) -> Connection:
    """Check the typed credentials against the tracker itself; InvalidInput names the field at fault.

    Makes network calls: never call it with a transaction open.
    """
    if tracker == "wger":
        given = _required(form, "base_url", "token")
        base_url = _http_url(given["base_url"], "base_url")
        _public(base_url, "base_url", config)
        try:
            WgerTracker(Credentials(base_url, given["token"]), retries=1).check()
        except TrackerError as err:
            raise _refusal("wger", err, "token", "base_url") from None
        return Connection("wger", base_url, {"token": given["token"]})
    if tracker == "hevy":
        given = _required(form, "api_key")
        api_url = str(config.get("HEVY_API_URL") or "https://api.hevyapp.com").rstrip("/")
        try:
            HevyTracker(Credentials(api_url, given["api_key"])).check()
        except TrackerError as err:
            raise _refusal("Hevy", err, "api_key", "api_key") from None
        return Connection("hevy", api_url, {"token": given["api_key"]})
    if tracker == "caldav":
        given = _required(form, "url", "username", "password")
        try:
            url = caldav_client.check_collection_url(given["url"])
        except ValueError as err:
            raise InvalidInput(str(err), field="url") from None
        _public(url, "url", config)
        try:
            caldav_client.CalDavClient(url, given["username"], given["password"]).check()
        except TrackerError as err:
            if err.status in (404, 405):
                raise InvalidInput(
                    f"no calendar collection at this address ({tracker_answer(err)})", field="url"
                ) from None
            raise _refusal("the CalDAV server", err, "password", "url") from None
        return Connection("caldav", url, {"username": given["username"], "password": given["password"]})
    if tracker == "strava":
        return Connection("strava", str(config.get("STRAVA_API_URL") or ""), {})
    raise InvalidInput(f"connect one of {', '.join(TRACKERS)}", field="tracker")


def seal_connection(keys: crypto.Keyring, connection: Connection) -> str:
    """The checked connection for the plan step's hidden field (encrypted, 30 minutes)."""
    claims = {
        "tracker": connection.tracker,
        "base": connection.base_url,
        "cred": connection.credentials,
        "manage": connection.manage_token,
    }
    return seal(keys, SEAL_PURPOSE, claims, SEAL_TTL_S)


def open_connection(keys: crypto.Keyring, sealed: str) -> Connection:
    """The connection a plan step carries; ConnectRefused when forged or expired."""
    claims = unseal(keys, SEAL_PURPOSE, sealed)
    if claims.get("tracker") not in TRACKERS or not isinstance(claims.get("manage"), str):
        raise InvalidInput("this connection is not one we issued", field=SEAL_PURPOSE)
    return Connection(
        str(claims["tracker"]),
        str(claims.get("base") or ""),
        dict(claims.get("cred") or {}),
        claims["manage"],
    )


def connect(
    db: Database,
    keys: crypto.Keyring,
    connection: Connection,
    plan: dict[str, Any],
    enqueue: Callable[[str], object],
    policy: outbound.Policy | None = None,
) -> Connected:
    """Install with this plan, push its routines, and give the management page's token.

    A tracker becomes an installation (a client key and shared secret of its own, as
    ``stretchsync install`` makes them); a CalDAV server a calendar of its own, pushed
    there once it is stored. Nothing is stored when the plan breaks a rule, and nothing
    twice: the same connection sent again answers with what the first made.
    """
    manage_token = connection.manage_token
    if _made_before(db, manage_token):
        return Connected(manage_token, None, again=True)
    try:
        return _connect(db, keys, connection, plan, enqueue, policy)
    except IntegrityError:
        # The same form sent twice at once: the unique client key and token hash let one win.
        if _made_before(db, manage_token):
            return Connected(manage_token, None, again=True)
        raise


def _made_before(db: Database, manage_token: str) -> bool:
    token_hash = calendar_lookup.hash_token(manage_token)
    with db.unit_of_work() as session:
        return (
            installation_repo.by_manage_token_hash(session, token_hash) is not None
            or calendar_repo.by_manage_token_hash(session, token_hash) is not None
        )


def _connect(
    db: Database,
    keys: crypto.Keyring,
    connection: Connection,
    plan: dict[str, Any],
    enqueue: Callable[[str], object],
    policy: outbound.Policy | None,
) -> Connected:
    manage_token = connection.manage_token
    if connection.tracker == "caldav":
        with db.unit_of_work() as session:
            calendar_service.create_calendar(session, plan, manage_token=manage_token)
        error = None
        try:
            caldav_service.push_caldav(
                db,
                manage_token,
                connection.base_url,
                str(connection.credentials.get("username") or ""),
                str(connection.credentials.get("password") or ""),
                keys,
                policy=policy,
            )
        except (TrackerError, InvalidInput) as err:
            # The calendar stands (its feed works); the page says why the server did not take it.
            error = tracker_answer(err) if isinstance(err, TrackerError) else err.message
        return Connected(manage_token, None, error)
    with db.unit_of_work() as session:
        installed = installations.install(
            session,
            keys,
            # From the token's hash: the same connection sent twice cannot make two installations.
            client_key=f"{connection.tracker}-{calendar_lookup.hash_token(manage_token)[:20]}",
            tracker=connection.tracker,
            shared_secret=security.generate_secret(),
            base_url=connection.base_url or "https://localhost",
            credentials=connection.credentials,
            plan=plan,
            manage_token=manage_token,
            # The client key comes from the manage token, so whoever sends it again holds that token.
            may_replace=lambda current_secret: True,
        )
        push_id = None
        if takes_pushes(connection.tracker):
            push_id = pushes.create_push(session, installed.row.id, list(plan["routines"]), enqueue).id
    return Connected(manage_token, push_id)


def takes_pushes(tracker: str) -> bool:
    """Whether routines are pushed to this tracker (Strava has no planned workouts)."""
    return manifests.all_manifests().get(tracker, {}).get("export", {}).get("mode") == "push"
