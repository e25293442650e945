"""Each way a server can misbehave, run through the whole pipeline beside a healthy source.

For every fault: the run ends within its timeouts, the faulty source's status and message say
what happened in words, a second failure backs it off longer than the first, and the healthy
source in the same run is stored as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from newsmill.core import Mill
from newsmill.errors import ParseError
from newsmill.models import SourceOutcome, SourceState, SourceStatus
from newsmill.parse import parse_feed
from support.feedserver import FeedServer, Reply, gzip_bomb
from support.reliability import STCN

pytestmark = pytest.mark.usefixtures("exempt_loopback_server")

WriteConfig = Callable[..., Path]
GOOD, BAD = "健康的源", "出故障的源"
TIMEOUT = 1.0  # [fetch] timeout and connect_timeout in these tests
RUN_LIMIT = 6.0  # a run with one faulty source must end well within this (seconds)

GB18030_DECLARED_UTF8 = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>东方财经网</title>'
    "<link>http://finance.example.cn/</link><item><title>北向资金全天净买入超过50亿元</title>"
    "<link>http://finance.example.cn/2021/1012/123.html</link>"
    "<description>消费和医药板块获加仓，𠮷野家也涨了。</description></item></channel></rss>"
).encode("gb18030")

HTML_PAGE = """<!doctype html><html><head><title>要闻</title>
<link rel="alternate" type="application/rss+xml" title="要闻" href="/rss/yw.xml">
</head><body><h1>证券时报网 要闻</h1><p>今日要闻……</p></body></html>"""


@cache
def bomb() -> bytes:
    return gzip_bomb(200_000_000)  # 200 kB on the wire, 200 MB decoded


@dataclass(frozen=True)
class Fault:
    replies: tuple[Reply, ...]
    message: str  # what the source's last_error must say
    status: SourceStatus = SourceStatus.ERROR


FAULTS: dict[str, Fault] = {
    "drip of one byte a second": Fault((Reply(body=STCN, drip=1.0),), "timed out after 1 s"),
    "hang before the headers": Fault((Reply(hang=True),), "timed out after 1 s"),
    "connection reset mid-body": Fault(
        (Reply(body=STCN, reset_after=2000),),
        "connection was reset by {host} while reading the response (after 2000 of",
    ),
    "500": Fault((Reply(status=500),), "server error (HTTP 500 Internal Server Error)"),
    "502": Fault((Reply(status=502),), "server error (HTTP 502 Bad Gateway)"),
    "503": Fault((Reply(status=503),), "server error (HTTP 503 Service Unavailable)"),
    "429 with Retry-After": Fault(
        (Reply(status=429, retry_after=120),), "too many requests (HTTP 429); the server asks to wait 2 min"
    ),
    "404": Fault((Reply(status=404, body="nope", content_type="text/plain"),), "not found (HTTP 404)"),
    "410": Fault(
        (Reply(status=410),), "gone (HTTP 410): the server says this feed was removed", SourceStatus.GONE
    ),
    "endless body": Fault((Reply(endless=True),), "response larger than 1 MB limit"),
    "gzip bomb": Fault(
        (Reply(body=b"", headers={"Content-Encoding": "gzip"}),), "response larger than 1 MB limit"
    ),
    "empty body": Fault((Reply(body=b""),), "empty response"),
    "HTML page instead of a feed": Fault(
        (Reply(body=HTML_PAGE, content_type="text/html; charset=utf-8"),),
        "not a feed: the server sent an HTML page; it advertises a feed at {base}/rss/yw.xml",
    ),
}


def fetch(config: Path, *names: str) -> dict[str, SourceOutcome]:
    with Mill.open(config) as mill:
        return {outcome.source: outcome for outcome in mill.fetch(names)}


def states(config: Path) -> dict[str, SourceState]:
    with Mill.open(config) as mill:
        return {view.source.name: view.state for view in mill.sources()}


def wait_of(state: SourceState) -> float:
    assert state.next_fetch is not None and state.last_fetched is not None
    return (state.next_fetch - state.last_fetched).total_seconds()


def serve_fault(server: FeedServer, name: str) -> str:
    fault = FAULTS[name]
    if name == "gzip bomb":
        return server.route("/bad.xml", Reply(body=bomb(), headers={"Content-Encoding": "gzip"}))
    return server.route("/bad.xml", *fault.replies)


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_is_named_backed_off_and_spares_the_other_sources(
    name: str, feed_server: FeedServer, write_config: WriteConfig
) -> None:
    fault = FAULTS[name]
    good = feed_server.route("/good.xml", Reply(body=STCN))
    config = write_config({GOOD: good, BAD: serve_fault(feed_server, name)}, timeout=TIMEOUT)

    started = time.monotonic()
    first = fetch(config)
    assert time.monotonic() - started < RUN_LIMIT

    assert first[GOOD].status is SourceStatus.OK and first[GOOD].counts.new >= 8
    assert first[BAD].status is fault.status
    state = states(config)[BAD]
    assert state.last_error == first[BAD].error
    assert fault.message.format(base=feed_server.base_url, host=feed_server.base_url[7:]) in (
        state.last_error or ""
    )
    assert "\n" not in (state.last_error or "") and "Error(" not in (state.last_error or "")
    assert state.error_count == 1

    started = time.monotonic()
    fetch(config, BAD)  # named: fetched again although it is backed off (or gone)
    assert time.monotonic() - started < RUN_LIMIT
    again = states(config)[BAD]
    assert again.error_count == 2
    assert wait_of(again) > wait_of(state), "the backoff grows with each failure"
    with Mill.open(config) as mill:
        assert mill.store.count_articles(source=GOOD) == first[GOOD].counts.new
        assert mill.store.count_articles(source=BAD) == 0
        assert BAD not in [source.name for source in mill.due_sources()]


def test_a_gone_source_says_it_is_disabled(feed_server: FeedServer, write_config: WriteConfig) -> None:
    config = write_config({BAD: feed_server.route("/gone.xml", Reply(status=410))})
    outcome = fetch(config)[BAD]
    assert outcome.status is SourceStatus.GONE
    assert "410" in (outcome.error or "") and "disabled" in (outcome.error or "")
    fetch(config)
    assert len(feed_server.requests_for("/gone.xml")) == 1, "a gone source is not fetched by a plain run"


def test_a_redirect_loop_is_named(feed_server: FeedServer, write_config: WriteConfig) -> None:
    feed_server.redirect("/a.xml", "/b.xml")
    feed_server.redirect("/b.xml", "/a.xml")
    config = write_config(
        {GOOD: feed_server.route("/good.xml", Reply(body=STCN)), BAD: feed_server.url("/a.xml")}
    )
    outcomes = fetch(config)
    assert outcomes[GOOD].status is SourceStatus.OK
    assert (
        outcomes[BAD].error
        == f"redirect loop: {feed_server.url('/b.xml')} leads back to {feed_server.url('/a.xml')}"
    )
    assert len(feed_server.requests_for("/a.xml")) <= 3


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
        ("http://10.0.0.1/feed.xml", "refused: 10.0.0.1 is a private address"),
        ("http://[::1]/feed.xml", "refused: ::1 is a loopback address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    target: str, message: str, feed_server: FeedServer, write_config: WriteConfig
) -> None:
    config = write_config({BAD: feed_server.redirect("/evil.xml", target)})
    outcome = fetch(config)[BAD]
    assert outcome.status is SourceStatus.ERROR
    assert (outcome.error or "").startswith(message)
    assert "allow_private" in (outcome.error or "")


def test_an_endless_body_is_cut_off_without_reading_it_all(
    feed_server: FeedServer, write_config: WriteConfig
) -> None:
    config = write_config({BAD: feed_server.route("/endless.xml", Reply(endless=True))})
    started = time.monotonic()
    assert "larger than 1 MB" in (fetch(config)[BAD].error or "")
    assert time.monotonic() - started < 2.0  # a 4 GB stream would take far longer to read


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/octet-stream", "text/html; charset=utf-8", "image/png", None],
)
def test_a_feed_with_the_wrong_content_type_is_still_read(
    content_type: str | None, feed_server: FeedServer, write_config: WriteConfig
) -> None:
    config = write_config({GOOD: feed_server.route("/feed", Reply(body=STCN, content_type=content_type))})
    outcome = fetch(config)[GOOD]
    assert outcome.status is SourceStatus.OK and outcome.counts.new >= 8


def test_a_gb18030_feed_declared_as_utf8_is_decoded(
    feed_server: FeedServer, write_config: WriteConfig
) -> None:
    url = feed_server.route(
        "/gb.xml", Reply(body=GB18030_DECLARED_UTF8, content_type="application/rss+xml; charset=utf-8")
    )
    config = write_config({GOOD: url})
    assert fetch(config)[GOOD].status is SourceStatus.OK
    with Mill.open(config) as mill:
        [article] = mill.articles()
    assert article.title == "北向资金全天净买入超过50亿元"
    assert "𠮷野家" in article.content_text


def test_every_fault_at_once_still_stores_the_healthy_source(
    feed_server: FeedServer, write_config: WriteConfig
) -> None:
    sources = {GOOD: feed_server.route("/good.xml", Reply(body=STCN))}
    for index, name in enumerate(FAULTS):
        fault = FAULTS[name]
        replies = (
            (Reply(body=bomb(), headers={"Content-Encoding": "gzip"}),)
            if name == "gzip bomb"
            else fault.replies
        )
        sources[f"故障 {index}"] = feed_server.route(f"/fault/{index}", *replies)
    config = write_config(sources, timeout=TIMEOUT)
    started = time.monotonic()
    outcomes = fetch(config)
    assert time.monotonic() - started < RUN_LIMIT
    assert outcomes[GOOD].status is SourceStatus.OK and outcomes[GOOD].counts.new >= 8
    for index, name in enumerate(FAULTS):
        assert outcomes[f"故障 {index}"].status is FAULTS[name].status, name


def test_the_feed_an_html_page_advertises_is_named_against_the_pages_own_address(
    feed_server: FeedServer, write_config: WriteConfig
) -> None:
    page = HTML_PAGE.replace('href="/rss/yw.xml"', 'href="feed.xml"')
    feed_server.route("/site/news/index.html", Reply(body=page, content_type="text/html"))
    config = write_config({BAD: feed_server.redirect("/news", "/site/news/index.html")})
    outcome = fetch(config)[BAD]
    assert outcome.error == (
        "not a feed: the server sent an HTML page; it advertises a feed at "
        f"{feed_server.url('/site/news/feed.xml')}"
    )


def test_parse_feed_makes_the_advertised_link_absolute_against_the_url_it_is_given() -> None:
    page = HTML_PAGE.replace('href="/rss/yw.xml"', 'href="feed.xml"').encode()
    with pytest.raises(ParseError) as caught:
        parse_feed(page, source="要闻", url="https://www.stcn.com/yw/index.html")
    assert caught.value.message.endswith("it advertises a feed at https://www.stcn.com/yw/feed.xml")
