"""Which addresses the service agrees to call, on every connection, and what it keeps of an answer.

Every peer of the suite listens on loopback, so the suite allows private hosts
(tests/conftest.py); these tests turn that off and show the refusals.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
import requests
from hostkit import Host, host_config
from pytest_httpserver import HTTPServer
from werkzeug import Response

from plugin import create_app, outbound
from plugin.jobs import run_push_to_end
from plugin.trackers.base import TrackerError, send
from plugin.trackers.caldav import CalDavClient

STRICT = outbound.Policy()


@pytest.fixture
def app_config(database_config, tmp_path) -> dict:
    return host_config(database_config, tmp_path, ALLOW_PRIVATE_HOSTS=False, CALDAV_ALLOW_PRIVATE_HOSTS=False)


@pytest.fixture
def strict_env(monkeypatch):
    """Outside an app the environment decides: nothing allowed."""
    for name in (
        "PLUGIN_ALLOW_PRIVATE_HOSTS",
        "PLUGIN_CALDAV_ALLOW_PRIVATE_HOSTS",
        "PLUGIN_ALLOW_PRIVATE_ADDRESSES",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def other_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def port_of(server: HTTPServer) -> int:
    return int(server.port)


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("127.1.2.3", False),
        ("::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("100.64.0.1", False),
        ("fd00::1", False),
        ("fec0::1", False),  # site-local (deprecated by RFC 3879, still routed where configured)
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("240.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
        ("8.8.8.8", True),
        ("::ffff:8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert outbound.is_public(ipaddress.ip_address(address)) is public


def test_a_literal_public_address_passes_without_a_lookup():
    outbound.check_url("https://8.8.8.8/dav/", STRICT)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5232/a/", "https://localhost/dav/", "http://[::1]/x/", "http://[::ffff:7f00:1]/"],
)
def test_local_hosts_are_refused(url):
    with pytest.raises(outbound.AddressRefused, match="private or local network"):
        outbound.check_url(url, STRICT)


def test_an_unresolvable_host_is_refused():
    with pytest.raises(ValueError, match="cannot be resolved"):
        outbound.check_url("https://no-such-host.invalid/dav/", STRICT)


def test_allowed_addresses_open_only_what_they_name():
    policy = outbound.policy_of({"ALLOW_PRIVATE_ADDRESSES": "10.0.0.0/24, 127.0.0.1:5232, [::1]:8443"})
    assert policy.refusal("10.0.0.77", 443) is None
    assert policy.refusal("10.0.1.1", 443) is not None
    assert policy.refusal("127.0.0.1", 5232) is None
    assert policy.refusal("127.0.0.1", 5233) is not None
    assert policy.refusal("::1", 8443) is None
    assert policy.refusal("::1", 80) is not None


def test_the_caldav_only_setting_still_allows_private_hosts():
    assert outbound.policy_of({"CALDAV_ALLOW_PRIVATE_HOSTS": True}).allow_private
    assert outbound.policy_of({"ALLOW_PRIVATE_HOSTS": "true"}).allow_private
    assert not outbound.policy_of({"ALLOW_PRIVATE_HOSTS": "false"}).allow_private


def test_an_unreadable_allowed_address_stops_the_app_naming_the_setting(database_config):
    with pytest.raises(ValueError, match="PLUGIN_ALLOW_PRIVATE_ADDRESSES"):
        create_app({"TESTING": True, **database_config, "ALLOW_PRIVATE_ADDRESSES": "intranet.local"})


# --- on the wire -------------------------------------------------------------------------------


def test_a_direct_loopback_url_is_refused_before_anything_is_sent(httpserver, strict_env):
    httpserver.expect_request("/secret").respond_with_data("internal")
    with pytest.raises(TrackerError, match="private or local network") as caught:
        send(outbound.new_session(), "GET", httpserver.url_for("/secret"), "read")
    assert not caught.value.retryable
    assert httpserver.log == []


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(httpserver, other_server):
    allowed = outbound.Policy(
        allowed=(outbound.AllowedAddress(ipaddress.ip_network("127.0.0.1"), port_of(httpserver)),)
    )
    other_server.expect_request("/latest/meta-data").respond_with_data("internal")
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=307, headers={"Location": other_server.url_for("/latest/meta-data")})
    )
    with pytest.raises(TrackerError, match="private or local network"):
        send(outbound.new_session(allowed), "GET", httpserver.url_for("/feed"), "read the feed")
    assert len(httpserver.log) == 1  # the allowed host was asked
    assert other_server.log == []  # the loopback one never was


def test_a_redirect_between_allowed_hosts_is_followed_for_get(httpserver, other_server):
    both = tuple(
        outbound.AllowedAddress(ipaddress.ip_network("127.0.0.1"), port_of(s))
        for s in (httpserver, other_server)
    )
    other_server.expect_request("/here").respond_with_data("moved content")
    httpserver.expect_request("/there").respond_with_response(
        Response(status=307, headers={"Location": other_server.url_for("/here")})
    )
    answer = send(
        outbound.new_session(outbound.Policy(allowed=both)), "GET", httpserver.url_for("/there"), "read"
    )
    assert answer.text == "moved content"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_writes_never_follow_a_redirect_even_where_private_hosts_are_allowed(
    httpserver, other_server, method
):
    other_server.expect_request("/elsewhere").respond_with_data("written")
    httpserver.expect_request("/thing").respond_with_response(
        Response(status=307, headers={"Location": other_server.url_for("/elsewhere")})
    )
    session = outbound.new_session(outbound.Policy(allow_private=True))
    with pytest.raises(TrackerError, match="redirect") as caught:
        send(session, method, httpserver.url_for("/thing"), "write", data=b"body")
    assert caught.value.status == 307
    assert other_server.log == []


def test_a_name_that_resolves_elsewhere_on_connecting_is_refused(httpserver, monkeypatch):
    """DNS rebinding: the first lookup says public, the one used to connect says loopback.

    The resolver is the test's (what a hostile DNS server would answer); the connection
    actually made is checked, so the request never reaches the loopback server.
    """
    httpserver.expect_request("/").respond_with_data("internal")
    real = socket.getaddrinfo
    answers = iter(["93.184.215.14", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example:{port_of(httpserver)}/"
    with pytest.raises(TrackerError, match=r"rebind\.example: it is on a private"):
        send(outbound.new_session(STRICT), "GET", url, "read")
    assert httpserver.log == []


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_does_not_carry_a_request_past_the_guard(
    httpserver, other_server, monkeypatch, variable
):
    """Through a proxy the connection made is the proxy's: the server named would go unchecked.

    Even a proxy the policy allows (an operator's own) must not fetch a loopback page for us.
    """
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, f"http://127.0.0.1:{port_of(httpserver)}")
    httpserver.expect_request("/secret").respond_with_data("internal, fetched by the proxy")
    other_server.expect_request("/secret").respond_with_data("internal")
    proxy_allowed = outbound.Policy(
        allowed=(outbound.AllowedAddress(ipaddress.ip_network("127.0.0.1"), port_of(httpserver)),)
    )
    with pytest.raises(TrackerError, match="private or local network"):
        send(outbound.new_session(proxy_allowed), "GET", other_server.url_for("/secret"), "read")
    assert httpserver.log == []
    assert other_server.log == []


def test_a_refusal_does_not_tell_which_internal_address_a_name_has(monkeypatch, caplog):
    """Anyone may type a CalDAV URL: the answer must not map the internal network's names."""
    real = socket.getaddrinfo

    def internal(host, port, *args, **kwargs):
        if host == "db.internal.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", internal)
    with pytest.raises(outbound.AddressRefused) as caught:
        outbound.check_url("https://db.internal.example/dav/", STRICT)
    assert "private or local network" in str(caught.value)
    assert "10.20.30.40" not in str(caught.value)
    assert "10.20.30.40" in caplog.text  # the operator's log keeps it


