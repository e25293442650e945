"""Writing what the enrich stage made (in the article's own transaction) and reading it back:
index rows, story band keys, stock rows, the stock-name dictionary, stories."""

from __future__ import annotations

import functools
import json
from array import array
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from newsmill.models import Enrichment, StockMention, StoryCandidate
from newsmill.store.schema import (
    SEARCH_INDEX,
    article_index,
    article_stocks,
    articles,
    stock_names,
    story_bands,
)

CHUNK = 500
# A band key shared by more articles than BUCKET_TRIM (one story the size of a feed, or a
# boilerplate every item of a source carries) keeps only its newest BUCKET_KEEP: a lookup then
# reads a bounded number of candidates, where it read the whole story on every batch before
# (ingest grew with the square of the story). Trimmed lazily, once per BUCKET_KEEP inserts.
BUCKET_KEEP = 32
BUCKET_TRIM = 2 * BUCKET_KEEP


def enriched_columns(enrichment: Enrichment) -> dict[str, Any]:
    """The article columns an enrichment sets."""
    return {
        "keywords": list(enrichment.keywords),
        "tags": list(enrichment.tags),
        "feed_tags": list(enrichment.feed_tags),
        "stocks": [{"code": m.code, "name": m.name} for m in enrichment.stocks],
        "story": enrichment.story,
    }


def write_enrichments(connection: sa.Connection, written: Sequence[tuple[str, Enrichment]]) -> None:
    """Index rows, band keys, stock rows and story merges of articles just inserted or updated.
    The article rows themselves carry `enriched_columns` already."""
    if not written:
        return
    ids = [article_id for article_id, _ in written]
    docids = _docids(connection, ids)
    if docids:  # articles written before: what they had goes (a new article has nothing yet)
        _forget(connection, list(docids.values()), [i for i in ids if i in docids])
    packed = {i: (pack_ints(e.minhash), pack_ints(e.bands)) for i, e in written}
    known = [
        {"_docid": docids[i], "minhash": packed[i][0], "bands": packed[i][1]} for i in ids if i in docids
    ]
    if known:
        statement = sa.update(article_index).where(article_index.c.docid == sa.bindparam("_docid"))
        values: dict[str, Any] = {"minhash": sa.bindparam("minhash"), "bands": sa.bindparam("bands")}
        connection.execute(statement.values(values), known)
    missing = [(i, *packed[i]) for i in ids if i not in docids]
    if missing:
        docids.update(_insert_index_rows(connection, missing))
    index_rows, band_rows, stock_rows = [], [], []
    for article_id, enrichment in written:
        docid = docids[article_id]
        index_rows.append((docid, enrichment.index_title, enrichment.index_body))
        band_rows.extend([(band, docid) for band in enrichment.bands])
        stock_rows.extend([(m.code, article_id) for m in enrichment.stocks])
    write_documents(connection, index_rows)
    # In key order: random keys dirty a B-tree page each; sorted, neighbours share pages (6x cheaper).
    band_rows.sort()
    _insert_rows(connection, story_bands, ("band", "docid"), band_rows)
    _trim_buckets(connection, sorted({band for band, _ in band_rows}))
    _insert_rows(connection, article_stocks, ("code", "article_id"), stock_rows)
    merge_stories(connection, [(e.story, e.merged) for _, e in written if e.merged])


def _insert_index_rows(connection: sa.Connection, rows: Sequence[tuple[str, bytes, bytes]]) -> dict[str, int]:
    """`article_index` rows (article id, signature, band keys) for articles that have none; their
    docids.

    SQLite numbers them here as it would itself (one more than the largest docid), in one
    executemany and without reading them back: the transaction is the only writer."""
    if connection.dialect.name != "sqlite":
        _insert_rows(connection, article_index, ("article_id", "minhash", "bands"), rows)
        return _docids(connection, [article_id for article_id, _, _ in rows])
    last = connection.exec_driver_sql("SELECT max(docid) FROM article_index").scalar() or 0
    numbered = [(last + number, *row) for number, row in enumerate(rows, 1)]
    sql = "INSERT INTO article_index (docid, article_id, minhash, bands) VALUES (?, ?, ?, ?)"
    connection.exec_driver_sql(sql, numbered)
    return {article_id: docid for docid, article_id, _, _ in numbered}


def _trim_buckets(connection: sa.Connection, keys: Sequence[int]) -> None:
    """Keep the newest BUCKET_KEEP articles of every band key here shared by more than
    BUCKET_TRIM (docids grow with arrival)."""
    if not keys:
        return
    for band in _crowded(connection, keys):
        newest = (
            sa.select(story_bands.c.docid)
            .where(story_bands.c.band == band)
            .order_by(story_bands.c.docid.desc())
            .offset(BUCKET_KEEP - 1)
            .limit(1)
            .scalar_subquery()
        )
        connection.execute(
            sa.delete(story_bands).where(story_bands.c.band == band, story_bands.c.docid < newest)
        )


