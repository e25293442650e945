"""HTTP(S) fetching with aiohttp: conditional GET, redirects, size cap, retries, SSRF guard.

One `Fetcher` serves a whole batch. It holds at most two sessions: one whose connector
resolves through the SSRF guard, and one without it for sources with `allow_private = true`.
Keeping them apart means a connection or DNS answer that a trusted source was allowed to use
is never reused for a guarded one. Both share one `Limiter`, so `[fetch] concurrency` and
`per_host` hold across them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from importlib.util import find_spec
from types import TracebackType

import aiohttp
from aiohttp import hdrs
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDictProxy
from yarl import URL

from newsmill.config import FetchConfig
from newsmill.errors import FetchError
from newsmill.fetch.files import fetch_file, is_file_url
from newsmill.fetch.guard import GuardedResolver, url_refusal
from newsmill.fetch.messages import network_error, status_error, too_large
from newsmill.fetch.retry import parse_retry_after, retry_delay
from newsmill.models import FetchRequest, FetchResult

# aiohttp decodes br only when a brotli module is installed (aiohttp[speedups] brings one).
_HAS_BROTLI = any(find_spec(name) for name in ("brotli", "brotlicffi"))
ACCEPT_ENCODING = "gzip, deflate, br" if _HAS_BROTLI else "gzip, deflate"

# Feeds first; HTML last, since a feed URL that now serves a web page is still worth reading
# (the parse stage can find the feed link in it).
ACCEPT_FEED = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, text/html;q=0.5, */*;q=0.1"
)
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
CHUNK_SIZE = 64 * 1024
# A URL may be visited twice in one chain: some sites set a cookie and redirect to the very
# same URL. A third visit is a loop.
MAX_VISITS = 2


@dataclass(frozen=True, slots=True)
class _Reply:
    """One HTTP response, with its body read only when it is a 2xx."""

    url: URL
    status: int
    reason: str | None
    headers: CIMultiDictProxy[str]
    body: bytes = b""


class Limiter:
    """At most `total` requests in flight, and at most `per_host` to any one host:port."""

    def __init__(self, total: int, per_host: int) -> None:
        self._total = asyncio.Semaphore(total)
        # With per_host >= total, the total alone keeps every host within per_host.
        self._per_host = per_host if per_host < total else None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def slot(self, url: URL) -> _Slot:
        """`async with limiter.slot(url):` holds one slot for `url`'s host while the block runs."""
        host = None
        if self._per_host is not None:
            key = f"{url.host}:{url.port}"
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = asyncio.Semaphore(self._per_host)
        return _Slot(host, self._total)


class _Slot:
    """One request's slot (a plain class: this runs once per request, and an
    `asynccontextmanager` costs a generator and its frames each time)."""

    __slots__ = ("_host", "_total")

    def __init__(self, host: asyncio.Semaphore | None, total: asyncio.Semaphore) -> None:
        self._host, self._total = host, total

    async def __aenter__(self) -> None:
        # The host slot first: a request waiting for a busy host must not hold a global slot.
        if self._host is None:
            await self._total.acquire()
            return
        await self._host.acquire()
        try:
            await self._total.acquire()
        except BaseException:
            self._host.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._total.release()
        if self._host is not None:
            self._host.release()


