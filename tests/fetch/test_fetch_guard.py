"""The SSRF guard: unit tests, and end to end against the loopback test server.

No test here sends a packet anywhere but 127.0.0.1: private targets are refused before any
connection, and made-up host names go to a fake resolver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from ipaddress import ip_address

import pytest
from yarl import URL

from newsmill.config import FetchConfig
from newsmill.errors import FetchError
from newsmill.fetch.guard import GuardedResolver, RefusedAddress, classify, url_refusal
from newsmill.models import FetchResult
from support.feedserver import FeedServer

HINT = "(set allow_private = true for this source to allow it)"
Fetch = Callable[..., FetchResult]


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("240.0.0.1", "private"),  # Python counts 240/4 as private; refused either way
        ("::ffff:10.0.0.5", "private"),  # IPv4-mapped
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
        ("192.0.2.1", "private"),  # documentation range
        ("93.184.215.14", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_classify(address: str, kind: str | None) -> None:
    assert classify(ip_address(address)) == kind


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://10.0.0.1/feed", f"refused: 10.0.0.1 is a private address {HINT}"),
        ("http://169.254.169.254/latest/", f"refused: 169.254.169.254 is a link-local address {HINT}"),
        ("http://[::1]:8080/", f"refused: ::1 is a loopback address {HINT}"),
        ("http://[::ffff:10.0.0.1]/", f"refused: ::ffff:a00:1 (10.0.0.1) is a private address {HINT}"),
        ("http://0.0.0.0/", f"refused: 0.0.0.0 is an unspecified address {HINT}"),
        ("gopher://x.y/", "refused: unsupported URL scheme 'gopher' in gopher://x.y/ (only http and https)"),
        ("file:///x", "refused: unsupported URL scheme 'file' in file:///x (only http and https)"),
        ("https://example.com/feed", None),
        ("http://93.184.215.14/", None),
    ],
)  # fmt: skip
def test_url_refusal(url: str, problem: str | None) -> None:
    assert url_refusal(URL(url), allow_private=False) == problem


def test_allow_private_lets_private_literals_through() -> None:
    assert url_refusal(URL("http://10.0.0.1/"), allow_private=True) is None
    assert url_refusal(URL("ftp://10.0.0.1/"), allow_private=True) is not None


def _resolve(host: str) -> list[str]:
    async def run() -> list[str]:
        resolver = GuardedResolver()
        try:
            return [result["host"] for result in await resolver.resolve(host, 80)]
        finally:
            await resolver.close()

    return asyncio.run(run())


def test_resolver_refuses_a_name_with_a_private_address(fake_dns: object) -> None:
    with pytest.raises(RefusedAddress) as caught:
        _resolve("example.com")

    assert caught.value.message == f"refused: example.com resolves to a private address 10.0.0.5 {HINT}"


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("metadata.test", "metadata.test resolves to a link-local address 169.254.169.254"),
        ("mixed.test", "mixed.test resolves to a private address 10.0.0.5"),
        ("mapped.test", "mapped.test resolves to a private address ::ffff:a00:5 \\(10.0.0.5\\)"),
    ],
)
def test_resolver_refusals(fake_dns: object, host: str, message: str) -> None:
    with pytest.raises(RefusedAddress, match=message):
        _resolve(host)


def test_resolver_passes_public_addresses(fake_dns: object) -> None:
    assert _resolve("public.test") == ["93.184.215.14"]


def test_loopback_server_is_refused_without_allow_private(
    feed_server: FeedServer, make_request, fetch: Fetch
) -> None:
    url = feed_server.feed("/feed.xml", "<rss/>")

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url, allow_private=False))

    assert caught.value.message == f"refused: 127.0.0.1 is a loopback address {HINT}"
    assert not caught.value.transient
    assert feed_server.requests == []


def test_loopback_name_is_refused_at_resolution(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    feed_server.feed("/feed.xml", "<rss/>")
    url = f"http://localhost:{feed_server.port}/feed.xml"  # /etc/hosts: no DNS traffic

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url, allow_private=False))

    assert caught.value.message.startswith("refused: localhost resolves to a loopback address")
    assert caught.value.message.endswith(HINT)
    assert feed_server.requests == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://10.0.0.1/feed", "refused: 10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
        ("http://[fd00::1]/", "refused: fd00::1 is a private address"),
        ("file:///etc/passwd", "refused: unsupported URL scheme 'file'"),
    ],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    feed_server: FeedServer,
    make_request,
    fetch: Fetch,
    config: FetchConfig,
    exempt_test_server: None,
    target: str,
    message: str,
) -> None:
    start = feed_server.redirect("/start", target)
    started = time.monotonic()

    with pytest.raises(FetchError) as caught:
        fetch(make_request(start, allow_private=False), replace(config, connect_timeout=0.2))

    assert caught.value.message.startswith(message)
    assert time.monotonic() - started < 0.2  # no connection was even tried
    assert [r.path for r in feed_server.requests] == ["/start"]


def test_redirect_to_a_name_resolving_to_loopback_is_refused(
    feed_server: FeedServer, make_request, fetch: Fetch, exempt_test_server: None, fake_dns: object
) -> None:
    # rebind.test resolves to 127.0.0.2: were the guard to let it through, the connection
    # would stay on this machine (and fail: the server listens on 127.0.0.1 only).
    start = feed_server.redirect("/start", f"http://rebind.test:{feed_server.port}/feed")

    with pytest.raises(FetchError) as caught:
        fetch(make_request(start, allow_private=False))

    assert caught.value.message == f"refused: rebind.test resolves to a loopback address 127.0.0.2 {HINT}"
    assert [r.path for r in feed_server.requests] == ["/start"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.1/", "invalid URL: 127.1 is not a canonical IPv4 address"),
        ("http://2130706433/", "invalid URL: 2130706433 is not a canonical IPv4 address"),
        ("http://0x7f000001/", "refused: 0x7f000001 resolves to a loopback address 127.0.0.1"),
        ("http://[::ffff:7f00:1]/", "refused: ::ffff:7f00:1 (127.0.0.1) is a loopback address"),
    ],
)
def test_odd_spellings_of_loopback_are_refused(make_request, fetch: Fetch, url: str, message: str) -> None:
    # Each of these means 127.0.0.1 (port 80): even a failing guard would stay on this machine.
    with pytest.raises(FetchError) as caught:
        fetch(make_request(url, allow_private=False))

    assert caught.value.message.startswith(message)
    assert not caught.value.transient


def test_allow_private_follows_redirects_on_loopback(
    feed_server: FeedServer, make_request, fetch: Fetch
) -> None:
    feed_server.feed("/feed.xml", "<rss/>")
    start = feed_server.redirect("/start", f"http://localhost:{feed_server.port}/feed.xml")

    assert fetch(make_request(start, allow_private=True)).body == b"<rss/>"
