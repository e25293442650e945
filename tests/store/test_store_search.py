"""Search, stocks and stories in a real SQLite store, written in the article's own transaction."""

from __future__ import annotations

import random
import sqlite3
from array import array
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from newsmill.config import Config, EnrichConfig
from newsmill.enrich import analyse_drafts, compile_query, enrich_drafts
from newsmill.enrich.segment import bigrams, index_text, segmenter
from newsmill.enrichment import (
    enrich_all,
    enrich_context,
    enrich_missing,
    fresh_drafts,
    reindex,
    save_enriched,
)
from newsmill.errors import ConfigError
from newsmill.models import ArticleDraft, SourceState
from newsmill.store import Store, open_store
from newsmill.store.migrations import CURRENT_VERSION
from support.enrich_corpus import (
    DAY,
    REWRITE_1_TEXT,
    REWRITE_1_TITLE,
    REWRITE_2_TEXT,
    REWRITE_2_TITLE,
    STORY_TEXT,
    STORY_TITLE,
    UNRELATED_TEXT,
    UNRELATED_TITLE,
    draft,
    seed_html,
)
from support.stories import one_story


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(path=tmp_path / "newsmill.toml")


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store("sqlite:///news.db", root=tmp_path)
    yield opened
    opened.close()


def ingest(config: Config, store: Store, *drafts: ArticleDraft) -> None:
    """What the pipeline does with one source's cleaned articles."""
    for source in dict.fromkeys(d.source for d in drafts):
        batch = [d for d in drafts if d.source == source]
        save_enriched(store, enrich_context(config, store), SourceState(name=source), batch, DAY)


def found(store: Store, query: str, **filters: object) -> list[str]:
    return [hit.article.id for hit in store.search(compile_query(query), **filters)]  # type: ignore[arg-type]


def test_a_word_in_the_middle_of_a_compound_is_found(config: Config, store: Store) -> None:
    article = draft(1, STORY_TITLE, STORY_TEXT)
    ingest(config, store, article)
    for word in ("基因", "因产", "医学", "产业园", "生物医药", "细胞和基因产业园", "生命科学", "基因岛"):
        assert found(store, word) == [article.id], word
    assert found(store, "量子计算") == []


def test_recall_matches_a_substring_scan(config: Config, store: Store) -> None:
    rng = random.Random(7)
    texts = [STORY_TEXT, REWRITE_1_TEXT, REWRITE_2_TEXT, UNRELATED_TEXT]
    drafts = []
    for number in range(60):
        sentences = [s for text in texts for s in text.split("。") if s]
        body = "。".join(rng.sample(sentences, 4))
        drafts.append(draft(number, f"第{number}篇 {body[:12]}", body, source=f"源{number % 3}"))
    ingest(config, store, *drafts)
    words = set()
    for text in texts:
        for _ in range(80):
            start, size = rng.randrange(len(text) - 4), rng.randint(2, 4)
            word = text[start : start + size]
            if all("\u4e00" <= ch <= "\u9fff" for ch in word):
                words.add(word)
    missed = total = 0
    for word in sorted(words):
        expected = {d.id for d in drafts if word in d.content_text or word in d.title}
        got = set(hit.article.id for hit in store.search(compile_query(word), limit=len(drafts)))
        total += len(expected)
        missed += len(expected - got)
    assert total > 500
    assert missed == 0


def test_mixed_chinese_and_english_queries(config: Config, store: Store) -> None:
    rust = draft(
        1, "开源中国年度报告", "开源中国社区发布年度报告，Rust 和 Go 语言的使用者继续增长，iPhone15 发布会。"
    )
    other = draft(2, "Go 语言发布新版本", "Go 1.22 正式发布。")
    ingest(config, store, rust, other)
    assert found(store, "rust 语言") == [rust.id]
    assert set(found(store, "go 语言")) == {rust.id, other.id}
    assert found(store, "iphone 发布会") == [rust.id]
    assert found(store, "RUST") == [rust.id]


