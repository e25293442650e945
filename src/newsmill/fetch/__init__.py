"""The fetch stage: source URLs in, bytes (or "not modified") out.

`fetch_many` fetches a batch concurrently over one set of connections and yields each
source's outcome as soon as it is known; `fetch_one` fetches one source. Both speak HTTP(S)
through aiohttp (conditional GET, manual redirects, a size cap, retries, an SSRF guard) and
read `file://` URLs from disk. `next_fetch_time` says when a source is due again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING

from newsmill.config import FetchConfig
from newsmill.errors import SourceError
from newsmill.fetch.schedule import next_fetch_time
from newsmill.models import FetchRequest, FetchResult

# aiohttp takes a good part of a second to import: it loads with the first fetch, so that
# importing `newsmill.fetch.schedule` (as `sources list` does, through the pipeline) does not.
if TYPE_CHECKING:
    from newsmill.fetch.http import Fetcher

__all__ = ["fetch_many", "fetch_one", "next_fetch_time"]

Outcome = tuple[FetchRequest, FetchResult | SourceError]


async def fetch_one(request: FetchRequest, config: FetchConfig) -> FetchResult:
    """Fetch one source. Raises `FetchError` (a `SourceError`) when it cannot be had."""
    from newsmill.fetch.http import Fetcher

    async with Fetcher(config) as fetcher:
        return await fetcher.fetch(request)


async def fetch_many(requests: Sequence[FetchRequest], config: FetchConfig) -> AsyncGenerator[Outcome, None]:
    """Fetch a batch; yield `(request, result or error)` for each source as it finishes.

    One source's failure is yielded, never raised; every request is yielded exactly once.
    Unexpected exceptions (bugs) are not swallowed. Close the generator early
    (`contextlib.aclosing`) to cancel whatever is still running.
    """
    from newsmill.fetch.http import Fetcher

    async with Fetcher(config) as fetcher:
        tasks = [asyncio.create_task(_outcome(fetcher, request)) for request in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _outcome(fetcher: Fetcher, request: FetchRequest) -> Outcome:
    try:
        return request, await fetcher.fetch(request)
    except SourceError as error:
        return request, error