def test_a_session_handed_in_unguarded_is_guarded_when_used(httpserver, strict_env):
    httpserver.expect_request("/").respond_with_data("internal")
    with pytest.raises(TrackerError, match="private or local network"):
        send(requests.Session(), "GET", httpserver.url_for("/"), "read")
    assert httpserver.log == []


def test_a_caldav_server_that_redirects_a_put_to_loopback_is_not_followed(httpserver, other_server):
    only_first = outbound.Policy(
        allowed=(outbound.AllowedAddress(ipaddress.ip_network("127.0.0.1"), port_of(httpserver)),)
    )
    httpserver.expect_request("/cal/s.ics", method="PUT").respond_with_response(
        Response(status=307, headers={"Location": other_server.url_for("/cal/s.ics")})
    )
    client = CalDavClient(httpserver.url_for("/cal/"), "me", "pw", policy=only_first)
    with pytest.raises(TrackerError, match="HTTP 307"):
        client.put("s", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert other_server.log == []


# --- host-supplied base URLs -------------------------------------------------------------------


@pytest.mark.parametrize("tracker", ["host", "wger", "hevy"])
def test_a_host_supplied_base_url_on_loopback_is_never_called(app, client, db, httpserver, tracker):
    httpserver.expect_request("/").respond_with_data("internal")
    host = Host(client)
    installed = host.install(
        tracker=tracker, base_url=httpserver.url_for("/"), credentials={"token": "t0ken"}
    )
    assert installed.status_code == 201, installed.get_json()
    push_id = host.call("POST", "/hooks/export", {"routines": ["daily-hamstring"]}).get_json()["id"]
    with app.app_context():
        assert run_push_to_end(app, push_id) == "failed"
    answer = host.call("GET", f"/hooks/export/{push_id}").get_json()
    assert "private or local network" in answer["last_error"]
    assert answer["attempts"] == 1  # refused for good, not retried
    assert httpserver.log == []


# --- what is kept of an answer -----------------------------------------------------------------


def test_an_excerpt_is_short_plain_and_one_line():
    refusal = '{"error":  "name too long",\n  "detail": "' + "x" * 500 + '"}'
    kept = outbound.excerpt(refusal, 422, "application/json")
    assert kept.startswith('{"error": "name too long", "detail": "xxx')
    assert len(kept) == outbound.EXCERPT_CHARS and kept.endswith("…")
    assert outbound.excerpt("line one\r\n\tline\x1b[31m two\x00", 400) == "line one line [31m two"


@pytest.mark.parametrize(
    "body, status, content_type",
    [
        ("<html><body>root:x:0:0</body></html>", 400, "text/html"),
        ("<h1>Admin</h1>", 404, "text/plain"),
        ("db password is hunter2", 500, "text/plain"),
        ("db password is hunter2", 503, "text/plain"),
        ("moved", 302, "text/plain"),
        ("fine", 200, "text/plain"),
    ],
)
def test_no_excerpt_of_html_or_where_a_body_does_not_help(body, status, content_type):
    assert outbound.excerpt(body, status, content_type) == ""


def test_a_push_keeps_only_an_excerpt_of_what_the_host_answered(app, client, httpserver, monkeypatch):
    app.config["ALLOW_PRIVATE_HOSTS"] = True
    long_refusal = '{"error": "bad routine", "trace": "' + "frame\\n" * 2000 + '"}'
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_data(
        long_refusal, status=400, content_type="application/json"
    )
    host = Host(client)
    assert host.install(base_url=httpserver.url_for("/").rstrip("/")).status_code == 201
    push_id = host.call("POST", "/hooks/export", {"routines": ["daily-hamstring"]}).get_json()["id"]
    with app.app_context():
        assert run_push_to_end(app, push_id) == "failed"
    error = host.call("GET", f"/hooks/export/{push_id}").get_json()["last_error"]
    assert error.startswith('host POST routine daily-hamstring: HTTP 400: {"error": "bad routine"')
    assert len(error) < 300 and "\n" not in error


def test_a_host_error_page_is_not_kept(app, client, httpserver):
    app.config["ALLOW_PRIVATE_HOSTS"] = True
    httpserver.expect_request("/stretchsync/routines", method="POST").respond_with_data(
        "<html><title>Jenkins</title>secret build log</html>", status=500, content_type="text/html"
    )
    app.config["PUSH_MAX_ATTEMPTS"] = 1
    host = Host(client)
    assert host.install(base_url=httpserver.url_for("/").rstrip("/")).status_code == 201
    push_id = host.call("POST", "/hooks/export", {"routines": ["daily-hamstring"]}).get_json()["id"]
    with app.app_context():
        assert run_push_to_end(app, push_id) == "failed"
    error = host.call("GET", f"/hooks/export/{push_id}").get_json()["last_error"]
    assert error.endswith("HTTP 500")
    assert "secret" not in error and "Jenkins" not in error
