"""fetch_one over HTTP against a real server on 127.0.0.1."""

from __future__ import annotations

import socket
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace

import pytest

from newsmill.config import FetchConfig
from newsmill.errors import FetchError
from newsmill.models import FetchResult
from support.feedserver import FeedServer, Reply, gzip_bomb

RSS = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>要闻</title></channel></rss>'
LAST_MODIFIED = "Tue, 12 Oct 2021 13:33:00 GMT"

Fetch = Callable[..., FetchResult]


def test_200_returns_body_and_validators(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.feed("/feed.xml", RSS, etag='"v1"', last_modified=LAST_MODIFIED)

    result = fetch(make_request(url))

    assert result.body == RSS.encode()
    assert (result.status, result.not_modified) == (200, False)
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.url == url
    assert result.permanent_url is None
    assert result.source == "test feed"


def test_sends_user_agent_accept_and_encodings(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.feed("/feed.xml", RSS)

    fetch(make_request(url))

    sent = feed_server.requests_for("/feed.xml")[0]
    assert sent.header("user-agent") == config.user_agent
    assert sent.header("accept").startswith("application/rss+xml")
    assert {"gzip", "deflate", "br"} <= {e.strip() for e in sent.header("accept-encoding").split(",")}
    assert sent.header("if-none-match") is None


def test_conditional_get_returns_not_modified(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.feed("/feed.xml", RSS, etag='"v1"', last_modified=LAST_MODIFIED)
    first = fetch(make_request(url))

    second = fetch(make_request(url, etag=first.etag, last_modified=first.last_modified))

    assert second.not_modified and second.status == 304
    assert second.body == b""
    assert (second.etag, second.last_modified) == ('"v1"', LAST_MODIFIED)
    sent = feed_server.requests_for("/feed.xml")[1]
    assert sent.header("if-none-match") == '"v1"'
    assert sent.header("if-modified-since") == LAST_MODIFIED


def test_last_modified_alone_gives_not_modified(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.feed("/feed.xml", RSS, last_modified=LAST_MODIFIED)

    result = fetch(make_request(url, last_modified=LAST_MODIFIED))

    assert result.not_modified
    assert result.last_modified == LAST_MODIFIED
    assert result.etag is None


def test_changed_etag_gives_the_new_body(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.feed("/feed.xml", RSS, etag='"v2"')

    result = fetch(make_request(url, etag='"v1"'))

    assert not result.not_modified
    assert result.body == RSS.encode()
    assert result.etag == '"v2"'


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_bodies_are_decoded(
    feed_server: FeedServer, make_request, fetch: Fetch, encoding: str
) -> None:
    url = feed_server.feed("/feed.xml", RSS * 50, encoding=encoding)

    result = fetch(make_request(url))

    assert result.body == (RSS * 50).encode()


def test_content_length_over_the_cap_is_refused(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.feed("/big.xml", b"x" * 200_001)

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url), replace(config, max_bytes=200_000))

    assert caught.value.message == "response larger than 200 kB limit"
    assert not caught.value.transient
    assert len(feed_server.requests_for("/big.xml")) == 1  # not retried


def test_default_cap_message_uses_human_units(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.feed("/big.xml", b"x" * 10_000_001)

    with pytest.raises(FetchError, match="response larger than 10 MB limit"):
        fetch(make_request(url), FetchConfig())


def test_endless_body_is_cut_at_the_cap(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.route("/endless", Reply(endless=True))
    started = time.monotonic()

    with pytest.raises(FetchError, match="response larger than 1 MB limit"):
        fetch(make_request(url), replace(config, max_bytes=1_000_000))

    assert time.monotonic() - started < 3


def test_body_exactly_at_the_cap_is_accepted(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.route("/exact", Reply(body=b"y" * 100_000, chunked=True))

    result = fetch(make_request(url), replace(config, max_bytes=100_000))

    assert len(result.body) == 100_000


def test_gzip_bomb_is_stopped_by_the_cap(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    bomb = gzip_bomb(50_000_000)  # 50 MB of zeros in about 50 kB
    assert len(bomb) < 100_000
    url = feed_server.feed("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="response larger than 1 MB limit"):
            fetch(make_request(url), replace(config, max_bytes=1_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Inflating the whole bomb would need 50 MB; streaming stops near the 1 MB cap.
    assert peak < 10_000_000


def test_503_is_retried_then_succeeds(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.route("/flaky", Reply(status=503), Reply(body=RSS))

    result = fetch(make_request(url))

    assert result.body == RSS.encode()
    assert len(feed_server.requests_for("/flaky")) == 2


def test_persistent_500_gives_up_after_the_retries(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.route("/broken", Reply(status=500, body="oops"))

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url))

    assert caught.value.transient and caught.value.status == 500
    assert caught.value.message == "server error (HTTP 500 Internal Server Error)"
    assert len(feed_server.requests_for("/broken")) == config.retries + 1


def test_short_retry_after_is_waited_for(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    url = feed_server.route("/busy", Reply(status=429, retry_after=1), Reply(body=RSS))

    result = fetch(make_request(url))

    assert result.body == RSS.encode()
    first, second = feed_server.requests_for("/busy")
    assert second.time - first.time >= 1.0


def test_long_retry_after_is_left_to_the_scheduler(
    feed_server: FeedServer, make_request, fetch: Fetch
) -> None:
    url = feed_server.route("/busy", Reply(status=429, retry_after=3600))
    started = time.monotonic()

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url))

    assert time.monotonic() - started < 1
    assert caught.value.transient
    assert caught.value.retry_after == 3600
    assert caught.value.status == 429
    assert caught.value.message == "too many requests (HTTP 429); the server asks to wait 1 h"
    assert len(feed_server.requests_for("/busy")) == 1


@pytest.mark.parametrize(
    ("status", "message", "gone"),
    [
        (404, "not found (HTTP 404)", False),
        (
            410,
            "gone (HTTP 410): the server says this feed was removed; "
            "the source is disabled until its URL changes",
            True,
        ),
        (401, "unauthorized (HTTP 401): the server wants a login for this feed", False),
        (
            403,
            "forbidden (HTTP 403): the server refuses access (it may block automated clients)",
            False,
        ),
        (400, "request refused (HTTP 400 Bad Request)", False),
    ],
)
def test_client_errors_are_explained_and_not_retried(
    feed_server: FeedServer, make_request, fetch: Fetch, status: int, message: str, gone: bool
) -> None:
    url = feed_server.route("/x", Reply(status=status, body="no"))

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url))

    error = caught.value
    assert (error.message, error.status, error.gone, error.transient) == (message, status, gone, False)
    assert str(error) == f"test feed: {message}"
    assert len(feed_server.requests_for("/x")) == 1


@pytest.mark.parametrize(("status", "permanent"), [(301, True), (308, True), (302, False), (307, False)])
def test_redirect_is_followed(
    feed_server: FeedServer, make_request, fetch: Fetch, status: int, permanent: bool
) -> None:
    final = feed_server.feed("/new.xml", RSS, etag='"n"')
    start = feed_server.redirect("/old.xml", "/new.xml", status=status)

    result = fetch(make_request(start))

    assert result.body == RSS.encode()
    assert result.url == final
    assert result.etag == '"n"'
    assert result.permanent_url == (final if permanent else None)


def test_one_temporary_hop_makes_the_chain_temporary(
    feed_server: FeedServer, make_request, fetch: Fetch
) -> None:
    feed_server.feed("/c", RSS)
    feed_server.redirect("/b", feed_server.url("/c"), status=302)
    start = feed_server.redirect("/a", "/b", status=301)

    result = fetch(make_request(start))

    assert result.url == feed_server.url("/c")
    assert result.permanent_url is None


def test_conditional_headers_follow_redirects(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    feed_server.feed("/new.xml", RSS, etag='"n"')
    start = feed_server.redirect("/old.xml", "/new.xml", status=302)

    result = fetch(make_request(start, etag='"n"'))

    assert result.not_modified
    assert result.url == feed_server.url("/new.xml")


def test_redirect_loop_is_detected(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    feed_server.redirect("/b", "/a")
    start = feed_server.redirect("/a", "/b")

    with pytest.raises(FetchError, match="redirect loop"):
        fetch(make_request(start))


def test_redirect_to_itself_once_is_allowed(feed_server: FeedServer, make_request, fetch: Fetch) -> None:
    # Some sites set a cookie and send the client back to the same URL.
    url = feed_server.route("/c", Reply(status=302, location="/c"), Reply(body=RSS))

    assert fetch(make_request(url)).body == RSS.encode()


def test_too_many_redirects(feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig) -> None:
    for hop in range(5):
        feed_server.redirect(f"/{hop}", f"/{hop + 1}")
    feed_server.feed("/5", RSS)

    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
        fetch(make_request(feed_server.url("/0")), replace(config, max_redirects=3))
    assert fetch(make_request(feed_server.url("/0")), replace(config, max_redirects=5)).body


def test_hanging_server_times_out_fast(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.route("/hang", Reply(hang=True))
    started = time.monotonic()

    with pytest.raises(FetchError) as caught:
        fetch(make_request(url), replace(config, timeout=1.0, retries=0))

    assert time.monotonic() - started < 2
    assert caught.value.message == "timed out after 1 s"
    assert caught.value.transient


def test_slow_body_is_covered_by_the_total_timeout(
    feed_server: FeedServer, make_request, fetch: Fetch, config: FetchConfig
) -> None:
    url = feed_server.route("/slow", Reply(body=RSS, delay=3))

    with pytest.raises(FetchError, match=r"timed out after 0\.5 s"):
        fetch(make_request(url), replace(config, timeout=0.5, retries=0))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(make_request, fetch: Fetch) -> None:
    port = _closed_port()

    with pytest.raises(FetchError) as caught:
        fetch(make_request(f"http://127.0.0.1:{port}/feed"))

    assert caught.value.message == f"connection refused by 127.0.0.1:{port}"
    assert caught.value.transient


def test_unknown_host(make_request, fetch: Fetch, fake_dns: object) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(make_request("http://missing.test/feed", allow_private=False))

    assert caught.value.message == "could not resolve host missing.test"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed", "refused: unsupported URL scheme 'ftp'"),
        ("http:///feed", "invalid URL"),
        ("http://[::1/feed", "invalid URL"),
    ],
)
def test_bad_urls(make_request, fetch: Fetch, url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message.replace("(", r"\(")):
        fetch(make_request(url))
