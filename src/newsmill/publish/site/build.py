"""`build_site`: the store's articles in, the static site out, rewriting only what changed.

The first build reads every article's head (no body) and renders everything. It saves, with
the manifest, a small slot per article and the store's change-log revision. The next build
reads only the articles changed since that revision, works out which pages those changes can
reach (`Reach`: their own pages, the newer neighbours that list them as related, their story,
the list pages from their position up), computes keys for just those, and keeps every other
file as the manifest says it is. Bodies are read by id for the pages being rendered; a
rebuild of most of the archive streams them instead.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from newsmill.config import Config
from newsmill.errors import PublishError
from newsmill.models import Article, ArticleHead
from newsmill.publish.site import search, urls
from newsmill.publish.site.cards import Card, CardShelf, Catalog, Head, Slot, slot_of
from newsmill.publish.site.extras import write_extras
from newsmill.publish.site.pages import Renderer, SiteInfo, article_content
from newsmill.publish.site.reach import Reach
from newsmill.publish.site.state import SiteState
from newsmill.publish.site.theme import Theme
from newsmill.publish.site.writer import Writer

Progress = Callable[[str], None]
# Above this many bodies to read, one ordered stream beats reading them by id.
STREAM_FROM = 5000
WORKER_HEADER = 8  # newsmill.workers' message header (not imported: it loads asyncio)


class ArticleSource(Protocol):
    """What the site needs of a store: every article, newest first, streamed."""

    def iter_articles(self) -> Iterator[Article]: ...


@runtime_checkable
class TrackedSource(Protocol):
    """A store with a change log (`SqlStore`): incremental builds read only what changed."""

    def iter_articles(self) -> Iterator[Article]: ...
    def store_id(self) -> str: ...
    def count_articles(self) -> int: ...
    def article_revision(self) -> int: ...
    def changed_since(self, revision: int) -> list[str]: ...
    def iter_article_heads(self) -> Iterator[ArticleHead]: ...
    def article_heads(self, ids: Collection[str]) -> list[ArticleHead]: ...
    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]: ...


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
    read: int = 0  # article heads read from the store (all of them, or those changed)


def site_dir(config: Config) -> Path:
    """`[site] output_dir`, relative paths resolved against the config's folder."""
    folder = config.site.output_dir
    return folder if folder.is_absolute() else config.root / folder


def build_site(
    source: ArticleSource, config: Config, *, progress: Progress | None = None, full: bool = False
) -> SiteReport:
    """Write the static site for every stored article into `[site] output_dir`; `full`
    forgets what the last build saved and checks every page.

    >>> with Mill.open("newsmill.toml") as mill:  # doctest: +SKIP
    ...     report = build_site(mill.store, mill.config)
    """
    collecting = gc.isenabled()
    gc.disable()  # a build makes millions of small objects and frees few: collecting only costs
    try:
        return _build(source, config, progress, full)
    finally:
        if collecting:
            gc.enable()


def _build(source: ArticleSource, config: Config, progress: Progress | None, full: bool) -> SiteReport:
    started = time.perf_counter()
    note = progress or (lambda message: None)
    timezone = ZoneInfo(config.site.timezone)
    writer = Writer(site_dir(config))
    theme = Theme(_theme_dir(config), root=urls.root_prefix(config.site.base_url))
    library = _Library(source)
    previous_state = writer.take_previous_state()
    state = None if full else SiteState.from_json(previous_state)
    del previous_state
    note("reading articles")
    shelf = CardShelf(library.heads_of, timezone)
    revision, slots, changes, read = _read(library, state, shelf)
    store = library.store
    catalog = Catalog.of(slots, shelf)
    renderer = Renderer(theme, _site_info(config, catalog))
    context = f"{renderer.base_key}|{config.site.timezone}"  # (the search index keys its own format)
    if state is None or state.context != context:
        changes = None
    reach = Reach.of(catalog, changes)
    note(f"{len(slots)} articles, {read} read; rendering pages")
    seg_keys = search.segment_keys(slots)
    with _Indexer(writer) as indexer:  # search segments are written while the pages render
        segments = _render_articles(library, catalog, writer, renderer, indexer, reach, seg_keys)
        note("writing list pages and feeds")
        listings = write_extras(writer, renderer, catalog, library.articles, reach, state, seg_keys)
        note("finishing the search index")
    shelf.cards.clear()  # the manifest is built next: the cards' memory is better spent there
    renderer.forget()
    writer.finish(SiteState(revision, context, slots, listings, store).to_json())
    counts = writer.counts
    return SiteReport(
        output_dir=writer.root, articles=len(slots), files=len(writer.keys) + len(writer.articles),
        written=counts.written,
        unchanged=counts.unchanged, skipped=counts.skipped, removed=counts.removed,
        rendered=renderer.pages, search_segments=segments, seconds=time.perf_counter() - started, read=read,
    )  # fmt: skip


