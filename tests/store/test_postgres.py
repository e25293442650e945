"""What is PostgreSQL's own: the driver, time zones, 64-bit band keys, migrations, the tsvector
search index. The shared contract runs in test_postgres_contract.py."""

from __future__ import annotations

import importlib.util
from array import array
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_sql import NOW, SOURCE, draft, state
from test_store_search import found, ingest

from newsmill.config import Config
from newsmill.enrich import compile_query
from newsmill.enrichment import enrich_all, enrich_missing, reindex
from newsmill.errors import StorageError
from newsmill.models import Enrichment, SourceState, SourceStatus
from newsmill.store import Store, migrations, open_store
from newsmill.store.migrations import CURRENT_VERSION
from newsmill.store.pg_search import compile_tsquery, index_tokens
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
    seed_html,
)
from support.enrich_corpus import draft as text_draft


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    opened = open_store(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(path=tmp_path / "newsmill.toml")


def sql(url: str, *statements: str, **parameters: Any) -> list[tuple[Any, ...]]:
    """Run statements on the test database directly (as `psql` would); the last one's rows."""
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                result = connection.execute(sa.text(statement), parameters)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_opens_with_psycopg_and_creates_the_current_schema(
    postgres_url: str, store: Store
) -> None:
    assert postgres_url.startswith("postgresql://")
    driver = "psycopg2" if importlib.util.find_spec("psycopg2") else "psycopg"  # psycopg2 is preferred
    assert store.engine.dialect.driver == driver  # type: ignore[attr-defined]
    if driver == "psycopg":  # no server-side prepared statements: their generic plans can be slow
        with store.engine.connect() as connection:  # type: ignore[attr-defined]
            assert connection.connection.dbapi_connection.prepare_threshold is None
    assert sql(postgres_url, "SELECT value FROM newsmill_meta WHERE key = 'schema_version'") == [
        (str(CURRENT_VERSION),)
    ]
    types = dict(
        sql(
            postgres_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name IN ('articles', 'pg_search_index')",
        )
    )
    assert types["published"] == "timestamp with time zone"
    assert types["document"] == "tsvector"
    indexes = sql(postgres_url, "SELECT indexdef FROM pg_indexes WHERE tablename = 'pg_search_index'")
    assert any("USING gin (document)" in definition for (definition,) in indexes)


def test_store_messages_never_show_the_password(postgres_url: str) -> None:
    url = sa.make_url(postgres_url).set(password="s3cret", database="no_such_database")
    with pytest.raises(StorageError, match="cannot open store postgresql://postgres:\\*\\*\\*@") as raised:
        open_store(url.render_as_string(hide_password=False))
    assert "s3cret" not in str(raised.value)


def test_without_a_driver_the_error_names_the_store_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.startswith("psycopg") else real(name, *a)
    )
    with pytest.raises(StorageError) as raised:
        open_store("postgresql://newsmill@db.example.com/news")
    message = str(raised.value)
    assert "postgresql://newsmill@db.example.com/news" in message
    assert "pip install 'newsmill[postgres]'" in message


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    open_store(postgres_url).close()
    sql(postgres_url, "UPDATE newsmill_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StorageError, match="newer"):
        open_store(postgres_url)


def test_times_come_back_in_utc_whatever_the_session_time_zone(postgres_url: str) -> None:
    shanghai = timezone(timedelta(hours=8))
    url = sa.make_url(postgres_url).update_query_dict({"options": "-c timezone=Asia/Shanghai"})
    store = open_store(url.render_as_string(hide_password=False))
    try:
        published = datetime(2021, 10, 12, 13, 33, tzinfo=shanghai)
        store.save_articles(state(), [draft(1, published=published)], NOW)
        stored = store.article(draft(1).id)
        assert stored is not None
        assert stored.published == published and stored.published.utcoffset() == timedelta(0)
        assert [a.id for a in store.articles()] == [stored.id]
        assert store.stories(since=DAY) == []
    finally:
        store.close()


def test_source_states_are_inserted_then_updated_in_place(store: Store) -> None:
    first = [state(name=f"源{n}", etag=f'"{n}"') for n in range(3)]
    store.save_states(first)
    later = [state(name="源1", status=SourceStatus.ERROR, error_count=1, next_fetch=NOW), state(name="源3")]
    store.save_states(later)
    states = store.source_states()
    assert sorted(states) == ["源0", "源1", "源2", "源3"]
    assert states["源1"] == later[0]
    assert states["源0"] == first[0]


def test_story_band_keys_use_the_whole_signed_64_bit_range(store: Store) -> None:
    bands = (-(2**63), 2**63 - 1, 0, -1)
    enrichment = Enrichment(
        keywords=("基因",), tags=("基因",), feed_tags=(), stocks=(), learned=(),
        index_title="基因", index_body="基因", minhash=(-(2**63), 2**63 - 1), bands=bands, story=draft(1).id,
    )  # fmt: skip
    store.save_articles(state(), [draft(1)], NOW, {draft(1).id: enrichment})
    candidates = store.story_candidates([2**63 - 1], NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [(c.article_id, c.minhash) for c in candidates] == [(draft(1).id, (-(2**63), 2**63 - 1))]


# Back to the first schema: only its tables, no triggers, no column or index added since.
VERSION_1 = """DO $$ DECLARE item record; BEGIN
    FOR item IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'articles'::regclass AND NOT tgisinternal LOOP
        EXECUTE format('DROP TRIGGER %I ON articles', item.tgname);
    END LOOP;
    FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = 'public' AND tablename NOT IN ('articles', 'sources', 'newsmill_meta') LOOP
        EXECUTE format('DROP TABLE %I CASCADE', item.tablename);
    END LOOP;
    DROP INDEX ix_articles_story;
    ALTER TABLE articles DROP COLUMN stocks, DROP COLUMN feed_tags;
    DELETE FROM newsmill_meta WHERE key <> 'schema_version';
    UPDATE newsmill_meta SET value = '1';
END $$"""


def test_a_version_1_database_is_migrated_and_enrich_fills_it_in(config: Config, postgres_url: str) -> None:
    store = open_store(postgres_url)
    store.save_articles(
        SourceState(name=SOURCE), [text_draft(1, STORY_TITLE, STORY_TEXT, tags=("要闻",))], DAY
    )
    store.close()
    sql(postgres_url, VERSION_1)
    store = open_store(postgres_url)
    try:
        version = "SELECT value FROM newsmill_meta WHERE key = 'schema_version'"
        assert sql(postgres_url, version) == [(str(CURRENT_VERSION),)]
        assert found(store, "基因") == []
        assert enrich_missing(config, store) == 1
        assert enrich_missing(config, store) == 0
        assert len(found(store, "基因")) == 1
        assert store.articles()[0].feed_tags == ("要闻",)
    finally:
        store.close()


def test_the_search_index_step_adds_it_to_an_older_database_and_reindex_fills_it(
    config: Config, store: Store, postgres_url: str
) -> None:
    ingest(config, store, text_draft(1, STORY_TITLE, STORY_TEXT))
    sql(postgres_url, "DROP TABLE pg_search_index")
    engine = sa.create_engine(sa.make_url(postgres_url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        migrations._postgresql_search_index(connection)
    engine.dispose()
    assert found(store, "基因") == []
    assert reindex(store) == 1
    assert found(store, "基因") == [text_draft(1, STORY_TITLE, STORY_TEXT).id]


def test_a_version_4_index_of_words_is_rebuilt_from_the_stored_articles(
    config: Config, postgres_url: str
) -> None:
    from test_store_search import version_4_index_text

    from newsmill.store.pg_search import index_tokens as tokens

    store = open_store(postgres_url)
    article = text_draft(1, STORY_TITLE, STORY_TEXT)
    ingest(config, store, article, text_draft(2, UNRELATED_TITLE, UNRELATED_TEXT))
    store.close()
    old = "to_tsvector('simple', :title) || to_tsvector('simple', :body)"
    sql(
        postgres_url,
        f"UPDATE pg_search_index SET document = {old} WHERE docid = (SELECT docid FROM article_index WHERE article_id = :id)",
        "UPDATE newsmill_meta SET value = '4' WHERE key = 'schema_version'",
        id=article.id,
        title=tokens(version_4_index_text(STORY_TITLE)),
        body=tokens(version_4_index_text(STORY_TEXT)),
    )
    before = " ".join(row[0] for row in sql(postgres_url, "SELECT document::text FROM pg_search_index"))
    assert "'产业园'" in before and "'群'" not in before
    store = open_store(postgres_url)
    try:
        assert sql(postgres_url, "SELECT value FROM newsmill_meta WHERE key = 'schema_version'") == [
            (str(CURRENT_VERSION),)
        ]
        documents = " ".join(
            row[0] for row in sql(postgres_url, "SELECT document::text FROM pg_search_index")
        )
        assert "'产业园'" not in documents and "'群'" in documents
        assert sql(postgres_url, "SELECT count(*) FROM pg_search_index") == [(2,)]
        assert found(store, "群") == [article.id] and found(store, "基因 产业园") == [article.id]
    finally:
        store.close()


def test_a_version_5_database_keeps_its_band_keys_on_the_index_rows(
    config: Config, postgres_url: str
) -> None:
    store = open_store(postgres_url)
    ingest(
        config, store, text_draft(1, STORY_TITLE, STORY_TEXT), text_draft(2, UNRELATED_TITLE, UNRELATED_TEXT)
    )
    store.close()
    written = sql(postgres_url, "SELECT band, docid FROM story_bands ORDER BY band, docid")
    sql(
        postgres_url,
        "ALTER TABLE article_index DROP COLUMN bands",
        "CREATE INDEX ix_story_bands_docid ON story_bands (docid)",
        "UPDATE newsmill_meta SET value = '5' WHERE key = 'schema_version'",
    )
    open_store(postgres_url).close()
    kept = sql(postgres_url, "SELECT docid, bands FROM article_index")
    assert sorted((band, docid) for docid, blob in kept for band in array("q", bytes(blob))) == written
    assert sql(postgres_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_story_bands_docid'") == [
        (0,)
    ]


def test_enrich_all_is_idempotent(config: Config, store: Store, postgres_url: str) -> None:
    ingest(config, store, text_draft(1, STORY_TITLE, STORY_TEXT + "之江生物董事长接受记者采访。"))
    ingest(config, store, text_draft(5, "之江生物等企业集聚浦江基因未来谷", html=seed_html()))
    ingest(config, store, text_draft(2, REWRITE_1_TITLE, REWRITE_1_TEXT, source="上海证券报 快讯"))
    ingest(config, store, text_draft(3, REWRITE_2_TITLE, REWRITE_2_TEXT, source="第一财经 新闻"))
    ingest(config, store, text_draft(4, UNRELATED_TITLE, UNRELATED_TEXT, source="第一财经 新闻"))

    def snapshot() -> tuple[object, ...]:
        articles = [(a.id, a.story, a.keywords, a.tags, a.stocks) for a in store.articles()]
        bands = sql(postgres_url, "SELECT band, docid FROM story_bands ORDER BY band, docid")
        return articles, bands, found(store, "基因")

    stories = {a.id: a.story for a in store.articles()}
    assert enrich_all(config, store) == 5
    first = snapshot()
    assert enrich_all(config, store) == 5
    assert snapshot() == first
    assert {a.id: a.story for a in store.articles()} == stories
    assert len(found(store, "逆回购")) == 1


def test_a_word_deep_in_a_long_article_is_found(config: Config, store: Store) -> None:
    # Past tsvector's last position (16383) and its 256 positions a lexeme: recall must not care.
    filler = "细胞和基因产业园正式发布，" * 2000
    long = text_draft(1, "长文", filler + "浦江量子计算未来谷揭牌。")
    ingest(config, store, long, text_draft(2, STORY_TITLE, STORY_TEXT))
    assert found(store, "量子计算") == [long.id]
    assert found(store, "子计算未") == [long.id]
    assert set(found(store, "基因产业")) == {long.id, text_draft(2, STORY_TITLE, STORY_TEXT).id}


def test_bigrams_of_a_word_found_apart_are_not_a_match(config: Config, store: Store) -> None:
    apart = text_draft(1, "基因测序", "海岛旅游。")  # 基因 and 因岛 are not 基因岛
    together = text_draft(2, "张江基因岛", "产业新地标。")
    ingest(config, store, apart, together)
    assert found(store, "基因岛") == [together.id]


def test_search_reads_the_gin_index(config: Config, store: Store, postgres_url: str) -> None:
    ingest(config, store, text_draft(1, STORY_TITLE, STORY_TEXT))
    tsquery, _ = compile_tsquery(compile_query("基因").match)
    plan = sql(
        postgres_url,
        "SET enable_seqscan = off",
        "EXPLAIN SELECT docid FROM pg_search_index WHERE document @@ CAST(:q AS tsquery)",
        q=tsquery,
    )
    assert "ix_pg_search_index" in " ".join(line for (line,) in plan)


def test_the_index_text_is_tokenized_like_fts5(config: Config, store: Store, postgres_url: str) -> None:
    assert index_tokens("Rust 和 Go，iPhone15 发布会 Café 1.22 https://x.com/a") == (
        "rust 和 go iphone15 发布会 cafe 1 22 https x com a"
    )
    article = text_draft(1, "Go 1.22 发布", "GPT-4 https://go.dev/doc")
    ingest(config, store, article)
    [(lexemes,)] = sql(postgres_url, "SELECT tsvector_to_array(document) FROM pg_search_index")
    assert set(lexemes) == {"go", "1", "22", "发布", "布", "gpt", "4", "https", "dev", "doc"}
    for query in ("1.22", "go.dev", "GPT-4", "发布"):
        assert found(store, query) == [article.id], query
    assert compile_tsquery('"基因" AND "产业 业园" AND "rust"*') == (
        "'基因' & '产业' & '业园' & 'rust':*",
        ["产业园"],
    )


def test_search_scores_are_lower_for_better_matches(config: Config, store: Store) -> None:
    in_title = text_draft(1, "光伏组件价格企稳回升", "多晶硅料库存下降。")
    in_body = text_draft(2, "央行开展逆回购操作", "光伏组件价格企稳回升。")
    ingest(config, store, in_title, in_body)
    hits = store.search(compile_query("光伏组件"))
    assert [hit.article.id for hit in hits] == [in_title.id, in_body.id]
    assert hits[0].score < hits[1].score < 0