class Fetcher:
    """Fetches requests over shared sessions and limits. Use as `async with Fetcher(c) as f`."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._limiter = Limiter(config.concurrency, config.per_host)
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._resolvers: list[AbstractResolver] = []

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the sessions (and the resolver, which a connector does not own)."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
        resolvers, self._resolvers = self._resolvers, []
        for resolver in resolvers:
            await resolver.close()

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """Fetch one request, retrying transient failures; raise `FetchError` on failure."""
        if is_file_url(request.url):
            return await fetch_file(request, self.config)
        attempt = 0
        while True:
            try:
                return await self._follow(request)
            except FetchError as error:
                delay = retry_delay(
                    error,
                    attempt,
                    retries=self.config.retries,
                    max_wait=self.config.retry_max_wait,
                )
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            attempt += 1

    async def _follow(self, request: FetchRequest) -> FetchResult:
        """Request the URL and follow redirects by hand, checking each hop with the guard."""
        name = request.source.name
        url = _parse_url(name, request.url)
        visits: Counter[str] | None = None  # made on the first redirect: most fetches have none
        permanent, hops = True, 0
        while True:
            reply = await self._exchange(request, url)
            if reply.status not in REDIRECTS or hdrs.LOCATION not in reply.headers:
                return _result(request, reply, redirected=hops > 0, permanent=permanent)
            hops += 1
            permanent = permanent and reply.status in PERMANENT_REDIRECTS
            if visits is None:
                visits = Counter([str(url)])
            url = _redirect_target(name, reply)
            visits[str(url)] += 1
            if visits[str(url)] > MAX_VISITS:
                raise FetchError(name, f"redirect loop: {reply.url} leads back to {url}")
            if hops > self.config.max_redirects:
                limit = self.config.max_redirects
                raise FetchError(name, f"too many redirects (more than {limit})")

    async def _exchange(self, request: FetchRequest, url: URL) -> _Reply:
        """One request to `url`, inside a concurrency slot; network errors become FetchError."""
        name = request.source.name
        problem = url_refusal(url, allow_private=request.source.allow_private)
        if problem is not None:
            raise FetchError(name, problem)
        session = self._session(request.source.allow_private)
        headers = _headers(request)
        try:
            async with (
                self._limiter.slot(url),
                session.get(url, headers=headers, allow_redirects=False) as response,
            ):
                body = b""
                if 200 <= response.status < 300:
                    body = await self._read_body(name, response)
                return _Reply(url, response.status, response.reason, response.headers, body)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise network_error(
                name,
                exc,
                url,
                timeout=self.config.timeout,
                connect_timeout=self.config.connect_timeout,
            ) from exc

    async def _read_body(self, name: str, response: aiohttp.ClientResponse) -> bytes:
        """Read the decompressed body, stopping as soon as it passes `max_bytes`.

        aiohttp decompresses as it streams, in bounded pieces, so counting here also stops a
        gzip bomb long before it fills memory.
        """
        limit = self.config.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise too_large(name, limit)
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.content.iter_chunked(CHUNK_SIZE):
            total += len(chunk)
            if total > limit:
                raise too_large(name, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _session(self, allow_private: bool) -> aiohttp.ClientSession:
        session = self._sessions.get(allow_private)
        if session is None:
            session = self._sessions[allow_private] = self._new_session(allow_private)
        return session

    def _new_session(self, allow_private: bool) -> aiohttp.ClientSession:
        config = self.config
        # Both resolve through getaddrinfo (the system resolver), not aiodns even when it is
        # installed: the same answers either way, and no DNS channel to set up per run.
        resolver: AbstractResolver = aiohttp.ThreadedResolver() if allow_private else GuardedResolver()
        self._resolvers.append(resolver)
        # The Limiter already enforces these; the connector limits are a backstop.
        connector = aiohttp.TCPConnector(
            limit=config.concurrency, limit_per_host=config.per_host, resolver=resolver
        )
        # `total` covers the whole request, body included; a read timeout as long as that could
        # never fire first, and re-arming its timer on every chunk read costs a timer per chunk.
        timeout = aiohttp.ClientTimeout(total=config.timeout, sock_connect=config.connect_timeout)
        # trust_env stays off: an HTTP(S)_PROXY from the environment would bypass the guard.
        return aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers={hdrs.USER_AGENT: config.user_agent},
            trust_env=False,
        )


def _parse_url(name: str, text: str) -> URL:
    try:
        return URL(text)
    except (TypeError, ValueError):
        raise FetchError(name, f"invalid URL {text!r}") from None


def _headers(request: FetchRequest) -> dict[str, str]:
    headers: dict[str, str] = {
        hdrs.ACCEPT: ACCEPT_PAGE if request.source.kind == "page" else ACCEPT_FEED,
        hdrs.ACCEPT_ENCODING: ACCEPT_ENCODING,
    }
    # Sent on every hop: after a temporary redirect the validators belong to the final URL.
    if request.etag:
        headers[hdrs.IF_NONE_MATCH] = request.etag
    if request.last_modified:
        headers[hdrs.IF_MODIFIED_SINCE] = request.last_modified
    return headers


def _redirect_target(name: str, reply: _Reply) -> URL:
    location = reply.headers[hdrs.LOCATION]
    try:
        return reply.url.join(URL(location)).with_fragment(None)
    except (TypeError, ValueError):
        raise FetchError(name, f"invalid redirect from {reply.url} to {location!r}") from None


def _result(request: FetchRequest, reply: _Reply, *, redirected: bool, permanent: bool) -> FetchResult:
    """Turn the final reply into a FetchResult, or raise the error its status means."""
    name = request.source.name
    headers = reply.headers
    final = str(reply.url) if redirected else request.url
    moved = final if redirected and permanent else None
    if reply.status == 304:
        return FetchResult(
            source=name,
            url=final,
            not_modified=True,
            etag=headers.get(hdrs.ETAG) or request.etag,
            last_modified=headers.get(hdrs.LAST_MODIFIED) or request.last_modified,
            permanent_url=moved,
            status=304,
        )
    if 200 <= reply.status < 300:
        return FetchResult(
            source=name,
            url=final,
            not_modified=False,
            body=reply.body,
            content_type=headers.get(hdrs.CONTENT_TYPE),
            etag=headers.get(hdrs.ETAG),
            last_modified=headers.get(hdrs.LAST_MODIFIED),
            permanent_url=moved,
            status=reply.status,
        )
    retry_after = parse_retry_after(headers.get(hdrs.RETRY_AFTER))
    raise status_error(name, reply.status, reply.reason, retry_after)