class _Library:
    """The article source as the build uses it, with or without a change log."""

    def __init__(self, source: ArticleSource) -> None:
        self.source = source
        self.tracked = source if isinstance(source, TrackedSource) else None
        self.store: str | None = None

    def _identity(self) -> str | None:
        if self.tracked is not None and self.store is None:
            self.store = self.tracked.store_id()
        return self.store

    def revision(self) -> tuple[str, int] | None:
        """The store's identity and its change log's revision (None: it keeps no log)."""
        store = self._identity()
        if self.tracked is None or store is None:
            return None
        return store, self.tracked.article_revision()

    def count(self) -> int | None:
        return self.tracked.count_articles() if self.tracked else None

    def changed_since(self, revision: int) -> list[str]:
        assert self.tracked is not None
        return self.tracked.changed_since(revision)

    def heads(self) -> Iterator[Head]:
        return self.tracked.iter_article_heads() if self.tracked else iter(self.source.iter_articles())

    def heads_of(self, ids: list[str]) -> list[Head]:
        if self.tracked:
            return list(self.tracked.article_heads(ids))
        return list(self.articles(ids).values())

    def articles(self, ids: Collection[str]) -> dict[str, Article]:
        if self.tracked:
            return self.tracked.articles_by_id(ids)
        wanted = set(ids)
        return {a.id: a for a in self.source.iter_articles() if a.id in wanted}

    def stream(self) -> Iterator[Article]:
        return self.source.iter_articles()


Changes = dict[str, tuple[Slot | None, Slot | None]]  # id -> (slot before, slot now)


def _read(
    library: _Library, state: SiteState | None, shelf: CardShelf
) -> tuple[int | None, list[Slot], Changes | None, int]:
    """Every slot, newest first, and what changed since the last build (None: unknown)."""
    seen = library.revision()  # before the articles: a change after it is read again next time
    revision = seen[1] if seen else None
    if state is not None and seen is not None and _log_covers(state, *seen):
        ids = set(library.changed_since(state.revision or 0))
        heads = library.heads_of(list(ids))
        now = {head.id: slot_of(shelf.make(head)) for head in heads}
        before = {slot.id: slot for slot in state.slots if slot.id in ids}
        slots = [slot for slot in state.slots if slot.id not in ids] + list(now.values())
        if len(slots) == library.count():  # else the log missed something: read everything
            slots.sort(key=lambda slot: slot.order)
            return revision, slots, _differences(before, now, ids), len(heads)
    slots = [slot_of(shelf.make(head)) for head in library.heads()]
    if state is None:
        return revision, slots, None, len(slots)
    now = {slot.id: slot for slot in slots}
    before = {slot.id: slot for slot in state.slots}
    return revision, slots, _differences(before, now, before.keys() | now.keys()), len(slots)


def _log_covers(state: SiteState, store: str, revision: int) -> bool:
    """Can the change log since the last build be trusted? The same store, not rolled back."""
    return state.revision is not None and state.store == store and state.revision <= revision


