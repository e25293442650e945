"""The SQL store: a real SQLite file, WAL, migrations, idempotent saves, one transaction per source."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmill.errors import StorageError
from newsmill.models import ArticleDraft, Enclosure, SourceState, SourceStatus
from newsmill.store import open_store
from newsmill.store.migrations import CURRENT_VERSION

NOW = datetime(2021, 10, 12, 6, 0, tzinfo=UTC)
SOURCE = "证券时报网 要闻"


def draft(number: int, **changes: object) -> ArticleDraft:
    base = ArticleDraft(
        id=f"{number:040x}",
        source=SOURCE,
        url=f"https://www.stcn.com/article/detail/{number}.html",
        guid=str(number),
        title=f"发布两大基因产业园 上海加码布局生物医药前沿产业 {number}",
        author="证券时报网",
        published=datetime(2021, 10, 12, 5, 33, tzinfo=UTC) + timedelta(minutes=number),
        updated=None,
        summary="证券时报记者 张淑贤",
        content_html="<p>上海细胞和基因产业园</p>",
        content_text="上海细胞和基因产业园",
        thumbnail=None,
        categories=("金融", "证券时报网", "要闻"),
        tags=("生物医药",),
        enclosures=(Enclosure("https://img.example.com/a.jpg", "image/jpeg", 1234),),
        content_hash=f"hash{number}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def state(**changes: object) -> SourceState:
    return replace(SourceState(name=SOURCE, config_url="https://x/", url="https://x/"), **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store("sqlite:///news.db", root=tmp_path)
    yield opened
    opened.close()


def test_relative_sqlite_path_is_under_the_config_folder_and_uses_wal(tmp_path: Path, store) -> None:
    assert (tmp_path / "news.db").exists()
    with sqlite3.connect(tmp_path / "news.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = connection.execute("SELECT value FROM newsmill_meta WHERE key='schema_version'").fetchone()[
            0
        ]
    assert int(version) == CURRENT_VERSION


def test_saving_the_same_articles_twice_stores_them_once(store) -> None:
    first = store.save_articles(state(), [draft(1), draft(2)], NOW)
    second = store.save_articles(state(), [draft(1), draft(2)], NOW + timedelta(hours=1))
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert store.count_articles() == 2
    stored = store.article(draft(1).id)
    assert stored.first_seen == NOW
    assert stored.last_seen == NOW + timedelta(hours=1)


def test_a_changed_article_is_updated_in_place_keeping_first_seen(store) -> None:
    store.save_articles(state(), [draft(1)], NOW)
    changed = draft(1, title="新标题", content_hash="other")
    counts = store.save_articles(state(), [changed], NOW + timedelta(hours=2))
    assert counts.updated == 1
    stored = store.article(changed.id)
    assert stored.title == "新标题"
    assert stored.first_seen == NOW


def test_an_article_without_a_date_keeps_the_time_it_was_first_seen(store) -> None:
    store.save_articles(state(), [draft(1, published=None)], NOW)
    store.save_articles(state(), [draft(1, published=None, content_hash="x")], NOW + timedelta(days=1))
    assert store.article(draft(1).id).published == NOW


def test_articles_round_trip_every_field(store) -> None:
    original = draft(7)
    store.save_articles(state(), [original], NOW)
    stored = store.article(original.id)
    assert stored.categories == ("金融", "证券时报网", "要闻")
    assert stored.tags == ("生物医药",)
    assert stored.enclosures == original.enclosures
    assert stored.published == original.published and stored.published.tzinfo is not None
    assert stored.title == original.title


def test_articles_are_listed_newest_first_and_filtered_by_source(store) -> None:
    store.save_articles(state(), [draft(n) for n in range(5)], NOW)
    other = draft(9, id="f" * 40, source="开源中国")
    store.save_articles(state(name="开源中国"), [other], NOW)
    listed = store.articles(source=SOURCE, limit=3)
    assert [a.guid for a in listed] == ["4", "3", "2"]
    assert store.counts_by_source() == {SOURCE: 5, "开源中国": 1}


def test_iter_articles_streams_the_whole_archive_newest_first_in_batches(store) -> None:
    store.save_articles(state(), [draft(n) for n in range(7)], NOW)
    streamed = list(store.iter_articles(batch=2))
    assert [a.guid for a in streamed] == [str(n) for n in reversed(range(7))]
    assert [a.guid for a in store.iter_articles(source="开源中国")] == []


def test_source_state_round_trips(store) -> None:
    failing = state(
        status=SourceStatus.ERROR, error_count=3, last_error="timed out after 20 s", next_fetch=NOW
    )
    store.save_state(failing)
    assert store.source_states()[SOURCE] == failing


def test_a_failed_save_leaves_nothing_half_written(store) -> None:
    store.save_articles(state(), [draft(1)], NOW)
    broken = draft(2, published=datetime(2021, 1, 1))  # naive: refused by the store
    with pytest.raises((StorageError, ValueError)):
        store.save_articles(state(etag='"new"'), [draft(3), broken], NOW)
    assert store.count_articles() == 1
    assert store.source_states()[SOURCE].etag is None


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    open_store("sqlite:///n.db", root=tmp_path).close()
    with sqlite3.connect(tmp_path / "n.db") as connection:
        connection.execute("UPDATE newsmill_meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(StorageError, match="newer"):
        open_store("sqlite:///n.db", root=tmp_path)


def test_an_unopenable_database_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot open store"):
        open_store("sqlite:///junk.db", root=tmp_path)
