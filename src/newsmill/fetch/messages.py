"""Turn network exceptions and HTTP statuses into one-line `FetchError`s a person understands.

The messages end up in `newsmill sources list` and in run reports, so they say what happened
("timed out after 20 s", "connection refused by example.com:443") rather than name an
exception class.
"""

from __future__ import annotations

import re
import socket
from http import HTTPStatus

import aiohttp
from yarl import URL

from newsmill.errors import FetchError
from newsmill.fetch.guard import RefusedAddress

GONE_MESSAGE = (
    "gone (HTTP 410): the server says this feed was removed; the source is disabled until its URL changes"
)


def one_line(text: str) -> str:
    """Collapse whitespace so a message never spans lines."""
    return " ".join(text.split())


def human_bytes(count: int) -> str:
    """10_000_000 → "10 MB" (decimal units, as disk and network people count)."""
    for size, unit in ((1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"


def human_seconds(seconds: float) -> str:
    """20.0 → "20 s", 1.5 → "1.5 s", 3600 → "1 h"."""
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 120:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"


def too_large(source: str, limit: int) -> FetchError:
    """The body (after decompression) is over `[fetch] max_bytes`."""
    return FetchError(source, f"response larger than {human_bytes(limit)} limit")


def status_error(source: str, status: int, reason: str | None, retry_after: float | None) -> FetchError:
    """The error for a final response that is not 2xx, 304 or a followed redirect."""
    label = f"HTTP {status}"
    if status == 404:
        return FetchError(source, "not found (HTTP 404)", status=status)
    if status == 410:
        return FetchError(source, GONE_MESSAGE, status=status, gone=True)
    if status == 401:
        message = "unauthorized (HTTP 401): the server wants a login for this feed"
        return FetchError(source, message, status=status)
    if status == 403:
        message = "forbidden (HTTP 403): the server refuses access (it may block automated clients)"
        return FetchError(source, message, status=status)
    wait = f"; the server asks to wait {human_seconds(retry_after)}" if retry_after else ""
    if status == 429:
        message = f"too many requests (HTTP 429){wait}"
        return FetchError(source, message, transient=True, status=status, retry_after=retry_after)
    label = f"{label} {reason or _phrase(status)}".strip()
    if status >= 500:
        message = f"server error ({label}){wait}"
        return FetchError(source, message, transient=True, status=status, retry_after=retry_after)
    if 300 <= status < 400:
        message = f"unexpected redirect ({label}) without a usable Location header"
        return FetchError(source, message, status=status)
    return FetchError(source, one_line(f"request refused ({label})"), status=status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def network_error(
    source: str, exc: BaseException, url: URL, *, timeout: float, connect_timeout: float
) -> FetchError:
    """The error for an exception raised while requesting `url`."""
    message, transient = _describe(exc, url, timeout, connect_timeout)
    return FetchError(source, one_line(message), transient=transient)


def _describe(exc: BaseException, url: URL, timeout: float, connect_timeout: float) -> tuple[str, bool]:
    host = url.host or str(url)
    where = f"{host}:{url.port}" if url.port else host
    if isinstance(exc, RefusedAddress):
        return exc.message, False
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, RefusedAddress):
            return exc.os_error.message, False
        return f"could not resolve host {host}", True
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"timed out after {human_seconds(connect_timeout)} connecting to {where}", True
    if isinstance(exc, TimeoutError):
        return f"timed out after {human_seconds(timeout)}", True
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"the TLS certificate of {host} is not valid: {exc.certificate_error}", False
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS handshake with {host} failed: {exc}", False
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _connect_problem(exc.os_error, where), True
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection before answering", True
    if isinstance(exc, aiohttp.ClientPayloadError):
        return _payload_problem(exc, where), True
    if isinstance(exc, aiohttp.InvalidURL):
        why = f": {exc.url} {exc.description}" if exc.description else f" {exc.url}"
        return f"invalid URL{why}", False
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"the server sent an invalid HTTP response: {exc.message}", False
    if isinstance(exc, aiohttp.ClientOSError | OSError):
        return _connect_problem(exc, where), True
    return f"request failed: {exc or type(exc).__name__}", True


def _payload_problem(exc: aiohttp.ClientPayloadError, where: str) -> str:
    """A body cut short: aiohttp only says so in its message (and names the reset there)."""
    text = str(exc)
    received = re.search(r"received (\d+) of (\d+) bytes", text)
    part = f" (after {received[1]} of {received[2]} bytes)" if received else ""
    if "ConnectionResetError" in text or isinstance(exc.__cause__, ConnectionResetError):
        return f"connection was reset by {where} while reading the response{part}"
    if received or "ContentLengthError" in text or "TransferEncodingError" in text:
        return f"the server closed the connection before the response was complete{part}"
    return f"could not read the response body: {text.partition(':')[0] or type(exc).__name__}"


def _connect_problem(error: OSError, where: str) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(error, ConnectionResetError):
        return f"connection reset by {where}"
    if isinstance(error, socket.gaierror):
        return f"could not resolve host {where}"
    reason = error.strerror or str(error) or type(error).__name__
    return f"could not connect to {where}: {reason}"
