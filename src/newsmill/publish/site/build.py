"""`build_site`: the store's articles in, the static site out, rewriting only what changed.

Two passes over the store, both streamed. The first makes a light card of every article
(and keeps the bodies of the few newest ones the feeds carry); with all cards known, every
page's key is computed and compared with the manifest. The second pass re-reads only as far
as the oldest article whose page or search segment must be rebuilt, which for new articles
means the newest few thousand, and renders just those.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from newsmill.config import Config
from newsmill.errors import PublishError
from newsmill.models import Article
from newsmill.publish.site import search, urls
from newsmill.publish.site.cards import Card, Catalog, make_card
from newsmill.publish.site.extras import write_extras
from newsmill.publish.site.feeds import FEED_ITEMS
from newsmill.publish.site.pages import Renderer, SiteInfo, article_content
from newsmill.publish.site.theme import Theme
from newsmill.publish.site.writer import Writer

Progress = Callable[[str], None]


class ArticleSource(Protocol):
    """What the site needs of a store: every article, newest first, streamed."""

    def iter_articles(self) -> Iterator[Article]: ...


@dataclass(frozen=True, slots=True)
class SiteReport:
    output_dir: Path
    articles: int
    files: int  # every file the site consists of
    written: int  # created or changed by this build
    unchanged: int  # rendered again, same bytes
    skipped: int  # not rendered: nothing they show changed
    removed: int  # left over from the last build
    rendered: int  # pages rendered by the templates
    search_segments: int  # search index segments rebuilt
    seconds: float


def site_dir(config: Config) -> Path:
    """`[site] output_dir`, relative paths resolved against the config's folder."""
    folder = config.site.output_dir
    return folder if folder.is_absolute() else config.root / folder


def build_site(source: ArticleSource, config: Config, *, progress: Progress | None = None) -> SiteReport:
    """Write the static site for every stored article into `[site] output_dir`.

    >>> with Mill.open("newsmill.toml") as mill:  # doctest: +SKIP
    ...     report = build_site(mill.store, mill.config)
    """
    started = time.perf_counter()
    note = progress or (lambda message: None)
    timezone = ZoneInfo(config.site.timezone)
    root = site_dir(config)
    writer = Writer(root)
    theme = Theme(_theme_dir(config))
    note("reading articles")
    catalog, feed_bodies = _collect(source, timezone)
    renderer = Renderer(theme, _site_info(config, catalog))
    note(f"{len(catalog.cards)} articles; rendering pages")
    with _Indexer(writer) as indexer:  # search segments are written while the pages render
        segments = _render_articles(source, catalog, writer, renderer, indexer)
        note("writing list pages and feeds")
        write_extras(writer, renderer, catalog, feed_bodies)
        note("finishing the search index")
    writer.finish()
    counts = writer.counts
    return SiteReport(
        output_dir=root, articles=len(catalog.cards), files=len(writer.keys), written=counts.written,
        unchanged=counts.unchanged, skipped=counts.skipped, removed=counts.removed,
        rendered=renderer.pages, search_segments=segments, seconds=time.perf_counter() - started,
    )  # fmt: skip


def _theme_dir(config: Config) -> Path | None:
    folder = config.site.theme_dir
    if folder is None:
        return None
    return folder if folder.is_absolute() else config.root / folder


def _site_info(config: Config, catalog: Catalog) -> SiteInfo:
    tops: dict[str, None] = {}
    for configured in config.sources:
        if configured.categories and (configured.categories[0],) in catalog.categories:
            tops.setdefault(configured.categories[0])
    for levels in sorted(catalog.categories):
        if len(levels) == 1:
            tops.setdefault(levels[0])
    return SiteInfo(
        title=config.site.title, base_url=config.site.base_url, language=config.site.language,
        root=urls.root_prefix(config.site.base_url), per_page=config.site.per_page,
        nav=tuple((name, urls.category_path((name,))) for name in tops),
    )  # fmt: skip


def _collect(source: ArticleSource, timezone: ZoneInfo) -> tuple[Catalog, dict[str, str]]:
    """Pass one: a card per article, and the bodies of the newest ones each feed carries."""
    catalog = Catalog()
    fed: Counter[tuple[str, ...]] = Counter()
    bodies: dict[str, str] = {}
    for article in source.iter_articles():
        catalog.add(make_card(article, timezone, catalog.share))
        groups = [article.categories[:depth] for depth in range(len(article.categories) + 1)]
        if any(fed[group] < FEED_ITEMS for group in groups):
            bodies[article.id] = article.content_html
        fed.update(groups)
    return catalog, bodies


