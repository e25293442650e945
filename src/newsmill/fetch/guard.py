"""The SSRF guard: keep feed fetches away from loopback, private and metadata addresses.

A feed URL comes from a config file or an OPML import, and a redirect can point anywhere, so
an unchecked fetch could reach a router's admin page or a cloud metadata service
(169.254.169.254). Two checks close that door unless a source has `allow_private = true`:

* `url_refusal` runs on every URL before it is requested (the first and each redirect):
  only http(s), and a host written as a literal IP must be public. aiohttp never passes
  literal IPs to the resolver, so this check is the only one they get.
* `GuardedResolver` is the connector's resolver: it refuses a host name when any of its
  addresses is not public. The connection goes to the very addresses that were checked,
  so a DNS answer that changes between check and connect (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# Addresses allowed even when private ones are refused. Empty in production; tests put
# their loopback server here to check redirects onward from it.
EXEMPT_NETWORKS: tuple[IPNetwork, ...] = ()

ALLOW_HINT = "(set allow_private = true for this source to allow it)"
_SHARED = ip_network("100.64.0.0/10")  # carrier-grade NAT: not private, not public either
_NAT64 = ip_network("64:ff9b::/96")  # reaches the IPv4 address in the low 32 bits


class RefusedAddress(OSError):
    """Raised by `GuardedResolver`; an OSError so aiohttp wraps it like any DNS failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def classify(address: IPAddress) -> str | None:
    """Name the kind of non-public address this is ("loopback", "private", …); None if public."""
    if any(address in network for network in EXEMPT_NETWORKS):
        return None
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return classify(embedded)
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address in _SHARED, "shared (carrier-grade NAT)"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "non-public"),
    )
    return next((kind for hit, kind in checks if hit), None)


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one really leads to (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_ip(text: str) -> IPAddress | None:
    """The address written in `text` (an IPv6 zone such as %eth0 is ignored), or None."""
    try:
        return ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _shown(address: IPAddress) -> str:
    """The address as people read it: ::ffff:a00:5 also shows the 10.0.0.5 it stands for."""
    embedded = _embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    return f"{address} ({embedded})" if embedded is not None else str(address)


def url_refusal(url: URL, *, allow_private: bool) -> str | None:
    """Why `url` must not be requested, or None when it may be."""
    scheme = (url.scheme or "").lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme!r}" if scheme else "none"
        return f"refused: unsupported URL scheme {shown} in {url} (only http and https)"
    host = url.host
    if not host:
        return f"invalid URL {url}: it has no host"
    if allow_private:
        return None
    address = parse_ip(host)
    kind = classify(address) if address is not None else None
    if address is None or kind is None:
        return None
    return f"refused: {_shown(address)} is {_article(kind)} {kind} address {ALLOW_HINT}"


def address_refusal(host: str, address: str) -> str | None:
    """Why `host`, resolved to `address`, must not be connected to, or None when it may."""
    parsed = parse_ip(address)
    if parsed is None:
        return f"refused: {host} resolves to {address!r}, which is not an IP address"
    kind = classify(parsed)
    if kind is None:
        return None
    return f"refused: {host} resolves to {_article(kind)} {kind} address {_shown(parsed)} {ALLOW_HINT}"


class GuardedResolver(AbstractResolver):
    """Wraps aiohttp's resolver and refuses hosts that resolve to non-public addresses.

    When any address of a host is refused the whole host is: a name that mixes public and
    private answers is far more likely an attack than a feed.
    """

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        # The system resolver (getaddrinfo), not aiodns even when installed: it answers as every
        # other program on the machine does (nsswitch, numeric spellings like 0x7f000001).
        self._inner = inner if inner is not None else aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve `host` with the wrapped resolver; raise `RefusedAddress` if not public."""
        results = await self._inner.resolve(host, port, family)
        for result in results:
            problem = address_refusal(host, result["host"])
            if problem is not None:
                raise RefusedAddress(problem)
        return results

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()
