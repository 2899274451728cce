"""Every request this service sends out goes through here: no private networks, short error excerpts.

Hosts, people and trackers name the servers we call (a CalDAV URL, a wger or Hevy
``baseUrl``, a host's ``baseUrl``), so without a guard the service could be made to
call into the network it runs in (docs/outbound.md#private-networks). The guard sits
in the connection itself: the name is resolved and every address checked before
connecting, and the address actually connected is checked again, so neither a
redirect to another host nor a name that resolves differently the second time (DNS
rebinding) gets past it. Only GET and HEAD follow redirects, and each hop is checked.

What an upstream answered is shown or stored only as ``excerpt``: a short, plain,
one-line piece of an error answer (docs/outbound.md#error-excerpts).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The settings (PLUGIN_ + name); CALDAV_ALLOW_PRIVATE_HOSTS is the older, CalDAV-only name.
ALLOW_PRIVATE_HOSTS = "ALLOW_PRIVATE_HOSTS"
ALLOW_PRIVATE_HOSTS_ALIASES = ("CALDAV_ALLOW_PRIVATE_HOSTS",)
ALLOW_PRIVATE_ADDRESSES = "ALLOW_PRIVATE_ADDRESSES"
FOLLOWS_REDIRECTS = frozenset({"GET", "HEAD"})
EXCERPT_CHARS = 200


class AddressRefused(Exception):
    """A request would reach an address the policy refuses (never retried: waiting cannot help).

    Deliberately not an OSError: urllib3 would take it for a network fault and retry it.
    """


@dataclass(frozen=True)
class AllowedAddress:
    """One PLUGIN_ALLOW_PRIVATE_ADDRESSES entry: a network, and a port when one is named."""

    network: IPNetwork
    port: int | None = None

    def matches(self, address: IPAddress, port: int) -> bool:
        return address in self.network and (self.port is None or self.port == port)


def parse_allowed(text: str) -> tuple[AllowedAddress, ...]:
    """``10.0.0.5``, ``10.0.0.0/24``, ``10.0.0.5:5232``, ``[fd00::1]:443``, comma-separated.

    ValueError naming the entry that is none of these.
    """
    allowed = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        address, port = entry, None
        bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", entry)
        if bracketed:
            address, port = bracketed[1], int(bracketed[2]) if bracketed[2] else None
        elif entry.count(":") == 1:
            address, _, digits = entry.partition(":")
            if not digits.isdigit():
                raise ValueError(f"PLUGIN_ALLOW_PRIVATE_ADDRESSES: {entry!r} has no port number after ':'")
            port = int(digits)
        try:
            network = ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise ValueError(
                f"PLUGIN_ALLOW_PRIVATE_ADDRESSES: {entry!r} is not an IP address or network"
            ) from None
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"PLUGIN_ALLOW_PRIVATE_ADDRESSES: {entry!r} has no valid port")
        allowed.append(AllowedAddress(network, port))
    return tuple(allowed)


def is_public(address: IPAddress) -> bool:
    """Whether an address is global unicast: not loopback, private, link-local, multicast, reserved."""
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address inside.
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.sixtofour is not None and not is_public(address.sixtofour):
            return False
        if address in NAT64 and not is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)):
            return False
        if address.is_site_local:  # fec0::/10: deprecated, yet is_global says True
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
    )


# RFC 6052's well-known prefix: a NAT64 gateway turns 64:ff9b::a.b.c.d into a.b.c.d.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class Policy:
    """Which addresses requests may reach: public ones, and private ones only as allowed."""

    allow_private: bool = False
    allowed: tuple[AllowedAddress, ...] = ()

    def refusal(self, address: str, port: int) -> str | None:
        """Why a connection to ``address``:``port`` is refused; None when it may go ahead."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
        if self.allow_private or is_public(ip) or any(a.matches(ip, port) for a in self.allowed):
            return None
        return (
            "it is on a private or local network, which this server does not call "
            "(PLUGIN_ALLOW_PRIVATE_HOSTS allows it)"
        )

    def check(self, host: str, address: str, port: int) -> None:
        """AddressRefused naming ``host`` unless ``address`` may be reached.

        The message names only what the caller wrote: the address a name resolved to goes
        to the log, never to whoever typed the URL (it would map the internal network).
        """
        reason = self.refusal(address, port)
        if reason is not None:
            if host.strip("[]") != address:
                log.warning(
                    "refused to connect to %s (%s:%s): a private or local address", host, address, port
                )
            raise AddressRefused(f"refused to connect to {host}: {reason}")

    def check_host(self, host: str, port: int) -> None:
        """Resolve ``host`` and check every address it has; AddressRefused when any is refused.

        socket.gaierror when it cannot be resolved. One refused address refuses the host:
        a name with a public and a private address could be connected to either.
        """
        for info in socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM):
            self.check(host, str(info[4][0]), port)