def test_title_matches_rank_first_and_newer_articles_break_ties(config: Config, store: Store) -> None:
    in_body = draft(1, "央行开展逆回购操作", "市场消息：光伏组件价格企稳回升。" * 3)
    in_title = draft(2, "光伏组件价格企稳回升", "多晶硅料库存下降。" * 3)
    older = draft(3, "半导体设备国产化率提升", "晶圆厂资本开支维持高位。", published=DAY)
    newer = draft(4, "半导体设备国产化率提升", "晶圆厂资本开支维持高位。", published=DAY + timedelta(days=30))
    ingest(config, store, in_body, in_title, older, newer)
    assert found(store, "光伏组件") == [in_title.id, in_body.id]
    assert found(store, "晶圆厂") == [newer.id, older.id]


def test_results_have_snippets_with_the_matches_marked(config: Config, store: Store) -> None:
    ingest(config, store, draft(1, STORY_TITLE, STORY_TEXT))
    hit = store.search(compile_query("基因岛"))[0]
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "基因岛"
    assert len(hit.snippet) <= 82


def test_search_filters_by_source_category_and_date(config: Config, store: Store) -> None:
    stcn = draft(1, STORY_TITLE, STORY_TEXT)
    other = draft(
        2, REWRITE_1_TITLE, REWRITE_1_TEXT, source="上海证券报 快讯", published=DAY + timedelta(days=5)
    )
    ingest(config, store, stcn, other)
    assert set(found(store, "基因")) == {stcn.id, other.id}
    assert found(store, "基因", source="上海证券报 快讯") == [other.id]
    assert found(store, "基因", category=("金融", "证券时报网")) == [stcn.id]
    assert found(store, "基因", since=DAY + timedelta(days=1)) == [other.id]


def test_articles_by_stock_include_plain_text_mentions_from_other_sources(
    config: Config, store: Store
) -> None:
    seed = draft(1, STORY_TITLE, html=seed_html())
    later = draft(2, "之江生物三季报", "之江生物发布三季报，核酸检测业务保持增长。", source="财联社 电报")
    unrelated = draft(3, UNRELATED_TITLE, UNRELATED_TEXT, source="财联社 电报")
    ingest(config, store, seed)
    ingest(config, store, later, unrelated)
    assert [a.id for a in store.articles(stock="688317.SH")] == [later.id, seed.id]
    assert len(store.article(seed.id).stocks) == 7  # type: ignore[union-attr]
    assert store.stock_names()["之江生物"] == "688317.SH"
    assert store.articles(stock="000516.SZ")[0].id == seed.id


def test_stories_are_grouped_across_sources_and_fetches(config: Config, store: Store) -> None:
    story = one_story()
    ingest(config, store, story.original)
    ingest(config, store, story.rewrite_1)
    ingest(config, store, story.rewrite_2, story.unrelated)
    stories = {a.id: a.story for a in store.articles()}
    assert [stories[d.id] for d in story.same_story] == [story.original.id] * 3
    assert stories[story.unrelated.id] == story.unrelated.id
    [summary] = store.stories()
    assert summary.lead.id == story.original.id and summary.size == 3
    assert summary.sources == ("上海证券报 快讯", "第一财经 新闻", "证券时报网 要闻")


def test_an_earlier_article_arriving_later_becomes_the_lead(config: Config, store: Store) -> None:
    story = one_story()
    late = replace(story.rewrite_1, published=DAY + timedelta(hours=3))
    third = replace(story.rewrite_2, published=DAY + timedelta(hours=4))
    early = replace(story.original, published=DAY)
    ingest(config, store, late, third)
    ingest(config, store, early)
    assert {a.story for a in store.articles()} == {early.id}


def test_articles_analysed_in_worker_processes_are_stored_as_analysed_here(
    config: Config, tmp_path: Path
) -> None:
    story = one_story()
    seed = draft(5, "之江生物等企业集聚浦江基因未来谷", html=seed_html())
    batches = [[story.original, seed], [story.rewrite_1, story.rewrite_2, story.unrelated]]
    stored = []
    for name, analysed in (("here.db", False), ("workers.db", True)):
        store = open_store(f"sqlite:///{name}", root=tmp_path)
        try:
            for batch in batches:
                fresh = fresh_drafts(store, batch)
                analyses = dict(zip([d.id for d in fresh], analyse_drafts(fresh), strict=True))
                state = SourceState(name=batch[0].source)
                context = enrich_context(config, store)
                save_enriched(store, context, state, batch, DAY, analyses if analysed else None)
            assert fresh_drafts(store, batches[1]) == []
            stored.append(
                (
                    [(a.id, a.story, a.keywords, a.tags, a.stocks) for a in store.articles()],
                    [hit.article.id for hit in store.search(compile_query("基因 产业园"))],
                )
            )
        finally:
            store.close()
    assert stored[1] == stored[0]
    articles, hits = stored[0]
    assert len(hits) == 4 and len({story for _, story, *_ in articles}) == 3
    assert any(stocks for *_, stocks in articles)


