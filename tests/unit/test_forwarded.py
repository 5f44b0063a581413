"""The client's address behind trusted proxies (laif.accounts.forwarded, pure) and the
LAIF_TRUSTED_PROXIES parser."""

from __future__ import annotations

import ipaddress

import pytest

from laif.accounts.forwarded import client_address
from laif.config.env import Env, parse_networks

PROXIES = parse_networks("10.0.0.0/24, 192.0.2.1, 2001:db8::/64")


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("198.51.100.7", "", "198.51.100.7"),  # no proxy
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # header from an untrusted peer: ignored
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),  # one trusted proxy
        ("10.0.0.5", "203.0.113.9, 192.0.2.1", "203.0.113.9"),  # two trusted proxies
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # what the client wrote is ignored
        ("10.0.0.5", "", "10.0.0.5"),  # a proxy's own request
        ("10.0.0.5", "10.0.0.7", "10.0.0.7"),  # only proxies: the leftmost
        ("10.0.0.5", "203.0.113.9, not-an-address", "10.0.0.5"),  # garbage stops the walk
        ("10.0.0.5", "203.0.113.9:51234", "203.0.113.9"),  # with a port
        ("10.0.0.5", "[2001:db8:1::5]:443", "2001:db8:1::5"),
        ("2001:db8::1", "198.51.100.3", "198.51.100.3"),  # an IPv6 proxy
        ("::ffff:10.0.0.5", "198.51.100.3", "198.51.100.3"),  # IPv4-mapped peer
        ("garbage", "198.51.100.3", ""),
    ],
)
def test_client_address(remote: str, forwarded: str, client: str) -> None:
    assert client_address(remote, forwarded, PROXIES) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert client_address("10.0.0.5", "203.0.113.9", []) == "10.0.0.5"


def test_a_very_long_header_is_read_from_the_right_only() -> None:
    header = ", ".join(["1.1.1.1"] * 10_000 + ["203.0.113.9"])
    assert client_address("10.0.0.5", header, PROXIES) == "203.0.113.9"


def test_parse_networks() -> None:
    assert parse_networks(" 10.0.0.1 , 192.0.2.0/24,::1") == [
        ipaddress.ip_network("10.0.0.1/32"), ipaddress.ip_network("192.0.2.0/24"),
        ipaddress.ip_network("::1/128")]
    assert parse_networks("10.1.2.3/8") == [ipaddress.ip_network("10.0.0.0/8")]
    assert parse_networks("") == []


def test_a_bad_network_names_the_variable() -> None:
    env = Env({"LAIF_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"})
    assert env.networks("LAIF_TRUSTED_PROXIES") == []
    (error,) = env.errors
    assert error.name == "LAIF_TRUSTED_PROXIES"
    assert "'proxy.internal'" in error.problem
