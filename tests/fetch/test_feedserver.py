"""The test server itself (tests/support/feedserver.py), exercised with the stdlib client."""

from __future__ import annotations

import gzip
import threading
import time
import urllib.error
import urllib.request

import pytest

from support.feedserver import FeedServer, Reply, gzip_bomb


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_replies_in_turn_and_logs_requests(feed_server: FeedServer) -> None:
    url = feed_server.route("/f?x=1", Reply(status=503, retry_after=2), Reply(body="ok"))

    first = _get(url, {"X-Test": "1"})
    second = _get(url)
    third = _get(url)

    assert (first[0], first[1]["Retry-After"]) == (503, "2")
    assert (second[0], second[2], third[2]) == (200, b"ok", b"ok")
    log = feed_server.requests_for("/f?x=1")
    assert len(log) == 3 and log[0].header("X-TEST") == "1" and log[0].method == "GET"


def test_conditional_replies(feed_server: FeedServer) -> None:
    url = feed_server.feed("/f", "body", etag='"a"', last_modified="Tue, 12 Oct 2021 13:33:00 GMT")

    assert _get(url, {"If-None-Match": '"a"'})[0] == 304
    assert _get(url, {"If-None-Match": 'W/"a", "b"'})[0] == 304
    assert _get(url, {"If-None-Match": '"b"'})[0] == 200
    assert _get(url, {"If-Modified-Since": "Tue, 12 Oct 2021 13:33:00 GMT"})[0] == 304
    assert _get(url, {"If-Modified-Since": "Mon, 11 Oct 2021 13:33:00 GMT"})[0] == 200
    _, headers, body = _get(url, {"If-None-Match": '"a"'})
    assert (headers["ETag"], body) == ('"a"', b"")


def test_encodings_and_redirects(feed_server: FeedServer) -> None:
    feed_server.feed("/gz", "压缩" * 100, encoding="gzip")
    url = feed_server.redirect("/go", "/gz", status=301)

    status, headers, body = _get(url)  # urllib follows the redirect itself

    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).decode() == "压缩" * 100
    assert [r.path for r in feed_server.requests] == ["/go", "/gz"]


def test_unknown_path_is_404(feed_server: FeedServer) -> None:
    assert _get(feed_server.url("/nothing"))[0] == 404


def test_gzip_bomb_is_small() -> None:
    bomb = gzip_bomb(10_000_000)
    assert len(bomb) < 20_000 and len(gzip.decompress(bomb)) == 10_000_000


def test_stop_releases_hanging_replies() -> None:
    server = FeedServer().start()
    url = server.route("/hang", Reply(hang=True))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _get(url)
        except Exception as exc:  # the connection closes without an answer
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    thread.join(timeout=5)

    assert not thread.is_alive() and errors
    assert time.monotonic() - started < 2


def test_delay(feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", Reply(body="x", delay=0.3))
    started = time.monotonic()
    assert _get(url)[2] == b"x"
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("chunked", [True, False])
def test_chunked_and_plain_bodies(feed_server: FeedServer, chunked: bool) -> None:
    url = feed_server.route("/b", Reply(body=b"abc" * 1000, chunked=chunked))
    _, headers, body = _get(url)
    assert body == b"abc" * 1000
    assert ("Content-Length" in headers) is not chunked
