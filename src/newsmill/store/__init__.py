"""Storage: one interface, SQLite by default, PostgreSQL through the same SQL code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newsmill.models import (
    Article,
    ArticleDraft,
    Enrichment,
    SaveCounts,
    SearchHit,
    SearchQuery,
    SourceState,
    StockMention,
    StoryCandidate,
    StorySummary,
)
from newsmill.store.sql import SqlStore

__all__ = ["SqlStore", "Store", "open_store"]


class Store(Protocol):
    """What the pipeline, the publishers and the CLI may ask of storage."""

    url: str  # where the store is, for messages

    def source_states(self) -> dict[str, SourceState]: ...

    def save_state(self, state: SourceState) -> None: ...

    def save_states(self, states: Sequence[SourceState]) -> None: ...

    def save_articles(
        self,
        state: SourceState,
        drafts: Sequence[ArticleDraft],
        now: datetime,
        enrichments: Mapping[str, Enrichment] | None = None,
    ) -> SaveCounts: ...

    def articles(
        self,
        *,
        source: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        stock: str | None = None,
    ) -> list[Article]: ...

    def iter_articles(
        self,
        *,
        source: str | None = None,
        batch: int = 500,
        oldest_first: bool = False,
        unenriched: bool = False,
    ) -> Iterator[Article]: ...

    def article(self, article_id: str) -> Article | None: ...

    def count_articles(self, *, source: str | None = None) -> int: ...

    def counts_by_source(self) -> dict[str, int]: ...

    # --- search, stories, stocks (the enrich stage's data) ---

    def search(
        self,
        query: SearchQuery,
        *,
        source: str | None = None,
        category: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[SearchHit]: ...

    def stories(self, *, since: datetime | None = None, limit: int = 20) -> list[StorySummary]: ...

    def story_candidates(
        self, bands: Sequence[int], since: datetime, until: datetime
    ) -> list[StoryCandidate]: ...

    def stock_names(self) -> dict[str, str]: ...

    def learn_stock_names(self, mentions: Iterable[StockMention]) -> int: ...

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]: ...

    def save_enrichments(self, items: Sequence[tuple[str, Enrichment]]) -> None: ...

    def clear_stories(self) -> None: ...

    def clear_search_index(self) -> None: ...

    def write_search_index(self, rows: Sequence[tuple[str, str, str]]) -> None: ...

    def close(self) -> None: ...


def open_store(url: str, *, root: Path | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `url`; relative SQLite paths are
    resolved against `root`, the config's folder."""
    return SqlStore(url, root=root)
