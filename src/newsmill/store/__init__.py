"""Storage: one interface, SQLite by default, PostgreSQL through the same SQL code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newsmill.models import Article, ArticleDraft, SaveCounts, SourceState
from newsmill.store.sql import SqlStore

__all__ = ["SqlStore", "Store", "open_store"]


class Store(Protocol):
    """What the pipeline, the publishers and the CLI may ask of storage."""

    url: str  # where the store is, for messages

    def source_states(self) -> dict[str, SourceState]: ...

    def save_state(self, state: SourceState) -> None: ...

    def save_states(self, states: Sequence[SourceState]) -> None: ...

    def save_articles(
        self, state: SourceState, drafts: Sequence[ArticleDraft], now: datetime
    ) -> SaveCounts: ...

    def articles(
        self, *, source: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Article]: ...

    def iter_articles(self, *, source: str | None = None, batch: int = 500) -> Iterator[Article]: ...

    def article(self, article_id: str) -> Article | None: ...

    def count_articles(self, *, source: str | None = None) -> int: ...

    def counts_by_source(self) -> dict[str, int]: ...

    def close(self) -> None: ...


def open_store(url: str, *, root: Path | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `url`; relative SQLite paths are
    resolved against `root`, the config's folder."""
    return SqlStore(url, root=root)
