"""The whole ingest path against a real HTTP server on 127.0.0.1 and a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.core import Mill
from newsmill.models import SourceStatus
from support.feedserver import FeedServer, Reply

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "feeds"
STCN = (EXAMPLES / "stcn-yw.xml").read_bytes()
OSCHINA = (EXAMPLES / "oschina-news.xml").read_bytes()
GBK = (EXAMPLES / "old-blog-gbk.xml").read_bytes()

UNDATED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>无日期</title><link>https://blog.example.com/</link>
<item><title>没有日期的文章</title><link>https://blog.example.com/1</link><description>{body}</description></item>
</channel></rss>"""


def write_config(
    folder: Path, sources: dict[str, str], *, allow_private: bool = True, workers: int = 0
) -> Path:
    lines = [
        "[store]",
        'url = "sqlite:///news.db"',
        "[fetch]",
        f"allow_private = {str(allow_private).lower()}",
        f"workers = {workers}",
    ]
    lines += ["retries = 0", "timeout = 5"]
    for name, url in sources.items():
        lines += [
            "[[sources]]",
            f'name = "{name}"',
            f'url = "{url}"',
            'categories = ["金融", "证券时报网", "要闻"]',
        ]
    path = folder / "newsmill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fetch(config: Path, *names: str):
    with Mill.open(config) as mill:
        return {outcome.source: outcome for outcome in mill.fetch(names)}


def states(config: Path):
    with Mill.open(config) as mill:
        return {view.source.name: view.state for view in mill.sources()}


def articles(config: Path, source: str | None = None):
    with Mill.open(config) as mill:
        return mill.articles(source=source)


