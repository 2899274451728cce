"""A calendar's copy on a CalDAV server: pushing the feed's series there, re-pushing after a
plan change and deleting them on revocation, each call made with no transaction open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from plugin import clock, crypto, outbound
from plugin.errors import Gone, InvalidInput
from plugin.formats import ical
from plugin.services.calendar_lookup import CalendarView, find_managed_calendar, live_calendar, view
from plugin.services.feeds import render_feed, stored_fingerprint
from plugin.store import calendars as repo
from plugin.store.calendars import CalendarRow
from plugin.store.db import Database
from plugin.trackers.base import TrackerError
from plugin.trackers.caldav import CalDavClient, CalDavOutcome, check_collection_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalDavCopy:
    """A calendar's CalDAV target and feed, read in a transaction for a call made after it."""

    calendar_id: str
    sequence: int
    url: str
    username: str
    password_enc: str  # decrypted only where the call is made
    resources: tuple[str, ...]
    feed_body: bytes

    def client(self, keys: crypto.Keyring) -> CalDavClient:
        return CalDavClient(self.url, self.username, keys.decrypt(self.password_enc))


def _copy_of(row: CalendarRow) -> CalDavCopy | None:
    if not row.caldav_url:
        return None
    return CalDavCopy(
        calendar_id=row.id,
        sequence=row.sequence,
        url=row.caldav_url,
        username=row.caldav_username or "",
        password_enc=row.caldav_password or "",
        resources=tuple(row.caldav_resources or ()),
        feed_body=row.feed_body or b"",
    )


def _remove_copy(copy: CalDavCopy, keys: crypto.Keyring) -> None:
    """Delete the events of ``copy`` from its server; a failure is logged, never raised."""
    try:
        copy.client(keys).remove_all(list(copy.resources))
    except (TrackerError, crypto.SecretMissing, crypto.SecretUnreadable) as err:
        log.warning("CalDAV clean-up of %s failed: %s", copy.calendar_id, err)


# A plan changed again while its copy was being pushed is pushed again, a few times at most,
# so that the server ends with the newest feed whichever push finishes last.
MAX_REPUSHES = 3


def _repush(db: Database, copy: CalDavCopy, keys: crypto.Keyring) -> str | None:
    """Push a changed plan to the calendar's CalDAV copy, then record it; the error, if any.

    Called with no transaction open: read (``copy``), call, then record in a short transaction.
    """
    for _ in range(MAX_REPUSHES):
        try:
            outcome = copy.client(keys).push(ical.resources(copy.feed_body), list(copy.resources))
        except (TrackerError, crypto.SecretMissing, crypto.SecretUnreadable) as err:
            # The plan change stands; the caller sees why the calendar server did not follow.
            log.warning("CalDAV re-push of %s failed: %s", copy.calendar_id, err)
            return str(err)
        current = None
        with db.unit_of_work() as session:
            row = repo.by_id(session, copy.calendar_id)
            if row is not None and row.revoked_at is None:
                current = _copy_of(row)
                if current is not None and current.url == copy.url:
                    row.caldav_resources = outcome.written
                    row.caldav_pushed_at = clock.now_s()
        if current is None or current.url != copy.url:
            # Revoked or moved meanwhile: take back what this push wrote.
            _remove_copy(replace(copy, resources=tuple(outcome.written)), keys)
            return None
        if current.sequence == copy.sequence:
            return None
        copy = replace(current, resources=tuple(outcome.written))
    return None


def push_caldav(
    db: Database,
    manage_token: str,
    collection_url: str,
    username: str,
    password: str,
    keys: crypto.Keyring,
    policy: outbound.Policy | None = None,
) -> CalendarView:
    """Copy the calendar of a manage token to a CalDAV collection (``push_calendar_caldav``).

    Only a calendar subscribed on its own has a manage token: any other token, a feed
    token included, is NotFound (docs/icalendar.md#read-and-manage-tokens).
    """
    with db.unit_of_work() as session:
        calendar_id = find_managed_calendar(session, manage_token).id
    return push_calendar_caldav(db, calendar_id, collection_url, username, password, keys, policy)


def push_calendar_caldav(
    db: Database,
    calendar_id: str,
    collection_url: str,
    username: str,
    password: str,
    keys: crypto.Keyring,
    policy: outbound.Policy | None = None,
) -> CalendarView:
    """PUT every series into a CalDAV collection; a second push updates the same resources.

    The password is stored encrypted (plugin.crypto, PLUGIN_SECRET_KEY) so that later plan
    changes and the revocation reach the server too. Raises InvalidInput for a bad URL
    (a private address the outbound policy refuses: docs/outbound.md#private-networks)
    and TrackerError when the server refuses. The calendar is read in one transaction,
    the server called with none open, and the target recorded in a second one.
    """
    with db.unit_of_work() as session:
        row = live_calendar(session, calendar_id)
        if row.feed_stale or row.feed_fingerprint != stored_fingerprint(session) or not row.feed_body:
            render_feed(session, row)
        old = _copy_of(row)
        body, sequence = row.feed_body or b"", row.sequence
    try:
        collection_url = check_collection_url(collection_url)
        outbound.check_url(collection_url, policy)
    except (ValueError, outbound.AddressRefused) as err:
        raise InvalidInput(str(err), field="url") from None
    secret_password = keys.encrypt(password)  # SecretMissing before any request goes out
    previous: list[str] = list(old.resources) if old is not None else []
    if old is not None and old.url != collection_url and old.resources:
        # Moving to another collection: take our events out of the old one first.
        _remove_copy(old, keys)
        previous = []
    client = CalDavClient(collection_url, username, password, policy=policy)
    for _ in range(MAX_REPUSHES):
        outcome = _push_checked(client, body, previous)
        with db.unit_of_work() as session:
            stored = repo.by_id(session, calendar_id)
            if stored is not None and stored.revoked_at is None:
                stored.caldav_url = collection_url
                stored.caldav_username = username
                stored.caldav_password = secret_password
                stored.caldav_resources = outcome.written
                stored.caldav_pushed_at = clock.now_s()
                if stored.sequence == sequence:
                    return view(session, stored)
                # The plan changed meanwhile: push the newer feed too.
                body, sequence, previous = stored.feed_body or b"", stored.sequence, outcome.written
                continue
        # Revoked meanwhile: take back what this push wrote, then answer as for a revoked token.
        _remove_copy(
            CalDavCopy("", 0, collection_url, username, secret_password, tuple(outcome.written), b""),
            keys,
        )
        raise Gone("this calendar was revoked", field="token")
    with db.unit_of_work() as session:
        return view(session, live_calendar(session, calendar_id))


def _push_checked(client: CalDavClient, feed_body: bytes, previous: list[str]) -> CalDavOutcome:
    try:
        return client.push(ical.resources(feed_body), previous)
    except TrackerError as err:
        # The person's own input is at fault for these; name the field instead of a 502.
        if err.status in (401, 403):
            raise InvalidInput(
                "the CalDAV server refused this username and password", field="password"
            ) from err
        if err.status in (404, 405, 409):
            raise InvalidInput("no calendar collection at this URL", field="url") from err
        raise
