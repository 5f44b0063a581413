"""Who a request comes from, behind trusted proxies, and whether that is a staff network.

Pure (no Django): ``settings.py`` parses the networks at start-up and the middleware asks here.
The client address is the first address, read from the right of ``X-Forwarded-For`` starting at
the peer (``REMOTE_ADDR``), that is not a trusted proxy: a client cannot pretend to be someone
else by sending the header itself, since what it writes lies to the left of what the trusted
proxy appends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from laif.config.env import Env

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.0/8``, ``192.0.2.7`` (one address) or ``::1``; ValueError naming a bad item."""
    networks: list[Network] = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.0/8)") \
                from exc
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def in_networks(address: str, networks: Sequence[Network]) -> bool:
    ip = _address(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(remote_addr: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or, while the hop is a trusted proxy, the address that
    proxy says it forwarded for (``X-Forwarded-For``, read from the right)."""
    current = remote_addr.strip()
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while hops and in_networks(current, trusted):
        candidate = hops.pop()
        if _address(candidate) is None:  # garbage in the header: stop at the last good hop
            break
        current = candidate
    ip = _address(current)
    return str(ip) if ip is not None else current


def env_networks(env: Env, name: str, default: str) -> tuple[Network, ...]:
    """The networks listed (comma-separated) in variable ``name``; an error on ``env`` if bad."""
    try:
        return parse_networks(env.list(name, default.split(",")))
    except ValueError as exc:
        env.require(name, str(exc))
        return ()
