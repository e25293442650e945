"""`Mill`: the one library API that the command line, the web app and the scheduler call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from newsmill.config import Config, load_config
from newsmill.errors import ConfigError
from newsmill.models import Article, SearchHit, Source, SourceOutcome, SourceState, StorySummary
from newsmill.store import Store, open_store

# The fetch pipeline (aiohttp, lxml, nh3) and the enrich stage (rjieba and its dictionary) load
# in a good part of a second, the publishers (Jinja2, YAML) in a tenth or two: imported by the
# jobs that use them, so `build`, `fetch`, `articles` and `sources list` load only their own.
if TYPE_CHECKING:
    from newsmill.hexo_import import ImportReport
    from newsmill.pipeline import OutcomeCallback
    from newsmill.publish.hexo import HexoReport
    from newsmill.publish.site import SiteReport


@dataclass(frozen=True, slots=True)
class SourceView:
    """A configured source with what the store remembers of it, for `sources list`."""

    source: Source
    state: SourceState
    articles: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What `build` wrote; a publisher that is not configured reports None."""

    hexo: HexoReport | None = None
    site: SiteReport | None = None


ArticleCallback = Callable[[Article], None]


class Mill:
    """A configured newsmill: its sources, its store, and the jobs that run over them.

    >>> with Mill.open("newsmill.toml") as mill:  # doctest: +SKIP
    ...     outcomes = mill.fetch()
    """

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self._store = store

    @classmethod
    def open(cls, config_path: Path | str | None = None) -> Mill:
        return cls(load_config(config_path))

    @property
    def store(self) -> Store:
        """Opened on first use, so commands that need no database never create one."""
        if self._store is None:
            self._store = open_store(self.config.store.url, root=self.config.root)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Mill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def due_sources(self, names: Sequence[str] = ()) -> list[Source]:
        """The sources `fetch` would fetch now."""
        from newsmill.pipeline import plan_fetch, utcnow

        planned = plan_fetch(self.config, self.store.source_states(), utcnow(), names)
        return [source for source, _state in planned]

    def fetch(
        self, names: Sequence[str] = (), *, on_outcome: OutcomeCallback | None = None
    ) -> list[SourceOutcome]:
        """Fetch the named sources (or every due one) and store what they carry."""
        import asyncio

        from newsmill.pipeline import fetch_sources, plan_fetch, utcnow

        planned = plan_fetch(self.config, self.store.source_states(), utcnow(), names)
        if not planned:
            return []
        return asyncio.run(fetch_sources(self.config, self.store, planned, on_outcome=on_outcome))

    def sources(self) -> list[SourceView]:
        from newsmill.pipeline import current_state

        states = self.store.source_states()
        counts = self.store.counts_by_source()
        return [
            SourceView(source, current_state(source, states.get(source.name)), counts.get(source.name, 0))
            for source in self.config.sources
        ]

    def articles(
        self, *, source: str | None = None, limit: int | None = None, stock: str | None = None
    ) -> list[Article]:
        """Stored articles, newest first; `stock` (a code such as 688317 or 000516.SZ, or a
        known company name) keeps those that mention it."""
        if stock is None:
            return self.store.articles(source=source, limit=limit)
        return self.store.articles(source=source, limit=limit, stock=self.stock_code(stock))

    def stock_code(self, text: str) -> str:
        """`688317` → `688317.SH`; a name the store has learned → its code."""
        from newsmill.enrich import normalise_code

        code = normalise_code(text) or self.store.stock_names().get(text.strip())
        if code is None:
            raise ConfigError(
                f"{text!r} is neither a stock code (688317, 000516.SZ) nor a known company name"
            )
        return code

    def search(
        self,
        text: str,
        *,
        source: str | None = None,
        category: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Full-text search, Chinese included: best matches first, with snippets."""
        from newsmill.enrich import compile_query

        query = compile_query(text)
        return self.store.search(query, source=source, category=category, since=since, limit=limit)

    def stories(self, *, since: datetime | None = None, limit: int = 20) -> list[StorySummary]:
        """The biggest stories (articles grouped across sources), each with its lead article."""
        return self.store.stories(since=since, limit=limit)

    def enrich(self, *, everything: bool = False, progress: Callable[[int], None] | None = None) -> int:
        """Enrich stored articles: the ones never enriched, or (`everything`) all of them again,
        after the algorithms or the dictionaries changed. Returns how many."""
        from newsmill.enrichment import enrich_all, enrich_missing

        if everything:
            return enrich_all(self.config, self.store, progress)
        return enrich_missing(self.config, self.store, progress)

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the full-text search index from the stored articles."""
        from newsmill.enrichment import reindex as rebuild_search_index

        return rebuild_search_index(self.store, progress)

    def build(self, *, on_article: ArticleCallback | None = None, full: bool = False) -> BuildReport:
        """Publish the store: the static site, and Hexo posts when `[hexo] posts_dir` is set.
        Incremental: what did not change is not written; `full` checks every site page, not
        only those the changes since the last build reach. `on_article` is called once per
        article each publisher handles (for a progress bar)."""
        from newsmill.publish.site import build_site

        hexo = self._build_hexo(on_article)
        return BuildReport(hexo=hexo, site=build_site(self.store, self.config, full=full))

    def _build_hexo(self, on_article: ArticleCallback | None) -> HexoReport | None:
        if self.config.hexo.posts_dir is None:
            return None
        from newsmill.publish.hexo import configured_posts_dir, write_hexo_posts

        posts_dir = configured_posts_dir(self.config)
        assert posts_dir is not None
        return write_hexo_posts(self.store.iter_articles(), self.config.hexo, posts_dir, on_post=on_article)

    def import_hexo(
        self, folder: Path | str, *, on_post: Callable[[Path], None] | None = None
    ) -> ImportReport:
        """Read existing Hexo posts under `folder` into the store (see `newsmill.hexo_import`)."""
        from newsmill.hexo_import import import_hexo_posts
        from newsmill.pipeline import utcnow

        return import_hexo_posts(self.config, self.store, Path(folder), utcnow(), on_post=on_post)