def _crowded(connection: sa.Connection, keys: Sequence[int]) -> list[int]:
    """The keys shared by more than BUCKET_TRIM articles."""
    if connection.dialect.name == "sqlite":  # the keys as one JSON parameter: no statement to render
        sql = (
            "SELECT band FROM story_bands WHERE band IN (SELECT value FROM json_each(?)) "
            f"GROUP BY band HAVING count(*) > {BUCKET_TRIM}"
        )
        return list(connection.exec_driver_sql(sql, (_json_ints(keys),)).scalars())
    crowded: list[int] = []
    count = sa.func.count().label("size")
    for chunk in _chunks(keys):
        query = (
            sa.select(story_bands.c.band)
            .where(story_bands.c.band.in_(chunk))
            .group_by(story_bands.c.band)
            .having(count > BUCKET_TRIM)
        )
        crowded.extend(connection.execute(query).scalars())
    return crowded


def _json_ints(values: Iterable[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


def _insert_rows(
    connection: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Many rows. SQLite: one executemany on the driver (the values are plain ints, strings and
    bytes, so nothing needs SQLAlchemy's per-row bind processing). PostgreSQL: one statement a
    chunk, an array a column (`unnest`): 5 times faster than psycopg's statement a row."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        arrays = [f"CAST(:{c} AS {table.c[c].type.compile(connection.dialect)}[])" for c in columns]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({', '.join(arrays)})"
        for chunk in _chunks(rows):
            connection.execute(sa.text(sql), {c: [row[i] for row in chunk] for i, c in enumerate(columns)})
        return
    if connection.dialect.name != "sqlite":
        for chunk in _chunks(rows):
            connection.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)


def _docids(connection: sa.Connection, ids: Sequence[str]) -> dict[str, int]:
    if connection.dialect.name == "sqlite":  # the ids as one JSON parameter
        sql = (
            "SELECT article_id, docid FROM article_index WHERE article_id IN (SELECT value FROM json_each(?))"
        )
        return {row[0]: row[1] for row in connection.exec_driver_sql(sql, (json.dumps(list(ids)),))}
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        query = sa.select(article_index.c.article_id, article_index.c.docid).where(
            article_index.c.article_id.in_(chunk)
        )
        found.update({row.article_id: row.docid for row in connection.execute(query)})
    return found


def _forget(connection: sa.Connection, docids: Sequence[int], ids: Sequence[str]) -> None:
    """Drop the index rows, band keys and stock rows of articles about to be written again."""
    for chunk in _chunks(docids):
        query = sa.select(article_index.c.docid, article_index.c.bands).where(
            article_index.c.docid.in_(chunk)
        )
        old = [
            {"_band": band, "_docid": docid}
            for docid, bands in connection.execute(query)
            for band in _unpack(bands)
        ]
        if old:  # by the table's key; a key trimmed or cleared since is simply not there
            band, docid = story_bands.c.band, story_bands.c.docid
            statement = sa.delete(story_bands).where(
                band == sa.bindparam("_band"), docid == sa.bindparam("_docid")
            )
            connection.execute(statement, old)
        if connection.dialect.name == "sqlite":
            marks = ",".join("?" * len(chunk))
            connection.exec_driver_sql(f"DELETE FROM {SEARCH_INDEX} WHERE rowid IN ({marks})", tuple(chunk))
    for chunk in _chunks(ids):
        connection.execute(sa.delete(article_stocks).where(article_stocks.c.article_id.in_(chunk)))


def merge_stories(connection: sa.Connection, merges: Iterable[tuple[str, Sequence[str]]]) -> None:
    """Relabel the articles of merged stories with the story they joined."""
    for story, merged in merges:
        connection.execute(sa.update(articles).where(articles.c.story.in_(merged)).values(story=story))


def learn_names(connection: sa.Connection, mentions: Iterable[StockMention], origin: str = "link") -> int:
    """Add names to the dictionary; a known name keeps its code. Returns how many were new."""
    rows = {m.name: {"name": m.name, "code": m.code, "origin": origin} for m in mentions}
    if not rows:
        return 0
    known: set[str] = set()
    for chunk in _chunks(list(rows)):
        query = sa.select(stock_names.c.name).where(stock_names.c.name.in_(chunk))
        known.update(connection.execute(query).scalars())
    new = [row for name, row in rows.items() if name not in known]
    for chunk in _chunks(new):
        connection.execute(sa.insert(stock_names), chunk)
    return len(new)


def names(connection: sa.Connection) -> dict[str, str]:
    return {
        row.name: row.code for row in connection.execute(sa.select(stock_names.c.name, stock_names.c.code))
    }


def story_candidates(
    connection: sa.Connection, bands: Sequence[int], since: datetime, until: datetime
) -> list[StoryCandidate]:
    """Articles published between `since` and `until` that share a band key with `bands`."""
    keys = sorted(set(bands))
    if not keys:
        return []
    dialect = connection.dialect.name
    # The keys go as one value (a JSON array in SQLite, an array in PostgreSQL): a batch's
    # thousand keys as a thousand bind parameters cost more to render than the query to run.
    value: Any = _json_ints(keys) if dialect == "sqlite" else keys
    parameters = {"bands": value, "since": since, "until": until}
    found: dict[str, StoryCandidate] = {}
    for row in connection.execute(_candidates_statement(dialect), parameters):
        found[row.id] = StoryCandidate(
            article_id=row.id,
            story=row.story or row.id,
            lead_published=row.lead_published or row.published,
            published=row.published,
            title=row.title,
            minhash=_unpack(row.minhash),
        )
    return list(found.values())


@functools.cache
def _candidates_statement(dialect: str) -> sa.Select[Any]:
    """Built once per dialect: SQLAlchemy then reuses its compiled form for every lookup."""
    lead = articles.alias("lead")
    if dialect == "sqlite":
        keys = sa.func.json_each(sa.bindparam("bands", type_=sa.String)).table_valued("value")
        matches: sa.ColumnElement[bool] = story_bands.c.band.in_(sa.select(keys.c.value))
    else:
        from sqlalchemy.dialects.postgresql import ARRAY

        matches = story_bands.c.band == sa.any_(sa.bindparam("bands", type_=ARRAY(sa.BigInteger)))
    return (
        sa.select(
            articles.c.id,
            articles.c.story,
            articles.c.published,
            articles.c.title,
            article_index.c.minhash,
            lead.c.published.label("lead_published"),
        )
        .select_from(article_index)
        .join(articles, articles.c.id == article_index.c.article_id)
        .outerjoin(lead, lead.c.id == articles.c.story)
        .where(
            article_index.c.docid.in_(sa.select(story_bands.c.docid).where(matches)),
            articles.c.published.between(sa.bindparam("since"), sa.bindparam("until")),
        )
    )


def clear_stories(connection: sa.Connection) -> None:
    """Forget every band key (before `enrich --all` groups the archive afresh)."""
    connection.execute(sa.delete(story_bands))


def clear_index(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DELETE FROM {SEARCH_INDEX}")
    elif connection.dialect.name == "postgresql":
        from newsmill.store import pg_search  # (with SQLAlchemy's PostgreSQL dialect: 50 ms)

        pg_search.delete_documents(connection)


def write_index(connection: sa.Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """Index rows (article id, title text, body text) for articles that have none."""
    docids = _docids(connection, [article_id for article_id, _, _ in rows])
    missing = [(article_id, b"", b"") for article_id, _, _ in rows if article_id not in docids]
    if missing:
        docids.update(_insert_index_rows(connection, missing))
    write_documents(connection, [(docids[i], title, body) for i, title, body in rows])


def write_documents(connection: sa.Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Full-text index rows (docid, title index text, body index text) of docids that have none."""
    if connection.dialect.name == "sqlite":
        sql = f"INSERT INTO {SEARCH_INDEX} (rowid, title, body) VALUES (?, ?, ?)"
        connection.exec_driver_sql(sql, rows)
    elif connection.dialect.name == "postgresql":
        from newsmill.store import pg_search

        pg_search.write_documents(connection, rows)


def stock_article_ids(code: str) -> sa.Select[tuple[str]]:
    return sa.select(article_stocks.c.article_id).where(article_stocks.c.code == code)


def pack_ints(values: Sequence[int]) -> bytes:
    """Signed 64-bit values (a signature, band keys) as one blob."""
    return array("q", values).tobytes()


def _unpack(blob: bytes | None) -> tuple[int, ...]:
    return tuple(array("q", blob or b""))


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def stock_mentions(values: Any) -> tuple[StockMention, ...]:
    """The `stocks` column back as mentions."""
    return tuple(StockMention(code=item["code"], name=item["name"]) for item in values or ())


def biggest_stories(
    connection: sa.Connection, since: datetime | None, limit: int
) -> list[tuple[str, int, datetime, tuple[str, ...]]]:
    """(story id, articles, latest published, sources) of stories with two or more articles,
    biggest first, then the most recent."""
    size = sa.func.count().label("size")
    latest = sa.func.max(articles.c.published).label("latest")
    query = sa.select(articles.c.story, size, latest).where(articles.c.story.is_not(None))
    if since is not None:
        query = query.where(articles.c.published >= since)
    query = query.group_by(articles.c.story).having(sa.func.count() > 1)
    rows = connection.execute(query.order_by(size.desc(), latest.desc()).limit(limit)).all()
    found = []
    for row in rows:
        sources = sa.select(articles.c.source).where(articles.c.story == row.story).distinct()
        names = tuple(sorted(connection.execute(sources).scalars()))
        latest_value = row.latest
        if isinstance(latest_value, str):  # max() over a typed column comes back untyped in SQLite
            latest_value = datetime.fromisoformat(latest_value).replace(tzinfo=UTC)
        found.append((row.story, int(row.size), latest_value, names))
    return found
