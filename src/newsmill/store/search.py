"""Full-text search over the FTS5 index, and snippets with the matches marked.

Ranking is bm25 (title matches weigh TITLE_WEIGHT times body matches), with the newer article
first among equal scores. Sorting by bm25 in SQL scores every match, and a common two-word query
can match a good part of the archive, so the index hands over the newest RANK_WINDOW matches
(newest first, bm25 computed on the way, then it stops) and Python keeps the best of those.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsmill.models import Article, SearchHit, SearchQuery
from newsmill.store.schema import SEARCH_INDEX, article_index, articles

TITLE_WEIGHT = 4.0
RANK_WINDOW = 1000
SNIPPET_CHARS = 80

ArticleOf = Callable[[Mapping[Any, Any]], Article]


def search(
    connection: sa.Connection,
    query: SearchQuery,
    article_of: ArticleOf,
    *,
    source: str | None = None,
    category: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """The best `limit` of the newest RANK_WINDOW matches of `query`, best first.

    Ranking reads only the index (and, with filters, the filtered columns); the whole rows of
    the `limit` best are read afterwards.
    """
    if not query.match:
        return []
    if connection.dialect.name == "postgresql":  # a tsvector index of its own
        from newsmill.store.pg_search import search_postgresql

        return search_postgresql(
            connection, query, article_of, source=source, category=category, since=since, limit=limit
        )
    filters = _filters(source, category, since)
    if connection.dialect.name != "sqlite":
        return _scan(connection, query, article_of, filters, limit)
    index = sa.table(SEARCH_INDEX, sa.column("rowid"))
    score = sa.func.bm25(sa.literal_column(SEARCH_INDEX), TITLE_WEIGHT, 1.0).label("score")
    matches = sa.literal_column(SEARCH_INDEX).op("MATCH")(query.match)
    # One pass, newest match first, bm25 computed on the way; it stops at RANK_WINDOW matches.
    if filters:
        window = (
            sa.select(index.c.rowid, score)
            .select_from(index)
            .join(article_index, article_index.c.docid == index.c.rowid)
            .join(articles, articles.c.id == article_index.c.article_id)
            .where(matches, *filters)
            .order_by(index.c.rowid.desc())
            .limit(RANK_WINDOW)
        )
        scored = [(float(row.score), -int(row.rowid)) for row in connection.execute(window)]
    else:  # the common case, on the driver directly: a Row object per match costs more than FTS5
        cursor = connection.connection.cursor()
        try:
            rows = cursor.execute(_WINDOW_SQL, (query.match,)).fetchall()
        finally:
            cursor.close()
        scored = [(score_value, -rowid) for rowid, score_value in rows]
    # best bm25 first (lower is better), then newer (docids grow with arrival)
    best = [(-negative, value) for value, negative in heapq.nsmallest(limit, scored)]
    rows = rows_by_docid(connection, [docid for docid, _ in best])
    return [_hit(article_of(rows[docid]), value, query.terms) for docid, value in best if docid in rows]


_WINDOW_SQL = (
    f"SELECT rowid, bm25({SEARCH_INDEX}, {TITLE_WEIGHT}, 1.0) FROM {SEARCH_INDEX} "
    f"WHERE {SEARCH_INDEX} MATCH ? ORDER BY rowid DESC LIMIT {RANK_WINDOW}"
)


def rows_by_docid(connection: sa.Connection, docids: list[int]) -> dict[int, dict[str, Any]]:
    """The article rows of these index docids (both dialects' searches rank docids first)."""
    if not docids:
        return {}
    statement = (
        sa.select(articles, article_index.c.docid.label("_docid"))
        .join(article_index, article_index.c.article_id == articles.c.id)
        .where(article_index.c.docid.in_(docids))
    )
    found: dict[int, dict[str, Any]] = {}
    for row in connection.execute(statement).mappings():
        values = dict(row)
        found[int(values.pop("_docid"))] = values
    return found


def _filters(source: str | None, category: Sequence[str], since: datetime | None) -> list[Any]:
    filters: list[Any] = []
    if source is not None:
        filters.append(articles.c.source == source)
    for depth, name in enumerate(category):
        # categories is a JSON list; a category path matches its first levels
        filters.append(sa.func.json_extract(articles.c.categories, f"$[{depth}]") == name)
    if since is not None:
        filters.append(articles.c.published >= since)
    return filters


def _scan(
    connection: sa.Connection,
    query: SearchQuery,
    article_of: ArticleOf,
    filters: list[Any],
    limit: int,
) -> list[SearchHit]:
    """No FTS5 (PostgreSQL): every term as a substring of title or text, newest first."""
    for term in query.terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        filters.append(
            sa.or_(
                articles.c.title.ilike(pattern, escape="\\"),
                articles.c.content_text.ilike(pattern, escape="\\"),
            )
        )
    statement = sa.select(articles).where(*filters).order_by(articles.c.published.desc()).limit(limit)
    return [_hit(article_of(row), 0.0, query.terms) for row in connection.execute(statement).mappings()]


def _hit(article: Article, score: float, terms: Sequence[str]) -> SearchHit:
    snippet, highlights = make_snippet(article.content_text or article.summary, terms)
    return SearchHit(article=article, score=score, snippet=snippet, highlights=highlights)


def make_snippet(
    text: str, terms: Sequence[str], size: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `size` characters of `text` around the first match, and where each match is.

    >>> make_snippet("上海张江细胞和基因产业园正式发布", ["基因"], 8)
    ('…胞和基因产业园正…', ((3, 5),))
    """
    pattern = _terms_pattern(terms)
    first = pattern.search(text) if pattern else None
    start = max(0, (first.start() if first else 0) - size // 3)
    end = min(len(text), start + size)
    start = max(0, min(start, end - size))
    body = " ".join(text[start:end].split())
    prefix = "…" if start > 0 else ""
    snippet = prefix + body + ("…" if end < len(text) else "")
    spans = tuple((match.start(), match.end()) for match in (pattern.finditer(snippet) if pattern else ()))
    return snippet, spans


def _terms_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    words = sorted({term for term in terms if term}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None
