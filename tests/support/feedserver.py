"""A real HTTP server on 127.0.0.1 for tests: serve feeds, misbehave on purpose, log requests.

    with FeedServer() as server:
        server.route("/feed.xml", Reply(body=RSS, etag='"v1"'))
        server.route("/flaky", Reply(status=503), Reply(body=RSS))  # 503 once, then 200
        server.redirect("/old", "/feed.xml", status=301)
        url = server.url("/feed.xml")
        ...
        assert server.requests_for("/feed.xml")[0].header("user-agent")

Each route answers with its replies in turn; the last one repeats. The server is the stdlib
ThreadingHTTPServer (a thread per connection), so it is independent of the aiohttp client
under test and a hanging reply never blocks the others. It speaks HTTP/1.1 with keep-alive.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

RSS_TYPE = "application/rss+xml; charset=utf-8"
CHUNK = 64 * 1024
ENDLESS_LIMIT = 4_000_000_000  # an "endless" body still ends somewhere, should a client read on


@dataclass(frozen=True)
class Reply:
    """One canned response.

    status, body, content_type, headers: what to send. `etag` / `last_modified` are sent as
    validators and answer a matching If-None-Match / If-Modified-Since with 304.
    `encoding` ("gzip", "deflate", "br") compresses the body on the way out; to send bytes
    already compressed (a gzip bomb), pass them as body with a Content-Encoding header.
    `delay` waits before answering; `hang` never answers (until the server stops).
    `endless` streams chunks of `body` (or zeros) with no end; `chunked` sends the body with
    chunked transfer encoding instead of a Content-Length. `retry_after` and `location` are
    shorthands for those headers.
    `drip` sends the body one byte every `drip` seconds (a server that is alive but useless);
    `reset_after` sends the headers (with the full Content-Length) and that many body bytes,
    then resets the TCP connection (RST), as a crashed proxy does.
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = RSS_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    encoding: str | None = None
    delay: float = 0.0
    hang: bool = False
    endless: bool = False
    chunked: bool = False
    retry_after: str | int | None = None
    location: str | None = None
    drip: float = 0.0
    reset_after: int | None = None


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    time: float  # time.monotonic() when it arrived

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class FeedServer:
    """Start with `with FeedServer() as server:` (or `start()` / `stop()`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._port = port  # 0: any free port
        self.requests: list[Request] = []
        self.max_in_flight = 0  # the most requests it was answering at once
        self._routes: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FeedServer:
        handler = type("Handler", (_Handler,), {"feed_server": self})
        httpd = _Server((self.host, self._port), handler)
        httpd.daemon_threads = True  # a hanging reply must not keep the test run alive
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="FeedServer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging and endless replies
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- routes ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start the server first"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(self, path: str, *replies: Reply) -> str:
        """Answer `path` (query string included, if any) with `replies` in turn; return its URL."""
        with self._lock:
            self._routes[path] = list(replies) or [Reply()]
            self._served[path] = 0
        return self.url(path)

    def feed(self, path: str, body: bytes | str, **options: Any) -> str:
        """Shorthand for `route(path, Reply(body=body, **options))`."""
        return self.route(path, Reply(body=body, **options))

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, Reply(status=status, location=location, content_type=None))

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- used by the handler ---------------------------------------------------------------

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            replies = self._routes.get(path)
            if replies is None:
                return None
            index = min(self._served[path], len(replies) - 1)
            self._served[path] += 1
            return replies[index]

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connects under a burst; the client then waits a second
    # for its SYN to be retried, which looks like a slow server.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    feed_server: FeedServer
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections close eventually

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        server = self.feed_server
        headers = {name.lower(): value for name, value in self.headers.items()}
        server._record(Request(self.command, self.path, headers, time.monotonic()))
        try:
            self._answer(server._next_reply(self.path), headers)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away: normal for size-cap tests
        finally:
            server._done()

    do_HEAD = do_GET

    def _answer(self, reply: Reply | None, request_headers: dict[str, str]) -> None:
        if reply is None:
            reply = Reply(status=404, body="not found", content_type="text/plain")
        stopping = self.feed_server._stopping
        if reply.hang:
            stopping.wait()
            self.close_connection = True
            return
        if reply.delay and stopping.wait(reply.delay):
            return
        if _not_modified(reply, request_headers):
            self._send_head(304, _validators(reply))
            return
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        headers = {**_validators(reply), **_extra_headers(reply)}
        if reply.encoding:
            body = _compress(body, reply.encoding)
            headers["Content-Encoding"] = reply.encoding
        if reply.drip or reply.reset_after is not None:
            self._send_head(reply.status, {**headers, "Content-Length": str(len(body))})
            self._misbehave(reply, body)
        elif reply.endless:
            self._send_head(reply.status, {**headers, "Transfer-Encoding": "chunked"})
            self._stream(body or bytes(CHUNK))
        elif reply.chunked:
            self._send_head(reply.status, {**headers, "Transfer-Encoding": "chunked"})
            self._write_chunk(body)
            self._write_chunk(b"")
        else:
            self._send_head(reply.status, {**headers, "Content-Length": str(len(body))})
            if self.command != "HEAD":
                self.wfile.write(body)

    def _send_head(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status == 304:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream(self, chunk: bytes) -> None:
        sent = 0
        while sent < ENDLESS_LIMIT and not self.feed_server._stopping.is_set():
            self._write_chunk(chunk)
            sent += len(chunk)
        self.close_connection = True

    def _misbehave(self, reply: Reply, body: bytes) -> None:
        """Drip the body a byte at a time, and/or reset the connection part way through it."""
        stopping = self.feed_server._stopping
        cut = len(body) if reply.reset_after is None else min(reply.reset_after, len(body))
        if reply.drip:
            for index in range(cut):
                self.wfile.write(body[index : index + 1])
                if stopping.wait(reply.drip):
                    break
        else:
            self.wfile.write(body[:cut])
        self.close_connection = True
        if reply.reset_after is not None:
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _validators(reply: Reply) -> dict[str, str]:
    headers = {}
    if reply.etag:
        headers["ETag"] = reply.etag
    if reply.last_modified:
        headers["Last-Modified"] = reply.last_modified
    return headers


def _extra_headers(reply: Reply) -> dict[str, str]:
    headers = {}
    if reply.content_type:
        headers["Content-Type"] = reply.content_type
    if reply.retry_after is not None:
        headers["Retry-After"] = str(reply.retry_after)
    if reply.location is not None:
        headers["Location"] = reply.location
    headers.update(reply.headers)
    return headers


def _not_modified(reply: Reply, request: Mapping[str, str]) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if reply.status != 200:
        return False
    if "if-none-match" in request:
        if not reply.etag:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in request["if-none-match"].split(",")}
        return "*" in tags or reply.etag.removeprefix("W/") in tags
    if "if-modified-since" in request and reply.last_modified:
        try:
            since = parsedate_to_datetime(request["if-modified-since"])
            modified = parsedate_to_datetime(reply.last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]

        return bytes(brotli.compress(body))
    raise ValueError(f"unknown encoding {encoding!r}")


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped: a body that is tiny on the wire and huge once decoded."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    zeros = bytes(1_000_000)
    parts = [packer.compress(zeros) for _ in range(size // len(zeros))]
    parts.append(packer.compress(bytes(size % len(zeros))))
    parts.append(packer.flush())
    return b"".join(parts)