def _render_articles(
    source: ArticleSource, catalog: Catalog, writer: Writer, renderer: Renderer, indexer: _Indexer
) -> int:
    """Pass two: render the article pages and search segments whose keys changed."""
    cards = catalog.cards
    total = len(cards)
    seg_keys = search.segment_keys(cards)
    stale_segments = {n for n, key in enumerate(seg_keys) if not _segment_current(writer, n, key, total)}
    for n, key in enumerate(seg_keys):
        if n not in stale_segments:
            for path in search.SegmentBuilder(n, key, search.segment_size(n, total)).paths():
                writer.keep(path, key)
    pending: dict[int, tuple[str, str]] = {}
    for index, card in enumerate(cards):
        related = catalog.related(index)
        parts = (card.full, [other.key for other in related])
        path, key = urls.file_of(card.path), renderer.key("article.html", card.path, *parts)
        if writer.is_current(path, key):
            writer.write(path, key, _never)
        else:
            pending[index] = (path, key)
    last = max(
        [*pending, *(total - 1 - n * search.SEGMENT_DOCS for n in stale_segments)], default=-1
    )  # a segment's oldest article is the last one the stream reaches
    if last < 0:
        return 0
    _second_pass(source, catalog, writer, renderer, pending, stale_segments, seg_keys, last, indexer)
    return len(stale_segments)


def _second_pass(
    source: ArticleSource,
    catalog: Catalog,
    writer: Writer,
    renderer: Renderer,
    pending: dict[int, tuple[str, str]],
    stale_segments: set[int],
    seg_keys: list[str],
    last: int,
    indexer: _Indexer,
) -> None:
    cards = catalog.cards
    total = len(cards)
    builders: dict[int, search.SegmentBuilder] = {}
    stream = source.iter_articles()
    try:
        for index, article in enumerate(stream):
            if index > last:
                break
            if index >= total or article.id != cards[index].id:
                raise PublishError("the store changed while the site was being built; build again")
            spot = search.place(index, total)
            if spot.segment in stale_segments:
                builder = builders.get(spot.segment)
                if builder is None:
                    size = search.segment_size(spot.segment, total)
                    builder = search.SegmentBuilder(spot.segment, seg_keys[spot.segment], size)
                    builders[spot.segment] = builder
                builder.add(spot.local, cards[index], article.content_text or article.summary)
                if spot.local == 0:  # the segment's oldest article: it is complete
                    indexer.submit(builders.pop(spot.segment))
            if index in pending:
                path, key = pending.pop(index)
                _write_article(writer, renderer, cards[index], article, path, key, catalog.related(index))
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


class _Indexer:
    """Builds search segments beside the page rendering: in a second process when there is
    much to index (tokenizing is pure CPU work, and the machine has another core)."""

    PARALLEL_FROM = 1000  # articles in a segment; below this a process costs more than it saves
    IN_FLIGHT = 2  # segments queued at once, so their texts and files never pile up in memory

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[tuple[str, Future[list[tuple[str, bytes]]]]] = []

    def submit(self, builder: search.SegmentBuilder) -> None:
        job = builder.job()
        if self.pool is None and len(job.texts) >= self.PARALLEL_FROM and (os.cpu_count() or 1) > 1:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        if self.pool is None:
            self._write(builder.key, search.segment_files(job))
            return
        while len(self.futures) >= self.IN_FLIGHT or (self.futures and self.futures[0][1].done()):
            key, future = self.futures.pop(0)
            self._write(key, future.result())
        self.futures.append((builder.key, self.pool.submit(search.segment_files, job)))

    def _write(self, key: str, files: list[tuple[str, bytes]]) -> None:
        for path, data in files:
            self.writer.keys[path] = key
            self.writer.put(path, data)

    def __enter__(self) -> _Indexer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            if kind is None:
                for key, future in self.futures:
                    self._write(key, future.result())
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)


def _never() -> bytes:
    raise AssertionError("a current page is never rendered")


def _segment_current(writer: Writer, number: int, key: str, total: int) -> bool:
    paths = search.SegmentBuilder(number, key, search.segment_size(number, total)).paths()
    return all(writer.is_current(path, key) for path in paths)


def _write_article(
    writer: Writer, renderer: Renderer, card: Card, article: Article, path: str, key: str, related: list[Card]
) -> None:
    def render() -> str:
        return renderer.render(
            "article.html", item=card, content=article_content(article.content_html),
            related=related, related_list=renderer.related_list(related), keywords=article.keywords,
            breadcrumbs=renderer.trail_html(card.categories),
            canonical=urls.absolute(renderer.site.base_url, card.path),
        )  # fmt: skip

    writer.write(path, key, render)
