"""Storage: one interface, SQLite by default, PostgreSQL through the same SQL code."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newsmill.models import (
    Article,
    ArticleDraft,
    ArticleHead,
    Enrichment,
    SaveCounts,
    SourceState,
)
from newsmill.store.sql import SqlStore
from newsmill.store.sql_enrich import EnrichedStorage

__all__ = ["EnrichedStorage", "SqlStore", "Store", "open_store"]


class Store(EnrichedStorage, Protocol):
    """What the pipeline, the publishers and the CLI may ask of storage (search, stories and
    stock names: see `EnrichedStorage`)."""

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

    # What a site build reads: the change log, and articles without or with their bodies.
    def article_revision(self) -> int: ...

    def store_id(self) -> str: ...

    def changed_since(self, revision: int) -> list[str]: ...

    def iter_article_heads(self, *, batch: int = 500) -> Iterator[ArticleHead]: ...

    def article_heads(self, ids: Collection[str]) -> list[ArticleHead]: ...

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]: ...

    def count_articles(self, *, source: str | None = None) -> int: ...

    def counts_by_source(self) -> dict[str, int]: ...

    def close(self) -> None: ...


def open_store(url: str, *, root: Path | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `url`; relative SQLite paths are
    resolved against `root`, the config's folder."""
    return SqlStore(url, root=root)
