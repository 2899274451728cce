"""The pure parts of connecting from a page: the tracker's answer as shown, sealed connections,
and typed addresses on private networks."""

from __future__ import annotations

import pytest

from plugin import crypto
from plugin.errors import Forbidden, InvalidInput
from plugin.services import connections
from plugin.services.connections import Connection
from plugin.trackers.base import TrackerError


@pytest.mark.parametrize(
    ("message", "status", "shown"),
    [
        ('wger check the token: HTTP 401: {"detail": "Invalid token."}', 401, "HTTP 401: Invalid token."),
        ('check the API key: HTTP 401: {"error": "InvalidApiKey"}', 401, "HTTP 401: InvalidApiKey"),
        ("x: HTTP 404: <html><body><h1>Not\nFound</h1></body></html>", 404, "HTTP 404: Not Found"),
        ("x: ConnectionError: refused\x00\x1b[31m", None, "x: ConnectionError: refused [31m"),
    ],
)
def test_the_trackers_answer_is_one_short_line_of_plain_text(message, status, shown):
    assert connections.tracker_answer(TrackerError(message, status=status)) == shown


def test_a_long_answer_is_cut_short():
    answer = connections.tracker_answer(TrackerError("x: HTTP 500: " + "secret " * 200, status=500))
    assert len(answer) == connections.ANSWER_CHARS and answer.endswith("…")


def test_a_sealed_connection_opens_only_with_our_key_and_for_its_purpose():
    keys = crypto.Keyring(crypto.generate_key())
    checked = Connection("wger", "https://w.example", {"token": "t0k"})
    sealed = connections.seal_connection(keys, checked)
    assert "t0k" not in sealed and checked.manage_token not in sealed
    assert connections.open_connection(keys, sealed) == checked
    with pytest.raises(Forbidden):
        connections.open_connection(crypto.Keyring(crypto.generate_key()), sealed)
    with pytest.raises(Forbidden):
        connections.open_connection(keys, "not-sealed")


@pytest.mark.parametrize(
    ("tracker", "form", "field"),
    [
        ("wger", {"base_url": "http://127.0.0.1:9", "token": "t"}, "base_url"),
        ("wger", {"base_url": "http://10.1.2.3", "token": "t"}, "base_url"),
        ("wger", {"base_url": "ftp://wger.example", "token": "t"}, "base_url"),
        ("wger", {"base_url": "https://wger.example"}, "token"),
        ("caldav", {"url": "http://169.254.169.254/latest/", "username": "u", "password": "p"}, "url"),
        ("hevy", {"api_key": " "}, "api_key"),
        ("garmin", {}, "tracker"),
    ],
)
def test_bad_or_private_addresses_are_refused_before_any_call(tracker, form, field):
    with pytest.raises(InvalidInput) as refused:
        connections.check(tracker, form, {})
    assert refused.value.field == field