def test_feeds_over_http_are_stored_once_and_a_refetch_costs_a_304(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    stcn = feed_server.route("/stcn.xml", Reply(body=STCN, etag='"v1"'))
    oschina = feed_server.route(
        "/oschina.xml", Reply(body=OSCHINA, last_modified="Tue, 12 Oct 2021 06:00:00 GMT")
    )
    config = write_config(tmp_path, {"证券时报网 要闻": stcn, "开源中国": oschina})
    first = fetch(config)
    assert first["证券时报网 要闻"].counts.new == first["证券时报网 要闻"].entries >= 8
    assert first["开源中国"].counts.new >= 6
    stored = articles(config, "证券时报网 要闻")
    seed = next(a for a in stored if a.title == "发布两大基因产业园 上海加码布局生物医药前沿产业")
    assert seed.published == datetime(2021, 10, 12, 13, 33, tzinfo=UTC)
    assert seed.categories == ("金融", "证券时报网", "要闻")
    assert all(a.url.startswith("https://") for a in stored)
    assert "trsHotWords" not in seed.content_html and "style=" not in seed.content_html

    second = fetch(config, "证券时报网 要闻", "开源中国")
    assert {o.status for o in second.values()} == {SourceStatus.NOT_MODIFIED}
    assert feed_server.requests_for("/stcn.xml")[-1].header("if-none-match") == '"v1"'
    assert (
        feed_server.requests_for("/oschina.xml")[-1].header("if-modified-since")
        == "Tue, 12 Oct 2021 06:00:00 GMT"
    )
    assert len(articles(config)) == first["证券时报网 要闻"].counts.new + first["开源中国"].counts.new
    assert {state.status for state in states(config).values()} == {SourceStatus.NOT_MODIFIED}


def test_worker_processes_store_exactly_what_the_store_thread_would(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feeds = {
        "证券时报网 要闻": feed_server.route("/stcn.xml", Reply(body=STCN)),
        "开源中国": feed_server.route("/oschina.xml", Reply(body=OSCHINA)),
        "旧博客": feed_server.route("/gbk.xml", Reply(body=GBK, content_type="text/xml")),
        "乱码": feed_server.route("/garbage.xml", Reply(body=b"\x00 not a feed", content_type="text/plain")),
    }
    (tmp_path / "here").mkdir()
    (tmp_path / "pool").mkdir()
    here = write_config(tmp_path / "here", feeds, workers=0)
    pool = write_config(tmp_path / "pool", feeds, workers=2)
    here_outcomes, pool_outcomes = fetch(here), fetch(pool)
    assert {n: o.status for n, o in pool_outcomes.items()} == {n: o.status for n, o in here_outcomes.items()}
    assert pool_outcomes["乱码"].status is SourceStatus.ERROR
    assert [(a.id, a.title, a.content_hash) for a in articles(pool)] == [
        (a.id, a.title, a.content_hash) for a in articles(here)
    ]
    assert len(articles(pool)) >= 20


def test_one_broken_source_does_not_stop_the_others(tmp_path: Path, feed_server: FeedServer, capsys) -> None:
    good = feed_server.route("/good.xml", Reply(body=STCN))
    missing = feed_server.route("/missing.xml", Reply(status=404, body=b"no"))
    garbage = feed_server.route(
        "/garbage.xml", Reply(body=b"\x00\x01\x02 this is not a feed", content_type="text/plain")
    )
    config = write_config(tmp_path, {"好的": good, "不存在": missing, "乱码": garbage})
    assert main(["fetch", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "不存在" in err and "404" in err
    state = states(config)
    assert state["好的"].status is SourceStatus.OK
    assert state["不存在"].status is SourceStatus.ERROR and state["不存在"].error_count == 1
    assert "404" in (state["不存在"].last_error or "")
    assert state["乱码"].status is SourceStatus.ERROR
    assert len(articles(config, "好的")) >= 8


def test_a_failing_source_is_backed_off_longer_each_time(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/down.xml", Reply(status=503))
    config = write_config(tmp_path, {"宕机": url})
    waits = []
    for expected_errors in (1, 2, 3):
        outcome = fetch(config, "宕机")["宕机"]
        state = states(config)["宕机"]
        assert state.error_count == expected_errors
        assert "503" in (outcome.error or "")
        waits.append((state.next_fetch - state.last_fetched).total_seconds())
    assert waits[0] < waits[1] < waits[2]
    with Mill.open(config) as mill:
        assert mill.due_sources() == []  # not due again until its backoff passes


def test_retry_after_sets_the_next_fetch_time(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/busy.xml", Reply(status=429, retry_after=7200))
    config = write_config(tmp_path, {"限流": url})
    fetch(config, "限流")
    state = states(config)["限流"]
    assert (state.next_fetch - state.last_fetched).total_seconds() >= 7200


def test_a_permanent_redirect_updates_the_stored_url(tmp_path: Path, feed_server: FeedServer) -> None:
    new = feed_server.route("/new.xml", Reply(body=STCN))
    old = feed_server.redirect("/old.xml", "/new.xml", status=301)
    config = write_config(tmp_path, {"搬家": old})
    fetch(config)
    assert states(config)["搬家"].url == new
    fetch(config, "搬家")
    assert len(feed_server.requests_for("/old.xml")) == 1  # the second fetch went straight to the new URL


def test_gone_disables_the_source_until_its_url_changes(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/gone.xml", Reply(status=410))
    config = write_config(tmp_path, {"停刊": url})
    outcome = fetch(config)["停刊"]
    assert outcome.status is SourceStatus.GONE and "410" in (outcome.error or "")
    with Mill.open(config) as mill:
        assert mill.due_sources() == []
    other = feed_server.route("/back.xml", Reply(body=STCN))
    config = write_config(tmp_path, {"停刊": other})
    with Mill.open(config) as mill:
        assert [s.name for s in mill.due_sources()] == ["停刊"]


def test_an_unchanged_body_without_validators_is_not_parsed_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.route("/plain.xml", Reply(body=STCN))
    config = write_config(tmp_path, {"无缓存头": url})
    fetch(config)
    assert fetch(config, "无缓存头")["无缓存头"].status is SourceStatus.NOT_MODIFIED


def test_gbk_feed_without_charset_in_the_http_header_is_decoded(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.route("/gbk.xml", Reply(body=GBK, content_type="application/xml"))
    config = write_config(tmp_path, {"旧博客": url})
    assert fetch(config)["旧博客"].status is SourceStatus.OK
    text = " ".join(a.title + a.content_text for a in articles(config))
    assert "镕" in text or "喆" in text
    assert "\ufffd" not in text


def test_an_undated_item_keeps_the_time_it_was_first_seen(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/undated.xml", Reply(body=UNDATED.format(body="第一版").encode()))
    config = write_config(tmp_path, {"无日期": url})
    fetch(config)
    first = articles(config)[0].published
    feed_server.route("/undated.xml", Reply(body=UNDATED.format(body="第二版，内容改了").encode()))
    outcome = fetch(config, "无日期")["无日期"]
    assert outcome.counts.updated == 1
    assert articles(config)[0].published == first
    assert "第二版" in articles(config)[0].content_text


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", Reply(body=STCN))
    config = write_config(tmp_path, {"内网": url}, allow_private=False)
    outcome = fetch(config)["内网"]
    assert outcome.status is SourceStatus.ERROR
    assert "private" in (outcome.error or "") or "loopback" in (outcome.error or "")
    assert feed_server.requests_for("/feed.xml") == []


@pytest.mark.parametrize(
    "name", ["stcn-yw.xml", "oschina-news.xml", "old-blog-gbk.xml", "sspai.atom", "weekly.json"]
)
def test_each_example_feed_is_stored_with_absolute_links(
    tmp_path: Path, feed_server: FeedServer, name: str
) -> None:
    url = feed_server.route(f"/{name}", Reply(body=(EXAMPLES / name).read_bytes(), content_type=None))
    config = write_config(tmp_path, {"例子": url})
    assert fetch(config)["例子"].status is SourceStatus.OK
    stored = articles(config)
    assert len(stored) >= 5
    for article in stored:
        assert article.url.startswith(("http://", "https://"))
        assert article.title.strip()
        assert article.published.tzinfo is not None
        assert "<script" not in article.content_html


def test_process_source_takes_one_result_through_the_same_steps_as_a_run(tmp_path: Path) -> None:
    from newsmill.config import load_config
    from newsmill.errors import ParseError
    from newsmill.models import FetchResult
    from newsmill.pipeline import current_state, process_source
    from newsmill.store import open_store

    config = load_config(write_config(tmp_path, {"证券时报网 要闻": "https://www.stcn.com/rss"}))
    source = config.sources[0]
    store = open_store(config.store.url, root=config.root)
    now = datetime(2021, 10, 12, 6, 0, tzinfo=UTC)
    try:
        new = FetchResult(source.name, source.url, False, STCN, "application/rss+xml", etag='"v1"')
        first = process_source(config, store, source, current_state(source, None), new, now)
        state = store.source_states()[source.name]
        assert first.status is SourceStatus.OK and first.counts.new == first.entries >= 8
        assert state.etag == '"v1"' and state.body_hash and state.next_fetch == first.next_fetch

        same = process_source(config, store, source, state, new, now)  # same bytes: no parse
        assert same.status is SourceStatus.NOT_MODIFIED and same.counts.new == 0
        unchanged = FetchResult(source.name, source.url, True, etag='"v1"', status=304)
        assert (
            process_source(config, store, source, state, unchanged, now).status is SourceStatus.NOT_MODIFIED
        )

        broken = FetchResult(source.name, source.url, False, b"<html><body>gone</body></html>", "text/html")
        failed = process_source(config, store, source, state, broken, now)
        assert failed.status is SourceStatus.ERROR and failed.error
        error = ParseError(source.name, "boom")
        process_source(config, store, source, store.source_states()[source.name], error, now)
        after = store.source_states()[source.name]
        assert after.error_count == 2 and after.last_error and after.etag == '"v1"'
        assert store.count_articles(source=source.name) == first.counts.new
    finally:
        store.close()


def test_enrich_off_stores_the_articles_for_newsmill_enrich_to_add_later(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    import asyncio

    from newsmill.pipeline import fetch_sources, plan_fetch, utcnow

    config = write_config(tmp_path, {"证券时报网 要闻": feed_server.route("/stcn.xml", Reply(body=STCN))})
    with Mill.open(config) as mill:
        planned = plan_fetch(mill.config, mill.store.source_states(), utcnow())
        outcomes = asyncio.run(fetch_sources(mill.config, mill.store, planned, enrich=False))
        assert [o.status for o in outcomes] == [SourceStatus.OK] and outcomes[0].counts.new >= 8
        stored = mill.store.count_articles()
        assert stored == outcomes[0].counts.new
        assert len(list(mill.store.iter_articles(unenriched=True))) == stored
        assert mill.enrich() == stored
        assert not list(mill.store.iter_articles(unenriched=True))


def test_a_run_of_304s_loads_neither_the_parser_nor_the_enrich_stage(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # They take a good part of a second to import; a run in which nothing changed needs neither.
    import os
    import subprocess
    import sys

    import newsmill

    config = write_config(
        tmp_path, {"证券时报网 要闻": feed_server.route("/stcn.xml", Reply(body=STCN, etag='"v1"'))}
    )
    assert fetch(config)["证券时报网 要闻"].status is SourceStatus.OK
    script = (
        "import sys\n"
        "from newsmill.core import Mill\n"
        "import newsmill.pipeline\n"
        "listing = {'aiohttp', 'rjieba', 'nh3', 'lxml'} & set(sys.modules)\n"
        f"with Mill.open({str(config)!r}) as mill:\n"
        "    statuses = [o.status.value for o in mill.fetch(['证券时报网 要闻'])]\n"
        "print(sorted(listing), statuses, sorted({'rjieba', 'nh3', 'lxml'} & set(sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(newsmill.__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "[] ['not-modified'] []"
