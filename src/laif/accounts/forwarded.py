"""The client's IP address behind trusted reverse proxies (a pure module: no Django).

A request's ``REMOTE_ADDR`` is the peer that opened the connection. Behind a reverse proxy that is
the proxy, and the client is named in ``X-Forwarded-For``; but anyone can send that header, so it
is believed only when the peer is one of the configured trusted proxies (``LAIF_TRUSTED_PROXIES``),
and only as far as the chain goes through trusted proxies: each proxy appends the address it saw,
so the list is read from the right, skipping trusted hops, and the first untrusted address is the
client. Whatever a client writes to the left of that cannot move it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOPS = 20  # a longer header is cut: the hops that count are the rightmost ones


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def in_networks(address: str, networks: Sequence[Network]) -> bool:
    """Whether an address (as ``client_address`` gives it) is in one of the networks."""
    found = _address(address)
    return found is not None and _trusted(found, networks)


def client_address(remote_addr: str, forwarded_for: str, proxies: Sequence[Network]) -> str:
    """The client's address: ``remote_addr``, unless it is a trusted proxy; then the rightmost
    untrusted address of ``forwarded_for``. An unreadable hop stops the walk at the last
    trusted proxy (nothing beyond it can be believed). ``""`` when ``remote_addr`` is unreadable."""
    peer = _address(remote_addr)
    if peer is None:
        return ""
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    current = peer
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()][-MAX_HOPS:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(current)
        current = address
        if not _trusted(address, proxies):
            return str(address)
    return str(current)
