"""Which CalDAV hosts the service agrees to call."""

from __future__ import annotations

import pytest

from plugin.trackers.caldav import check_public_host, is_public_address


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public_address(address) is public


def test_a_literal_public_address_passes_without_a_lookup():
    check_public_host("https://8.8.8.8/dav/")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5232/a/", "https://localhost/dav/", "http://[::1]/x/"])
def test_local_hosts_are_refused(url):
    with pytest.raises(ValueError, match="private or local network"):
        check_public_host(url)


def test_an_unresolvable_host_is_refused():
    with pytest.raises(ValueError, match="cannot be resolved"):
        check_public_host("https://no-such-host.invalid/dav/")
