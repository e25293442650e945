"""The change log: every insert, change and delete of an article gets a new revision, kept by
the database itself, so a site build can read only what changed since the last one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_sql import NOW, draft, state

from newsmill.store import Store, open_store
from newsmill.store.migrations import CURRENT_VERSION


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store("sqlite:///news.db", root=tmp_path)
    yield opened
    opened.close()


def delete_by_hand(store: Store, article_id: str) -> None:
    """A delete no newsmill command makes: the log must see it all the same."""
    with store.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(sa.text("DELETE FROM articles WHERE id = :id"), {"id": article_id})


def test_a_new_store_starts_at_revision_zero(store: Store) -> None:
    assert store.article_revision() == 0
    assert store.changed_since(0) == []


def test_inserts_changes_and_deletes_each_get_a_new_revision(store: Store) -> None:
    store.save_articles(state(), [draft(1), draft(2)], NOW)
    first = store.article_revision()
    assert sorted(store.changed_since(0)) == sorted([draft(1).id, draft(2).id])
    assert store.changed_since(first) == []

    store.save_articles(state(), [replace(draft(1), title="改过的标题", content_hash="changed")], NOW)
    second = store.article_revision()
    assert second > first
    assert store.changed_since(first) == [draft(1).id]

    delete_by_hand(store, draft(2).id)
    assert store.changed_since(second) == [draft(2).id]


def test_fetching_an_unchanged_article_again_is_no_change(store: Store) -> None:
    store.save_articles(state(), [draft(1)], NOW)
    seen = store.article_revision()
    store.save_articles(state(), [draft(1)], NOW + timedelta(hours=1))  # only last_seen moves
    assert store.article_revision() == seen
    assert store.changed_since(seen) == []


def test_heads_are_the_articles_without_their_bodies_newest_first(store: Store) -> None:
    store.save_articles(state(), [draft(1), draft(3), draft(2)], NOW)
    heads = list(store.iter_article_heads())
    assert [head.id for head in heads] == [draft(3).id, draft(2).id, draft(1).id]
    assert heads[0].title == draft(3).title and heads[0].categories == ("金融", "证券时报网", "要闻")
    assert not hasattr(heads[0], "content_html")
    assert [head.id for head in store.article_heads([draft(1).id, draft(2).id, "gone"])] == [
        draft(2).id,
        draft(1).id,
    ]
    bodies = store.articles_by_id([draft(2).id, "gone"])
    assert list(bodies) == [draft(2).id] and bodies[draft(2).id].content_html == draft(2).content_html


def test_a_database_from_before_the_log_gets_every_article_at_revision_one(tmp_path: Path) -> None:
    store = open_store("sqlite:///news.db", root=tmp_path)
    store.save_articles(state(), [draft(1), draft(2)], NOW)
    store.close()
    with sqlite3.connect(tmp_path / "news.db") as connection:  # back to schema version 3
        for trigger in ("insert", "update", "delete"):
            connection.execute(f"DROP TRIGGER article_changed_{trigger}")
        connection.execute("DROP TABLE article_changes")
        connection.execute("UPDATE newsmill_meta SET value = '3' WHERE key = 'schema_version'")

    store = open_store("sqlite:///news.db", root=tmp_path)
    try:
        assert store.article_revision() == 1
        assert sorted(store.changed_since(0)) == sorted([draft(1).id, draft(2).id])
        store.save_articles(state(), [draft(3)], NOW)
        assert store.changed_since(1) == [draft(3).id]
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "news.db") as connection:
        version = connection.execute("SELECT value FROM newsmill_meta WHERE key='schema_version'").fetchone()
    assert int(version[0]) == CURRENT_VERSION
