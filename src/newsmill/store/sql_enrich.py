"""The SQL store's search, story and stock methods (mixed into `SqlStore`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from newsmill.models import (
    Article,
    Enclosure,
    Enrichment,
    SearchHit,
    SearchQuery,
    StockMention,
    StoryCandidate,
    StorySummary,
)
from newsmill.store import enrichment as enriched
from newsmill.store.schema import articles
from newsmill.store.search import search

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

ENRICHED_COLUMNS = ("keywords", "tags", "feed_tags", "stocks", "story")


class EnrichedStorage(Protocol):
    """The enrich stage's part of a store: search, stories, stock names and the enrichment
    bookkeeping. The one declaration of these methods: `Store` includes it, and `EnrichedStore`
    implements it (mypy checks the implementation against it)."""

    def search(
        self,
        query: SearchQuery,
        *,
        source: str | None = None,
        category: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Articles matching a compiled query, best first (see `store.search`)."""

    def stories(self, *, since: datetime | None = None, limit: int = 20) -> list[StorySummary]:
        """Stories of two or more articles, biggest first, each with its lead article."""

    def story_candidates(
        self, bands: Sequence[int], since: datetime, until: datetime
    ) -> list[StoryCandidate]:
        """Articles published between `since` and `until` sharing a band key with `bands`."""

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """The stored content hash of each of these articles that is stored."""

    def stock_names(self) -> dict[str, str]:
        """The learned stock-name dictionary: name → normalised code."""

    def learn_stock_names(self, mentions: Iterable[StockMention]) -> int:
        """Add names (a known name keeps its code); how many were new."""

    def save_enrichments(self, items: Sequence[tuple[str, Enrichment]]) -> None:
        """Enrichments of stored articles (`newsmill enrich --all`), in one transaction."""

    def clear_stories(self) -> None:
        """Forget every band key (before `enrich --all` groups the archive afresh)."""

    def clear_search_index(self) -> None:
        """Empty the full-text index (before `newsmill reindex`)."""

    def write_search_index(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """(article id, title index text, body index text) rows, for `newsmill reindex`."""


class EnrichedStore(EnrichedStorage):
    """`EnrichedStorage` for a SQL store (mixed into `SqlStore`).

    The article writes themselves (`save_articles` with enrichments) live in `SqlStore`, so that
    an article, its index rows, band keys and stock rows commit in one transaction.
    """

    if TYPE_CHECKING:

        def _read(self) -> sa.Connection: ...

        def _write(self) -> AbstractContextManager[sa.Connection]: ...

        def article(self, article_id: str) -> Article | None: ...

    def search(
        self,
        query: SearchQuery,
        *,
        source: str | None = None,
        category: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        with self._read() as connection:
            return search(
                connection,
                query,
                article_from_row,
                source=source,
                category=category,
                since=since,
                limit=limit,
            )

    def stories(self, *, since: datetime | None = None, limit: int = 20) -> list[StorySummary]:
        with self._read() as connection:
            found = enriched.biggest_stories(connection, since, limit)
        summaries = []
        for story, size, latest, sources in found:
            lead = self.article(story)
            if lead is not None:
                summaries.append(StorySummary(lead=lead, size=size, sources=sources, latest=latest))
        return summaries

    def story_candidates(
        self, bands: Sequence[int], since: datetime, until: datetime
    ) -> list[StoryCandidate]:
        with self._read() as connection:
            return enriched.story_candidates(connection, bands, since, until)

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._read() as connection:
            for start in range(0, len(ids), enriched.CHUNK):
                chunk = ids[start : start + enriched.CHUNK]
                query = sa.select(articles.c.id, articles.c.content_hash).where(articles.c.id.in_(chunk))
                found.update({row.id: row.content_hash for row in connection.execute(query)})
        return found

    def stock_names(self) -> dict[str, str]:
        with self._read() as connection:
            return enriched.names(connection)

    def learn_stock_names(self, mentions: Iterable[StockMention]) -> int:
        with self._write() as connection:
            return enriched.learn_names(connection, mentions)

    def save_enrichments(self, items: Sequence[tuple[str, Enrichment]]) -> None:
        if not items:
            return
        statement = sa.update(articles).where(articles.c.id == sa.bindparam("_id"))
        statement = statement.values({column: sa.bindparam(column) for column in ENRICHED_COLUMNS})
        rows = [{**enriched.enriched_columns(e), "_id": article_id} for article_id, e in items]
        with self._write() as connection:
            connection.execute(statement, rows)
            enriched.write_enrichments(connection, items)
            enriched.learn_names(connection, [m for _, e in items for m in e.learned])

    def clear_stories(self) -> None:
        with self._write() as connection:
            enriched.clear_stories(connection)

    def clear_search_index(self) -> None:
        with self._write() as connection:
            enriched.clear_index(connection)

    def write_search_index(self, rows: Sequence[tuple[str, str, str]]) -> None:
        with self._write() as connection:
            enriched.write_index(connection, rows)


def article_from_row(row: Mapping[Any, Any]) -> Article:
    """A stored article from its row (every column of `articles`)."""
    values: dict[str, Any] = dict(row)
    values["categories"] = tuple(values["categories"] or ())
    values["tags"] = tuple(values["tags"] or ())
    values["keywords"] = tuple(values["keywords"] or ())
    values["feed_tags"] = tuple(values.get("feed_tags") or ())
    values["stocks"] = enriched.stock_mentions(values.get("stocks"))
    values["enclosures"] = tuple(Enclosure(**item) for item in values["enclosures"] or ())
    return Article(**values)
