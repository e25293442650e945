"""Full-text search on PostgreSQL: the FTS5 index's text as a `tsvector` under a GIN index.

The index holds what SQLite's FTS5 index holds (see `newsmill.enrich.segment`): each field's
segmenter words, then the character bigrams of its Chinese runs. It is tokenized here, in Python,
the way FTS5's `unicode61` tokenizer would (runs of letters and digits, case and diacritics
folded), and handed to `to_tsvector('simple')` one token a word, so index and queries agree
whatever PostgreSQL's parser would make of a URL or `1.22`. Title positions weigh A, body D.

A query is the same compiled FTS5 expression, translated: each phrase's tokens become lexemes
ANDed together (a one-character phrase or a Latin word is a prefix), which the GIN index answers
without positions (tsvector keeps at most 256 positions a lexeme, up to position 16383, so
phrase operators would lose matches deep in a long article). A Chinese phrase of two or more
bigrams is then checked as a substring of the title or text: a query word that is a substring of
an article finds it, and only those. The newest RANK_WINDOW matches are ranked with `ts_rank`
(title weight TITLE_WEIGHT times body), newer first among equals, as on SQLite.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY

from newsmill.models import SearchHit, SearchQuery
from newsmill.store.schema import PG_SEARCH_INDEX, article_index, articles
from newsmill.store.search import RANK_WINDOW, TITLE_WEIGHT, ArticleOf, make_snippet, rows_by_docid

index = sa.table(PG_SEARCH_INDEX, sa.column("docid", sa.Integer), sa.column("document"))

# Letters and digits (unicode61's token characters); a run over 500 characters is cut in pieces
# (PostgreSQL skips a lexeme over 2 KB). The same on both sides, so a piece still matches.
_TOKEN = re.compile(r"[^\W_]{1,500}")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_PHRASE = re.compile(r'"([^"]*)"(\*?)')  # what compile_query emits: "tok tok" or "tok"*
_BIGRAM = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}")
CHUNK = 500  # index rows a statement
MAX_TOKENS = 30_000  # a field's tokens kept in order; beyond, each once (a tsvector is < 1 MB)
# ts_rank's weights, in its order D, C, B, A: a title position counts TITLE_WEIGHT body ones.
_WEIGHTS = f"'{{{1 / TITLE_WEIGHT}, {1 / TITLE_WEIGHT}, {1 / TITLE_WEIGHT}, 1.0}}'::real[]"
# One statement for many rows, an array a column (psycopg's executemany sends one a row).
_UPSERT = sa.text(
    f"INSERT INTO {PG_SEARCH_INDEX} (docid, document) "
    "SELECT docid, setweight(to_tsvector('pg_catalog.simple', title), 'A') "
    "|| to_tsvector('pg_catalog.simple', body) "
    "FROM unnest(CAST(:docids AS integer[]), CAST(:titles AS text[]), CAST(:bodies AS text[])) "
    "AS item (docid, title, body) "
    "ON CONFLICT (docid) DO UPDATE SET document = excluded.document"
)


def index_tokens(text: str) -> str:
    """One field's index text as the tokens FTS5 would see, folded, one space apart: what
    `to_tsvector('simple', …)` then keeps whole (a URL or `1.22` would be one lexeme there).

    >>> index_tokens("iPhone15 发布会，Café 1.22")
    'iphone15 发布会 cafe 1 22'
    """
    tokens = _TOKEN.findall(fold(text))
    if len(tokens) > MAX_TOKENS:  # a huge page: each token once (recall needs no positions)
        tokens = list(dict.fromkeys(tokens))[:MAX_TOKENS]
    return " ".join(tokens)


def fold(text: str) -> str:
    """Text as FTS5's unicode61 (remove_diacritics 2) compares it: lower case, no accents.
    Queries are folded the same way, then cut into tokens the same way."""
    text = text.lower()
    if text.isascii() or unicodedata.is_normalized("NFKD", text):
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def compile_tsquery(match: str) -> tuple[str, list[str]]:
    """The tsquery of a compiled FTS5 expression, and the substrings its matches must contain.

    >>> compile_tsquery('"基因" AND "产业 业园" AND "rust"*')
    ("'基因' & '产业' & '业园' & 'rust':*", ['产业园'])
    """
    lexemes: list[str] = []
    substrings: list[str] = []
    for phrase, star in _PHRASE.findall(match):
        tokens = _TOKEN.findall(fold(phrase))
        if not tokens:
            continue
        quoted = [quote(token) for token in tokens]
        if star:
            quoted[-1] += ":*"
        if len(tokens) > 1 and all(_BIGRAM.fullmatch(token) for token in tokens):
            substrings.append(tokens[0] + "".join(token[1] for token in tokens[1:]))
            lexemes.extend(quoted)
        else:  # not bigrams (compile_query makes none such): a phrase proper
            lexemes.append(" <-> ".join(quoted) if len(quoted) > 1 else quoted[0])
    return " & ".join(lexemes), substrings


def search_postgresql(
    connection: sa.Connection,
    query: SearchQuery,
    article_of: ArticleOf,
    *,
    source: str | None = None,
    category: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """The best `limit` of the newest RANK_WINDOW matches of `query`, best first (its score is
    minus ts_rank, so that lower is better, as with bm25)."""
    text, substrings = compile_tsquery(query.match)
    if not text:
        return []
    tsquery = sa.cast(sa.literal(text), TSQUERY)
    conditions = [index.c.document.op("@@")(tsquery), *_filters(source, category, since)]
    for substring in substrings:
        conditions.append(
            sa.or_(articles.c.title.contains(substring), articles.c.content_text.contains(substring))
        )
    window = sa.select(index.c.docid).where(*conditions).order_by(index.c.docid.desc()).limit(RANK_WINDOW)
    if len(conditions) > 1:
        window = window.join(article_index, article_index.c.docid == index.c.docid).join(
            articles, articles.c.id == article_index.c.article_id
        )
    found = window.subquery()
    rank = sa.func.ts_rank(sa.literal_column(_WEIGHTS), index.c.document, tsquery, 1)
    ranked = sa.select(index.c.docid, rank.label("rank")).join(found, found.c.docid == index.c.docid)
    scored = [(-float(row.rank), -int(row.docid)) for row in connection.execute(ranked)]
    best = [(-negative, score) for score, negative in heapq.nsmallest(limit, scored)]
    rows = rows_by_docid(connection, [docid for docid, _ in best])
    hits = []
    for docid, score in best:
        if docid in rows:
            article = article_of(rows[docid])
            snippet, spans = make_snippet(article.content_text or article.summary, query.terms)
            hits.append(SearchHit(article=article, score=score, snippet=snippet, highlights=spans))
    return hits


def write_documents(connection: sa.Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index (docid, title index text, body index text) rows, replacing what those docids had."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        connection.execute(
            _UPSERT,
            {
                "docids": [docid for docid, _, _ in chunk],
                "titles": [index_tokens(title) for _, title, _ in chunk],
                "bodies": [index_tokens(body) for _, _, body in chunk],
            },
        )


def delete_documents(connection: sa.Connection, docids: Sequence[int] | None = None) -> None:
    """Drop these docids' index rows (every row with None)."""
    statement = sa.delete(index)
    if docids is not None:
        statement = statement.where(index.c.docid.in_(docids))
    connection.execute(statement)


def _filters(source: str | None, category: Sequence[str], since: datetime | None) -> list[Any]:
    filters: list[Any] = []
    if source is not None:
        filters.append(articles.c.source == source)
    for depth, name in enumerate(category):  # a category path matches its first levels
        filters.append(articles.c.categories[depth].as_string() == name)
    if since is not None:
        filters.append(articles.c.published >= since)
    return filters
