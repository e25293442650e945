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
from newsmill.store.schema import (
    PG_SEARCH_INDEX_DDL,
    article_index,
    article_stocks,
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


# STEPS[n] upgrades a database at version n+1 to version n+2. Version 1 is the first schema.
STEPS: list[Step] = [_enrichment_tables, _postgresql_search_index, _change_log]
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
