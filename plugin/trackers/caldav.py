"""CalDAV (RFC 4791) push: each event series is one calendar object resource, ``<uid>.ics``.

Works with any server that takes a plain PUT into a calendar collection (Nextcloud,
Radicale, iCloud, Fastmail) over HTTP Basic auth. I/O only: the calendars come
ready-made from plugin.formats.ical.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import requests

from plugin import outbound
from plugin.trackers.base import TrackerError, send

USER_AGENT = "stretchsync-caldav/1"


@dataclass(frozen=True)
class CalDavOutcome:
    written: list[str]  # resource URLs now holding our events
    removed: list[str]  # resource URLs of series no longer in the plan, deleted


def check_collection_url(url: str) -> str:
    """Return the collection URL with a trailing slash; ValueError unless it is http(s) with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the collection URL must be an http:// or https:// URL")
    return url if url.endswith("/") else url + "/"


def resource_url(collection_url: str, uid: str) -> str:
    """Where the series with ``uid`` lives: the UID, percent-encoded, plus ``.ics``."""
    return urljoin(check_collection_url(collection_url), quote(uid, safe="@-_.") + ".ics")


class CalDavClient:
    """Push and delete calendar object resources in one collection."""

    key = "caldav"

    def __init__(
        self,
        collection_url: str,
        username: str,
        password: str,
        http: requests.Session | None = None,
        policy: outbound.Policy | None = None,
    ) -> None:
        self.collection_url = check_collection_url(collection_url)
        self.http = outbound.guard(http or requests.Session(), policy)
        self.http.auth = (username, password)
        self.http.headers["User-Agent"] = USER_AGENT

    def check(self) -> None:
        """PROPFIND the collection itself (RFC 4918 §9.1, Depth 0): 207 when it is there for us."""
        body = (
            b'<?xml version="1.0" encoding="utf-8"?>'
            b'<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>'
        )
        send(
            self.http,
            "PROPFIND",
            self.collection_url,
            "CalDAV PROPFIND",
            data=body,
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )

    def put(self, uid: str, body: bytes) -> str:
        """Create or replace the resource of ``uid``; returns its URL."""
        url = resource_url(self.collection_url, uid)
        send(
            self.http,
            "PUT",
            url,
            f"CalDAV PUT {uid}",
            data=body,
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )
        return url

    def delete(self, url: str) -> None:
        """Delete one resource; one already gone counts as deleted."""
        try:
            send(self.http, "DELETE", url, "CalDAV DELETE")
        except TrackerError as err:
            if err.status not in (404, 410):
                raise

    def push(self, resources: dict[str, bytes], previous: list[str] | None = None) -> CalDavOutcome:
        """PUT every resource (same URL every time, so a re-push updates), then delete stale ones."""
        written = [self.put(uid, body) for uid, body in resources.items()]
        stale = [url for url in (previous or []) if url not in written]
        for url in stale:
            self.delete(url)
        return CalDavOutcome(written=written, removed=stale)

    def remove_all(self, urls: list[str]) -> None:
        """Delete every resource we wrote (the subscription was revoked)."""
        for url in urls:
            self.delete(url)