def test_story_candidates_are_looked_up_by_any_signed_64_bit_band_key(config: Config, store: Store) -> None:
    article = draft(1, STORY_TITLE, STORY_TEXT)
    [enrichment] = enrich_drafts([article], enrich_context(config, store), DAY)
    extremes = replace(enrichment, bands=(-(2**63), 2**63 - 1))
    store.save_articles(SourceState(name=article.source), [article], DAY, enrichments={article.id: extremes})
    day = timedelta(days=1)
    for key in extremes.bands:
        [found] = store.story_candidates([5, key], DAY - day, DAY + day)
        assert found.article_id == article.id and found.minhash == enrichment.minhash
    assert store.story_candidates([5], DAY - day, DAY + day) == []
    assert store.story_candidates(extremes.bands, DAY + day, DAY + 2 * day) == []  # outside the window


def test_a_rewritten_article_keeps_only_its_new_band_keys(config: Config, store: Store) -> None:
    first = draft(1, STORY_TITLE, STORY_TEXT)
    ingest(config, store, first)
    rewritten = replace(first, title=UNRELATED_TITLE, content_text=UNRELATED_TEXT, content_hash="changed")
    ingest(config, store, rewritten)
    old, new = (set(analyse_drafts([d])[0].bands) for d in (first, rewritten))
    day = timedelta(days=1)
    assert store.story_candidates(sorted(old - new), DAY - day, DAY + day) == []
    [candidate] = store.story_candidates(sorted(new), DAY - day, DAY + day)
    assert candidate.article_id == first.id and candidate.title == UNRELATED_TITLE


def test_enrich_all_is_idempotent_and_applies_names_learned_later(config: Config, store: Store) -> None:
    mentions = draft(1, STORY_TITLE, STORY_TEXT + "之江生物董事长接受记者采访。")
    seed = draft(5, "之江生物等企业集聚浦江基因未来谷", html=seed_html())
    ingest(config, store, mentions)  # 之江生物 is not a known name yet
    ingest(config, store, seed)
    ingest(config, store, draft(2, REWRITE_1_TITLE, REWRITE_1_TEXT, source="上海证券报 快讯"))
    ingest(config, store, draft(3, REWRITE_2_TITLE, REWRITE_2_TEXT, source="第一财经 新闻"))
    ingest(config, store, draft(4, UNRELATED_TITLE, UNRELATED_TEXT, source="第一财经 新闻"))

    def snapshot() -> list[tuple[object, ...]]:
        return [(a.id, a.story, a.keywords, a.tags, a.stocks) for a in store.articles()]

    def bands() -> list[tuple[int, int]]:
        with sqlite3.connect(config.root / "news.db") as connection:
            return connection.execute("SELECT band, docid FROM story_bands ORDER BY band, docid").fetchall()

    stories = {a.id: a.story for a in store.articles()}
    assert store.article(mentions.id).stocks == ()  # type: ignore[union-attr]
    assert enrich_all(config, store) == 5
    first, first_bands = snapshot(), bands()
    assert enrich_all(config, store) == 5
    assert snapshot() == first and bands() == first_bands
    assert {a.id: a.story for a in store.articles()} == stories
    assert "688317.SH" in [m.code for m in store.article(mentions.id).stocks]  # type: ignore[union-attr]
    assert len(found(store, "逆回购")) == 1