def _differences(before: dict[str, Slot], now: dict[str, Slot], ids: Collection[str]) -> Changes:
    return {i: (before.get(i), now.get(i)) for i in ids if before.get(i) != now.get(i)}


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


@dataclass
class _Pending:
    """Article pages to render and search segments to rebuild, by index into the slots."""

    pages: dict[int, tuple[str, list[int]]] = field(default_factory=dict)  # path, related
    segments: set[int] = field(default_factory=set)


def _render_articles(
    library: _Library,
    catalog: Catalog,
    writer: Writer,
    renderer: Renderer,
    indexer: _Indexer,
    reach: Reach,
    seg_keys: list[str],
) -> int:
    """Render the article pages and search segments whose keys changed."""
    slots = catalog.slots
    total = len(slots)
    pending = _Pending()
    for n, key in enumerate(seg_keys):
        paths = search.SegmentBuilder(n, key, search.segment_size(n, total)).paths()
        if _segment_current(writer, paths, key, look=reach.everything):
            for path in paths:
                writer.keep(path, key)
        else:
            pending.segments.add(n)
    for index in _article_pages_to_check(slots, writer, reach):
        slot = slots[index]
        path = urls.file_of(slot.path)
        related = catalog.related(index)
        key = renderer.key("article.html", slot.path, slot.full, [slots[i].key for i in related])
        if writer.declare_article(path, key):
            pending.pages[index] = (path, related)
    indexed = (i for n in pending.segments for i in search.segment_indexes(n, total))
    needed = sorted({*pending.pages, *indexed})
    if needed:
        if len(catalog.shelf.cards) < total:  # an incremental build: read the related cards at once
            catalog.cards_at(sorted({i for _, related in pending.pages.values() for i in related}))
        articles = _bodies(library, catalog, needed)
        _render_pending(articles, catalog, writer, renderer, pending, seg_keys, indexer)
    return len(pending.segments)


def _article_pages_to_check(slots: list[Slot], writer: Writer, reach: Reach) -> Sequence[int]:
    """Every article page when all is reached; else those reached, every other one carried
    over as the last build's manifest has it (the pages of articles gone or moved dropped).
    The manifest's article pages and the saved slots come from the same build, so every
    slot not reached has its page there."""
    if reach.everything:
        return range(len(slots))
    writer.carry_articles(reach.gone)
    return sorted(reach.articles)


def _bodies(library: _Library, catalog: Catalog, needed: Sequence[int]) -> Iterator[tuple[int, Article]]:
    """The articles at these indexes (ascending), newest first: by id when they are few, else
    one stream over the store up to the oldest of them."""
    slots = catalog.slots
    if len(needed) <= STREAM_FROM:
        for start in range(0, len(needed), 500):
            chunk = needed[start : start + 500]
            found = library.articles([slots[i].id for i in chunk])
            for index in chunk:
                article = found.get(slots[index].id)
                if article is None:
                    raise PublishError("the store changed while the site was being built; build again")
                yield index, article
        return
    wanted = set(needed)
    stream = library.stream()
    try:
        for index, article in enumerate(stream):
            if index > needed[-1]:
                break
            if index >= len(slots) or article.id != slots[index].id:
                raise PublishError("the store changed while the site was being built; build again")
            if index in wanted:
                yield index, article
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _render_pending(
    articles: Iterator[tuple[int, Article]],
    catalog: Catalog,
    writer: Writer,
    renderer: Renderer,
    pending: _Pending,
    seg_keys: list[str],
    indexer: _Indexer,
) -> None:
    total = len(catalog.slots)
    builders: dict[int, search.SegmentBuilder] = {}
    for index, article in articles:
        card = catalog.shelf.cards.get(article.id) or catalog.shelf.make(article)
        spot = search.place(index, total)
        if spot.segment in pending.segments:
            builder = builders.get(spot.segment)
            if builder is None:
                size = search.segment_size(spot.segment, total)
                builder = builders[spot.segment] = search.SegmentBuilder(
                    spot.segment, seg_keys[spot.segment], size
                )
            builder.add(spot.local, card, article.content_text or article.summary)
            if spot.local == 0:  # the segment's oldest article: it is complete
                indexer.submit(builders.pop(spot.segment))
        page = pending.pages.get(index)
        if page is not None:
            path, related = page
            _write_article(writer, renderer, card, article, path, catalog.cards_at(related))