def check_url(url: str, policy: Policy | None = None) -> None:
    """Refuse a URL before anything is stored: AddressRefused, or ValueError when its host does not resolve.

    The connection is checked again when it is made; this only answers a person early.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError("the URL has no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        (policy or current_policy()).check_host(parts.hostname, port)
    except (socket.gaierror, UnicodeError):
        raise ValueError(f"the host {parts.hostname!r} cannot be resolved") from None


def flag(value: Any) -> bool:
    """A boolean setting as written in the environment (true/false, 1/0, yes/no, on/off) or config."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def policy_of(config: Mapping[str, Any]) -> Policy:
    """The policy of an app's config (keys without the PLUGIN_ prefix)."""
    names = (ALLOW_PRIVATE_HOSTS, *ALLOW_PRIVATE_HOSTS_ALIASES)
    return Policy(
        allow_private=any(flag(config.get(name)) for name in names),
        allowed=parse_allowed(str(config.get(ALLOW_PRIVATE_ADDRESSES) or "")),
    )


def current_policy() -> Policy:
    """The running app's policy; outside an app, the PLUGIN_* environment's (refusing by default)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return policy_of(current_app.config)
    names = (ALLOW_PRIVATE_HOSTS, *ALLOW_PRIVATE_HOSTS_ALIASES, ALLOW_PRIVATE_ADDRESSES)
    return policy_of({name: os.environ.get(f"PLUGIN_{name}") for name in names})


# --- the guarded connection --------------------------------------------------------------------


class _Guarded:
    """Mixed into urllib3's connections: check before connecting, and check what was connected."""

    policy: Policy
    host: str
    port: int
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        try:
            self.policy.check_host(self._dns_host, self.port)
        except socket.gaierror:
            pass  # urllib3 resolves again below and reports it as the failure it is
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            # The name may have resolved to something else this time (DNS rebinding).
            self.policy.check(self.host, str(sock.getpeername()[0]), self.port)
        except AddressRefused:
            sock.close()
            raise
        return sock


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy


class _GuardedPool:
    conn_kw: dict[str, Any]

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn_kw = {**self.conn_kw, "policy": policy}


class GuardedHTTPPool(_GuardedPool, HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(_GuardedPool, HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose every connection keeps to ``policy``."""

    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        # Never through a proxy (HTTPS_PROXY and the like): the connection checked would be
        # the proxy's, and the proxy would reach any server for us (docs/outbound.md#private-networks).
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # urllib3 only calls these with (host, port, **options): a partial hands over the policy.
        self.poolmanager.pool_classes_by_scheme = {
            "http": partial(GuardedHTTPPool, policy=self.policy),  # type: ignore[dict-item]
            "https": partial(GuardedHTTPSPool, policy=self.policy),  # type: ignore[dict-item]
        }


def guard(session: requests.Session, policy: Policy | None = None) -> requests.Session:
    """Make every http(s) request of ``session`` keep to ``policy`` (the app's by default).

    Adapters already mounted keep their retry settings; a session already guarded is left as it is.
    """
    chosen = policy
    for prefix in ("http://", "https://"):
        mounted = session.adapters.get(prefix)
        if isinstance(mounted, GuardedAdapter) and policy is None:
            continue
        chosen = chosen or current_policy()
        retries = mounted.max_retries if isinstance(mounted, HTTPAdapter) else 0
        session.mount(prefix, GuardedAdapter(chosen, max_retries=retries))
    for prefix in [p for p in session.adapters if p not in ("http://", "https://")]:
        # A more specific mount (e.g. "https://api.example/") would bypass the guard.
        if not isinstance(session.adapters[prefix], GuardedAdapter):
            del session.adapters[prefix]
    return session


def new_session(policy: Policy | None = None) -> requests.Session:
    """A requests session whose every connection is checked."""
    return guard(requests.Session(), policy)


def request(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send through the guard; only GET and HEAD follow redirects (each hop checked).

    A PUT, POST or DELETE redirected elsewhere would carry its body or its effect to a
    server nobody named; its 3xx comes back as the answer instead.
    """
    guard(session)
    if method.upper() not in FOLLOWS_REDIRECTS:
        kwargs["allow_redirects"] = False
    return session.request(method, url, **kwargs)


# --- what an upstream said ---------------------------------------------------------------------

# Answers whose body may tell a person what to fix (a refused field, a conflict, a limit);
# other bodies (5xx pages, redirects) say nothing useful and may be someone's internal page.
EXCERPT_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422, 429})
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?][^>]*>")


def excerpt(body: str | bytes | None, status: int | None = None, content_type: str | None = None) -> str:
    """At most EXCERPT_CHARS of an upstream answer, safe to store and show; "" when none is useful.

    Only for statuses where the body helps (EXCERPT_STATUSES, when ``status`` is given);
    HTML is never shown; control and format characters become spaces and runs of white
    space one space.
    """
    if body is None or (status is not None and status not in EXCERPT_STATUSES):
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if (content_type and "html" in content_type.lower()) or _MARKUP.search(text):
        return ""
    cleaned = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > EXCERPT_CHARS:
        cleaned = cleaned[: EXCERPT_CHARS - 1].rstrip() + "…"
    return cleaned


def response_excerpt(response: requests.Response) -> str:
    """``excerpt`` of a requests answer (read at most a little past what is kept)."""
    return excerpt(response.content[:4096], response.status_code, response.headers.get("Content-Type"))
