"""Incremental builds from a real store: the next build reads only the articles the change log
names, and whatever changed (new articles, backdated ones, edits, deletes) it leaves the same
tree as a full build from nothing."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from site_helpers import CATEGORIES, article, generated_articles, small_search_segments, tree

from newsmill.config import Config, load_config
from newsmill.enrichment import enrich_context, save_enriched
from newsmill.models import Article, ArticleDraft, SourceState
from newsmill.publish.site import SiteReport, build_site, extras
from newsmill.store import SqlStore

NOW = datetime(2021, 11, 1, tzinfo=UTC)
DRAFT_FIELDS = [field.name for field in fields(ArticleDraft)]


def distinct_articles(count: int, *, start: int = 0) -> list[Article]:
    """Articles of random characters: no two tell one story, so none reaches another's page."""
    rng = random.Random(start)
    base = datetime(2021, 10, 12, 5, 33, tzinfo=UTC)
    made = []
    for n in range(start, start + count):
        text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(300))
        when = base + timedelta(minutes=7 * n)
        made.append(article(f"distinct-{n}", f"第{n}号新闻", text, when, CATEGORIES[n % len(CATEGORIES)]))
    return made


def drafts(articles: Iterable[Article]) -> list[ArticleDraft]:
    return [ArticleDraft(**{name: getattr(a, name) for name in DRAFT_FIELDS}) for a in articles]


def save(store: SqlStore, config: Config, articles: Iterable[Article]) -> None:
    """Through the enrich stage, as a fetch stores them: tags, keywords and stories included."""
    by_source: dict[str, list[ArticleDraft]] = defaultdict(list)
    for draft in drafts(articles):
        by_source[draft.source].append(draft)
    for source, items in by_source.items():
        save_enriched(store, enrich_context(config, store), SourceState(name=source), items, NOW)


def delete(store: SqlStore, ids: Iterable[str]) -> None:
    with store.engine.begin() as connection:
        for article_id in ids:
            connection.execute(sa.text("DELETE FROM articles WHERE id = :id"), {"id": article_id})


def config_in(folder: Path, per_page: int = 20) -> Config:
    folder.mkdir(exist_ok=True)
    (folder / "newsmill.toml").write_text(
        f'[site]\ntitle = "测试站"\nbase_url = "https://news.example.com/"\nper_page = {per_page}\n',
        encoding="utf-8",
    )
    return load_config(folder / "newsmill.toml")


def full_build(store: SqlStore, folder: Path, per_page: int = 20) -> SiteReport:
    """A build from nothing into `folder`."""
    shutil.rmtree(folder, ignore_errors=True)
    return build_site(store, config_in(folder, per_page))


def test_the_next_build_reads_only_what_changed_and_matches_a_full_build(tmp_path: Path) -> None:
    config = config_in(tmp_path / "live")
    store = SqlStore(f"sqlite:///{tmp_path / 'news.db'}")
    try:
        old = distinct_articles(120)
        save(store, config, old)
        first = build_site(store, config)
        assert first.read == 120

        edited = replace(old[40], title="改过的标题", content_hash="edited")
        save(store, config, [*distinct_articles(5, start=120), edited])
        report = build_site(store, config)
        assert report.read == 6
        # the new pages, the edited one, the newer neighbours listing them, their list pages
        assert 0 < report.rendered < first.rendered / 3

        assert build_site(store, config).written == 0
        full_build(store, tmp_path / "full")
        assert tree(tmp_path / "live" / "site") == tree(tmp_path / "full" / "site")
    finally:
        store.close()


def test_random_inserts_backdated_articles_edits_and_deletes_keep_both_builds_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small sitemaps and search segments, so that builds keep some and rewrite others
    monkeypatch.setattr(extras, "SITEMAP_CHUNK", 8)
    small_search_segments(monkeypatch, full=32, middle=8, tail=2)
    rng = random.Random(20211012)
    config = config_in(tmp_path / "live", per_page=5)
    store = SqlStore(f"sqlite:///{tmp_path / 'news.db'}")
    try:
        stored = {a.id: a for a in generated_articles(60)}
        save(store, config, stored.values())
        build_site(store, config)
        next_number = 60
        for _ in range(4):
            new = generated_articles(rng.randint(1, 8), start=next_number)
            next_number += len(new)
            backdated = [
                replace(a, published=a.published - timedelta(days=rng.randint(1, 9))) for a in new[:2]
            ]
            new = backdated + new[2:]
            edits = [
                replace(a, title=a.title + "（更新）", tags=("改过",), content_hash=a.content_hash + "x")
                for a in rng.sample(sorted(stored.values(), key=lambda a: a.id), 3)
            ]
            gone = rng.sample(sorted(stored), 2)
            save(store, config, [*new, *edits])
            delete(store, gone)
            stored.update({a.id: a for a in [*new, *edits]})
            for article_id in gone:
                stored.pop(article_id)

            build_site(store, config)  # stories merging relabel old articles too: they are read
            full_build(store, tmp_path / "full", per_page=5)
            assert tree(tmp_path / "live" / "site") == tree(tmp_path / "full" / "site")
    finally:
        store.close()


def test_a_build_from_another_store_or_a_rolled_back_one_reads_everything(tmp_path: Path) -> None:
    config = config_in(tmp_path / "live")
    first = SqlStore(f"sqlite:///{tmp_path / 'first.db'}")
    other = SqlStore(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        save(first, config, distinct_articles(30))
        save(other, config, distinct_articles(30, start=1000))  # the same revisions, other news
        assert first.article_revision() == other.article_revision()
        build_site(first, config)
        report = build_site(other, config)  # as if the config now named the other database
        assert report.read == 30
        full_build(other, tmp_path / "full")
        assert tree(tmp_path / "live" / "site") == tree(tmp_path / "full" / "site")
    finally:
        first.close()
        other.close()