class _Indexer:
    """Builds search segments beside the page rendering: in a second process when there is
    much to index (tokenizing is pure CPU work, and the machine has another core).

    The process is a `newsmill.workers` worker (a fresh interpreter: unlike a multiprocessing
    pool it never re-runs the caller's main script), spoken to synchronously: one segment in
    flight, its files collected when the next one is ready or the build ends. If the worker
    dies, the segment is indexed here instead."""

    PARALLEL_FROM = 400  # articles in a segment; below this a process costs more than it saves

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.worker: subprocess.Popen[bytes] | None = None
        self.in_flight: search.SegmentJob | None = None
        self.key = ""

    def submit(self, builder: search.SegmentBuilder) -> None:
        job = builder.job()
        if len(job.texts) < self.PARALLEL_FROM or (os.cpu_count() or 1) < 2:
            self._write(builder.key, search.segment_files(job))
            return
        self._collect()
        if self._send(job):
            self.in_flight, self.key = job, builder.key
        else:
            self._write(builder.key, search.segment_files(job))

    def _send(self, job: search.SegmentJob) -> bool:
        try:
            if self.worker is None:
                self.worker = _start_worker()
            assert self.worker.stdin is not None
            payload = pickle.dumps((search.segment_files, (job,)), protocol=pickle.HIGHEST_PROTOCOL)
            self.worker.stdin.write(len(payload).to_bytes(WORKER_HEADER, "big") + payload)
            self.worker.stdin.flush()
            return True
        except OSError:
            self._stop()
            return False

    def _collect(self) -> None:
        job, self.in_flight = self.in_flight, None
        if job is None:
            return
        try:
            assert self.worker is not None and self.worker.stdout is not None
            size = int.from_bytes(_read_exactly(self.worker.stdout, WORKER_HEADER), "big")
            ok, value = pickle.loads(_read_exactly(self.worker.stdout, size))
        except (OSError, EOFError):
            self._stop()
            ok, value = True, search.segment_files(job)  # the worker died: index it here
        if not ok:
            raise value
        self._write(self.key, value)

    def _write(self, key: str, files: list[tuple[str, bytes]]) -> None:
        for path, data in files:
            self.writer.keys[path] = key
            self.writer.put(path, data)

    def _stop(self) -> None:
        if self.worker is not None:
            for stream in (self.worker.stdin, self.worker.stdout):
                if stream is not None:
                    stream.close()
            if self.worker.poll() is None:
                self.worker.kill()
            self.worker.wait()
            self.worker = None

    def __enter__(self) -> _Indexer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            if kind is None:
                self._collect()
        finally:
            self._stop()


def _start_worker() -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[3])  # this same newsmill, src tree or not
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "newsmill.workers"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the search worker closed its pipe mid-message")
    return data


def _segment_current(writer: Writer, paths: list[str], key: str, *, look: bool) -> bool:
    """Did the last build write these files with this key? Checked on disk too when `look`
    (a build that checks everything); else the manifest is trusted, as for the kept pages."""
    if look:
        return all(writer.is_current(path, key) for path in paths)
    return all(writer.previous.get(path) == key for path in paths)


def _write_article(
    writer: Writer, renderer: Renderer, card: Card, article: Article, path: str, related: list[Card]
) -> None:
    """The page of an article `writer.declare` said must be rendered."""
    html = renderer.render(
        "article.html", item=card, content=article_content(article.content_html),
        related=related, related_list=renderer.related_list(related), keywords=article.keywords,
        breadcrumbs=renderer.trail_html(card.categories),
        canonical=urls.absolute(renderer.site.base_url, card.path),
    )  # fmt: skip
    writer.put(path, html)
