"""The fault kinds the reliability tests rely on, checked on the test server itself with raw
sockets, so a test that passes does so because the server really misbehaved."""

from __future__ import annotations

import socket
import time

import pytest

from support.feedserver import FeedServer, Reply


def raw_get(server: FeedServer, path: str, *, timeout: float = 5) -> tuple[bytes, BaseException | None]:
    """Everything the server sends for `path` until it closes, and how the connection ended."""
    received = b""
    with socket.create_connection((server.host, server.port), timeout=timeout) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except OSError as error:
            return received, error
    return received, None


def test_drip_sends_one_byte_at_a_time(feed_server: FeedServer) -> None:
    feed_server.route("/drip", Reply(body=b"abcdef", drip=0.2))
    started = time.monotonic()
    received, ending = raw_get(feed_server, "/drip")
    assert received.endswith(b"\r\n\r\nabcdef") and b"Content-Length: 6" in received
    assert time.monotonic() - started >= 1.0 and ending is None


def test_reset_after_sends_part_of_the_body_then_a_reset(feed_server: FeedServer) -> None:
    feed_server.route("/reset", Reply(body=b"x" * 10_000, reset_after=100))
    received, ending = raw_get(feed_server, "/reset")
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Content-Length: 10000" in head and len(body) <= 100
    assert isinstance(ending, ConnectionResetError)


def test_a_server_can_take_a_chosen_port_on_another_loopback_address() -> None:
    with FeedServer("127.0.0.2") as first, FeedServer("127.0.0.1", first.port) as second:
        assert first.port == second.port
        first.route("/who", Reply(body=b"first"))
        second.route("/who", Reply(body=b"second"))
        assert raw_get(first, "/who")[0].endswith(b"first")
        assert raw_get(second, "/who")[0].endswith(b"second")


@pytest.mark.parametrize("reply", [Reply(hang=True), Reply(body=b"abc", drip=30)])
def test_stopping_the_server_releases_a_slow_reply(reply: Reply) -> None:
    server = FeedServer().start()
    server.route("/slow", reply)
    connection = socket.create_connection((server.host, server.port), timeout=5)
    connection.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    connection.close()
    assert time.monotonic() - started < 3
