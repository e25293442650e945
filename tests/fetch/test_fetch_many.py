"""fetch_many: a batch over shared connections, outcomes as they complete."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path

import pytest

from newsmill.config import FetchConfig
from newsmill.errors import FetchError, SourceError
from newsmill.fetch import fetch_many
from newsmill.models import FetchRequest, FetchResult
from support.feedserver import FeedServer, Reply

Outcomes = list[tuple[FetchRequest, FetchResult | SourceError]]


def _collect(requests: list[FetchRequest], config: FetchConfig) -> Outcomes:
    async def run() -> Outcomes:
        return [outcome async for outcome in fetch_many(requests, config)]

    return asyncio.run(run())


def test_failures_do_not_stop_the_batch(feed_server: FeedServer, make_request, config: FetchConfig) -> None:
    requests = []
    for number in range(17):
        url = feed_server.feed(f"/ok/{number}", f"<rss>{number}</rss>")
        requests.append(make_request(url, name=f"ok {number}"))
    requests.insert(3, make_request(feed_server.route("/missing", Reply(status=404)), name="missing"))
    requests.insert(9, make_request(feed_server.route("/down", Reply(status=500)), name="down"))
    requests.insert(15, make_request(feed_server.url("/ok/1"), name="guarded", allow_private=False))

    outcomes = _collect(requests, config)

    assert sorted(id(request) for request, _ in outcomes) == sorted(id(r) for r in requests)
    failed = {request.source.name: error for request, error in outcomes if isinstance(error, SourceError)}
    assert set(failed) == {"missing", "down", "guarded"}
    assert all(isinstance(error, FetchError) for error in failed.values())
    assert failed["missing"].message == "not found (HTTP 404)"
    assert failed["down"].transient
    for request, result in outcomes:
        if isinstance(result, FetchResult):
            assert result.source == request.source.name
            assert result.body == f"<rss>{request.source.name.split()[1]}</rss>".encode()


def test_outcomes_come_as_they_complete(feed_server: FeedServer, make_request, config: FetchConfig) -> None:
    slow = make_request(feed_server.route("/slow", Reply(body="<rss/>", delay=0.5)), name="slow")
    fast = [make_request(feed_server.feed(f"/fast/{n}", "<rss/>"), name=f"fast {n}") for n in range(3)]

    names = [request.source.name for request, _ in _collect([slow, *fast], config)]

    assert names[-1] == "slow"


@pytest.mark.parametrize(
    ("feeds", "concurrency", "per_host", "most_at_once"),
    [
        (10, 16, 3, 3),  # the per-host limit
        (6, 2, 8, 2),  # the global limit
        (6, 3, 3, 3),  # as large as each other: no host semaphore is kept, the global one is enough
    ],
)
def test_requests_in_flight_stay_within_both_limits(
    feed_server: FeedServer, make_request, config: FetchConfig, feeds: int, concurrency: int, per_host: int,
    most_at_once: int,
) -> None:  # fmt: skip
    requests = [
        make_request(feed_server.route(f"/f/{n}", Reply(body="<rss/>", delay=0.15)), name=str(n))
        for n in range(feeds)
    ]

    outcomes = _collect(requests, replace(config, concurrency=concurrency, per_host=per_host))

    assert all(isinstance(result, FetchResult) for _, result in outcomes)
    assert feed_server.max_in_flight == most_at_once


def test_mixed_batch(tmp_path: Path, feed_server: FeedServer, make_request, config: FetchConfig) -> None:
    path = tmp_path / "local.xml"
    path.write_bytes(b"<rss>local</rss>")
    requests = [
        make_request(path.as_uri(), name="file", allow_private=False),
        make_request(feed_server.feed("/a", "<rss>a</rss>"), name="http"),
        make_request("http://10.0.0.1/feed", name="private", allow_private=False),
    ]

    outcomes = {request.source.name: result for request, result in _collect(requests, config)}

    assert isinstance(outcomes["file"], FetchResult) and outcomes["file"].body == b"<rss>local</rss>"
    assert isinstance(outcomes["http"], FetchResult) and outcomes["http"].body == b"<rss>a</rss>"
    assert isinstance(outcomes["private"], FetchError)
    assert outcomes["private"].message.startswith("refused: 10.0.0.1 is a private address")


def test_closing_early_cancels_the_rest(feed_server: FeedServer, make_request, config: FetchConfig) -> None:
    requests = [
        make_request(feed_server.route("/hang", Reply(hang=True)), name="hang"),
        make_request(feed_server.feed("/quick", "<rss/>"), name="quick"),
    ]

    async def first() -> str:
        async with aclosing(fetch_many(requests, config)) as outcomes:
            async for request, _ in outcomes:
                return request.source.name
        return ""

    started = time.monotonic()
    assert asyncio.run(first()) == "quick"
    assert time.monotonic() - started < 2


def test_empty_batch(config: FetchConfig) -> None:
    assert _collect([], config) == []