def test_reindex_rebuilds_the_search_index(config: Config, store: Store) -> None:
    ingest(config, store, draft(1, STORY_TITLE, STORY_TEXT), draft(2, UNRELATED_TITLE, UNRELATED_TEXT))
    before = found(store, "基因")
    store.clear_search_index()
    assert found(store, "基因") == []
    assert reindex(store) == 2
    assert found(store, "基因") == before


def test_articles_reindexed_but_never_enriched_are_still_left_to_enrich(config: Config, store: Store) -> None:
    """`reindex` gives every article a search row; `enrich` must still find those it never saw."""
    plain = [draft(1, STORY_TITLE, STORY_TEXT), draft(2, UNRELATED_TITLE, UNRELATED_TEXT)]
    store.save_articles(SourceState(name="证券时报网 要闻"), plain, DAY)  # no enrich stage
    assert reindex(store) == 2
    assert len(found(store, "基因")) == 1
    assert {a.id for a in store.iter_articles(unenriched=True)} == {d.id for d in plain}
    assert enrich_missing(config, store) == 2
    assert list(store.iter_articles(unenriched=True)) == []
    assert len(found(store, "基因")) == 1  # enriched once more, indexed once
    assert all(article.keywords for article in store.iter_articles())


def test_a_version_1_database_is_migrated_and_enrich_fills_it_in(config: Config, tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    store = open_store("sqlite:///news.db", root=tmp_path)
    store.save_articles(
        SourceState(name="证券时报网 要闻"), [draft(1, STORY_TITLE, STORY_TEXT, tags=("要闻",))], DAY
    )
    store.close()
    with sqlite3.connect(path) as connection:  # back to the first schema
        for trigger in ("article_changed_insert", "article_changed_update", "article_changed_delete"):
            connection.execute(f"DROP TRIGGER {trigger}")  # the change log's (version 4)
        tables = ("article_index", "story_bands", "article_stocks", "stock_names", "search_index")
        for table in (*tables, "article_changes"):
            connection.execute(f"DROP TABLE {table}")
        connection.execute("DROP INDEX ix_articles_story")
        connection.execute("ALTER TABLE articles DROP COLUMN stocks")
        connection.execute("ALTER TABLE articles DROP COLUMN feed_tags")
        connection.execute("UPDATE newsmill_meta SET value = '1' WHERE key = 'schema_version'")
    store = open_store("sqlite:///news.db", root=tmp_path)
    try:
        with sqlite3.connect(path) as connection:
            version = connection.execute(
                "SELECT value FROM newsmill_meta WHERE key='schema_version'"
            ).fetchone()
        assert version == (str(CURRENT_VERSION),)
        assert found(store, "基因") == []
        assert enrich_missing(config, store) == 1
        assert enrich_missing(config, store) == 0
        assert len(found(store, "基因")) == 1
        assert store.articles()[0].feed_tags == ("要闻",)
    finally:
        store.close()


def version_4_index_text(text: str) -> str:
    """What schema version 4 indexed: the segmenter's words, then the Chinese bigrams."""
    return " ".join(segmenter().words(text)) + " \n " + " ".join(bigrams(text))


def test_a_version_4_index_of_words_is_rebuilt_from_the_stored_articles(
    config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "news.db"
    articles = [draft(1, STORY_TITLE, STORY_TEXT), draft(2, UNRELATED_TITLE, UNRELATED_TEXT)]
    store = open_store("sqlite:///news.db", root=tmp_path)
    ingest(config, store, *articles)
    store.close()
    with sqlite3.connect(path) as connection:  # back to version 4's index
        rows = connection.execute(
            "SELECT docid, title, content_text FROM article_index JOIN articles ON id = article_id"
        ).fetchall()
        connection.execute("DELETE FROM search_index")
        connection.executemany(
            "INSERT INTO search_index (rowid, title, body) VALUES (?, ?, ?)",
            [(docid, version_4_index_text(title), version_4_index_text(text)) for docid, title, text in rows],
        )
        connection.execute("UPDATE newsmill_meta SET value = '4' WHERE key = 'schema_version'")
    store = open_store("sqlite:///news.db", root=tmp_path)
    try:
        assert found(store, "群") == [articles[0].id]  # 产业集群 ends a run: version 4 had no token for 群
        assert found(store, "基因 产业园") == [articles[0].id] and found(store, "逆回购") == [articles[1].id]
    finally:
        store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute(
            "SELECT value FROM newsmill_meta WHERE key = 'schema_version'"
        ).fetchone() == (str(CURRENT_VERSION),)
        indexed = connection.execute("SELECT rowid, title, body FROM search_index ORDER BY rowid").fetchall()
        assert indexed == [
            (docid, index_text(title), index_text(text)) for docid, title, text in sorted(rows)
        ]


def test_a_version_5_database_keeps_its_band_keys_on_the_index_rows(config: Config, tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    story = one_story()
    store = open_store("sqlite:///news.db", root=tmp_path)
    ingest(config, store, story.original, story.rewrite_1, story.unrelated)
    store.close()
    with sqlite3.connect(path) as connection:  # back to version 5: keys by docid through an index
        written = connection.execute("SELECT band, docid FROM story_bands ORDER BY band, docid").fetchall()
        connection.execute("ALTER TABLE article_index DROP COLUMN bands")
        connection.execute("CREATE INDEX ix_story_bands_docid ON story_bands (docid)")
        connection.execute("UPDATE newsmill_meta SET value = '5' WHERE key = 'schema_version'")
    store = open_store("sqlite:///news.db", root=tmp_path)
    store.close()
    with sqlite3.connect(path) as connection:
        indexes = {
            name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        kept = connection.execute("SELECT docid, bands FROM article_index").fetchall()
    assert "ix_story_bands_docid" not in indexes
    assert sorted((band, docid) for docid, blob in kept for band in array("q", blob)) == written
    store = open_store("sqlite:///news.db", root=tmp_path)
    try:  # and a rewritten article's old keys go
        rewritten = replace(story.original, content_text=UNRELATED_TEXT, content_hash="changed")
        ingest(config, store, rewritten)
        old = set(analyse_drafts([story.original])[0].bands) - set(analyse_drafts([rewritten])[0].bands)
        day = timedelta(days=1)
        assert story.original.id not in [
            c.article_id for c in store.story_candidates(sorted(old), DAY - day, DAY + day)
        ]
    finally:
        store.close()


def test_names_from_the_users_csv_are_found_too(tmp_path: Path, store: Store) -> None:
    (tmp_path / "stocks.csv").write_text("code,name\n300750,宁德时代\n", encoding="utf-8")
    config = replace(
        Config(path=tmp_path / "newsmill.toml"), enrich=EnrichConfig(stocks_csv=Path("stocks.csv"))
    )
    article = draft(1, "动力电池企业扩产", "宁德时代宣布扩产，动力电池企业扩产节奏加快。")
    ingest(config, store, article)
    assert [a.id for a in store.articles(stock="300750.SZ")] == [article.id]


def test_an_unreadable_stocks_csv_is_a_config_error(tmp_path: Path, store: Store) -> None:
    config = replace(
        Config(path=tmp_path / "newsmill.toml"), enrich=EnrichConfig(stocks_csv=Path("missing.csv"))
    )
    with pytest.raises(ConfigError, match="stocks_csv"):
        enrich_context(config, store)


def test_a_story_as_big_as_a_feed_keeps_lookups_bounded(config: Config, store: Store) -> None:
    """Every item of one source carrying the same long text (a boilerplate, a wire story
    reprinted all day) is one story; each band key keeps only its newest articles, so the
    lookup of the 300th reads a bounded number of candidates, not the 299 before it."""
    from newsmill.enrich import analyse_drafts
    from newsmill.store.enrichment import BUCKET_KEEP, BUCKET_TRIM

    copies = [draft(n, f"{STORY_TITLE}（第{n}次转载）", STORY_TEXT) for n in range(1, 301)]
    for start in range(0, len(copies), 50):
        ingest(config, store, *copies[start : start + 50])
    assert {a.story for a in store.articles(limit=None)} == {copies[0].id}
    fresh = replace(copies[0], id="f" * 40, guid="fresh", published=DAY + timedelta(hours=6))
    bands = analyse_drafts([fresh])[0].bands
    candidates = store.story_candidates(bands, DAY, DAY + timedelta(days=1))
    assert BUCKET_KEEP <= len(candidates) <= BUCKET_TRIM
