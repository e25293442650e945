"""Schema versions. A new database gets the current schema at once; an older one is migrated.

Hand-written rather than Alembic: newsmill is an embedded app whose database the user never
manages, so migrations must run by themselves on open, in one transaction, with no extra tool.
To change the schema: change `schema.py`, bump nothing there, and append a step here.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from newsmill.errors import StorageError
from newsmill.store.changes import create_change_log
from newsmill.store.enrichment import pack_ints, write_documents
from newsmill.store.schema import (
    PG_SEARCH_INDEX,
    PG_SEARCH_INDEX_DDL,
    SEARCH_INDEX,
    SEARCH_INDEX_DDL,
    article_index,
    article_stocks,
    articles,
    meta,
    metadata,
    stock_names,
    story_bands,
)

Step = Callable[[sa.Connection], None]


def _enrichment_tables(connection: sa.Connection) -> None:
    """Version 2: stock mentions and the feed's own tags on articles; the full-text index,
    story band keys, article-stock rows and the stock-name dictionary. Articles stored before
    get enriched and indexed by `newsmill enrich`."""
    for column in ("stocks", "feed_tags"):
        connection.execute(sa.text(f"ALTER TABLE articles ADD COLUMN {column} JSON NOT NULL DEFAULT '[]'"))
    connection.execute(sa.text("UPDATE articles SET feed_tags = tags"))
    connection.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_articles_story ON articles (story)"))
    tables = [article_index, story_bands, article_stocks, stock_names]
    metadata.create_all(connection, tables=tables, checkfirst=True)


def _postgresql_search_index(connection: sa.Connection) -> None:
    """Version 3: PostgreSQL gets a full-text index of its own (it scanned with ILIKE before);
    `newsmill reindex` fills it with the articles stored before. Nothing changes on SQLite."""
    if connection.dialect.name == "postgresql":
        for statement in PG_SEARCH_INDEX_DDL:
            connection.execute(sa.text(statement))


def _change_log(connection: sa.Connection) -> None:
    """Version 4: the article change log (and its triggers) a site build reads instead of
    every article."""
    create_change_log(connection)


REINDEX_BATCH = 500


def _bigram_index(connection: sa.Connection) -> None:
    """Version 5: the full-text index holds each Chinese run's bigrams and last character, no
    longer the segmenter's words too (a third fewer tokens to write; see
    `newsmill.enrich.segment`). Every indexed article is indexed again from its stored title and
    text, here, so that no article is ever missing from search."""
    # The enrich stage defines the index text; the store imports it for this step only.
    from newsmill.enrich.segment import index_text

    if connection.dialect.name == "sqlite":  # a new table: cheaper than deleting row by row
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SEARCH_INDEX}")
        connection.exec_driver_sql(SEARCH_INDEX_DDL)
    elif connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"DELETE FROM {PG_SEARCH_INDEX}"))
    query = (
        sa.select(article_index.c.docid, articles.c.title, articles.c.content_text)
        .join(articles, articles.c.id == article_index.c.article_id)
        .order_by(article_index.c.docid)
        .limit(REINDEX_BATCH)
    )
    last = None
    while True:
        batch = connection.execute(query if last is None else query.where(article_index.c.docid > last)).all()
        if not batch:
            return
        write_documents(
            connection, [(docid, index_text(title), index_text(text)) for docid, title, text in batch]
        )
        last = batch[-1].docid


def _bands_on_the_index_row(connection: sa.Connection) -> None:
    """Version 6: each article's story band keys are kept on its `article_index` row as well, so
    that rewriting an article deletes its old keys by `story_bands`' own key, and the index on
    `story_bands.docid` (20 entries to write for every article) goes. Filled from the band keys
    stored, article by article, through that index before it is dropped."""
    if "bands" not in {column["name"] for column in sa.inspect(connection).get_columns(article_index.name)}:
        kind, empty = ("BLOB", "x''") if connection.dialect.name == "sqlite" else ("BYTEA", "''::bytea")
        connection.execute(
            sa.text(f"ALTER TABLE {article_index.name} ADD COLUMN bands {kind} NOT NULL DEFAULT {empty}")
        )
    page = sa.select(article_index.c.docid).order_by(article_index.c.docid).limit(REINDEX_BATCH)
    update = sa.update(article_index).where(article_index.c.docid == sa.bindparam("_docid"))
    update = update.values(bands=sa.bindparam("bands"))
    last = None
    while docids := list(
        connection.execute(page if last is None else page.where(article_index.c.docid > last)).scalars()
    ):
        keys: dict[int, list[int]] = {docid: [] for docid in docids}
        rows = sa.select(story_bands.c.docid, story_bands.c.band).where(
            story_bands.c.docid.between(docids[0], docids[-1])
        )
        for docid, band in connection.execute(rows):
            if docid in keys:  # (a key of no indexed article would have no row to go on)
                keys[docid].append(band)
        connection.execute(
            update, [{"_docid": docid, "bands": pack_ints(bands)} for docid, bands in keys.items()]
        )
        last = docids[-1]
    connection.execute(sa.text("DROP INDEX IF EXISTS ix_story_bands_docid"))


# STEPS[n] upgrades a database at version n+1 to version n+2. Version 1 is the first schema.
STEPS: list[Step] = [
    _enrichment_tables,
    _postgresql_search_index,
    _change_log,
    _bigram_index,
    _bands_on_the_index_row,
]
CURRENT_VERSION = 1 + len(STEPS)


def migrate(connection: sa.Connection) -> int:
    """Bring the schema up to date; returns the version found before migrating (0 if new)."""
    inspector = sa.inspect(connection)
    if not inspector.has_table(meta.name):
        if inspector.has_table("articles"):
            raise StorageError("database has newsmill tables but no schema version; refusing to touch it")
        metadata.create_all(connection)
        _set_version(connection, CURRENT_VERSION)
        return 0
    found = _version(connection)
    if found > CURRENT_VERSION:
        raise StorageError(
            f"database schema version {found} is newer than this newsmill knows ({CURRENT_VERSION}); "
            "upgrade newsmill"
        )
    for step in STEPS[found - 1 :]:
        step(connection)
    if found != CURRENT_VERSION:
        _set_version(connection, CURRENT_VERSION)
    return found


def _version(connection: sa.Connection) -> int:
    value = connection.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value or 0)


def _set_version(connection: sa.Connection, version: int) -> None:
    connection.execute(sa.delete(meta).where(meta.c.key == "schema_version"))
    connection.execute(sa.insert(meta).values(key="schema_version", value=str(version)))
