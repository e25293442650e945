"""Tables, in SQLAlchemy Core so the same schema serves SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC in Python; naive UTC in SQLite (which has no zones), timestamptz in PG."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(sa.DateTime(timezone=dialect.name != "sqlite"))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: give it a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


meta = sa.Table(
    "newsmill_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("config_url", sa.Text, nullable=False, default=""),
    sa.Column("url", sa.Text, nullable=False, default=""),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body_hash", sa.String(40)),
    sa.Column("status", sa.String(16), nullable=False, default="new"),
    sa.Column("error_count", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("last_fetched", UTCDateTime),
    sa.Column("next_fetch", UTCDateTime),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("guid", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False, default=""),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("content_html", sa.Text, nullable=False, default=""),
    sa.Column("content_text", sa.Text, nullable=False, default=""),
    sa.Column("thumbnail", sa.Text),
    sa.Column("categories", sa.JSON, nullable=False, default=list),
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("enclosures", sa.JSON, nullable=False, default=list),
    sa.Column("keywords", sa.JSON, nullable=False, default=list),
    sa.Column("story", sa.String(40)),
    sa.Column("stocks", sa.JSON, nullable=False, default=list),  # [{"code": "000516.SZ", "name": …}]
    sa.Column("feed_tags", sa.JSON, nullable=False, default=list),  # the feed's own; `tags` adds keywords
    sa.Column("content_hash", sa.String(40), nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Index("ix_articles_published", "published"),
    sa.Index("ix_articles_source_published", "source", "published"),
    sa.Index("ix_articles_story", "story"),
)

# --- enrichment (schema version 2) -------------------------------------------------------------

# One row per indexed article. `docid` is the article's rowid in the full-text index and in the
# story band table: an INTEGER PRIMARY KEY, so VACUUM never renumbers it (the articles table's
# own implicit rowid it may). `minhash` is the article's story signature and `bands` the band
# keys written for it to `story_bands` (signed 64-bit values, packed).
article_index = sa.Table(
    "article_index",
    metadata,
    sa.Column("docid", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(40), nullable=False, unique=True),
    sa.Column("minhash", sa.LargeBinary, nullable=False, default=b""),
    sa.Column("bands", sa.LargeBinary, nullable=False, default=b""),
)

# LSH band keys of story signatures: a new article finds its candidates through this index.
# Keyed by (band, docid) only: an article rewritten deletes its old keys, read from its
# `article_index.bands`, by this key (an index on docid cost 20 more entries an article).
story_bands = sa.Table(
    "story_bands",
    metadata,
    sa.Column("band", sa.BigInteger, primary_key=True),
    sa.Column("docid", sa.Integer, primary_key=True),
    sqlite_with_rowid=False,  # the key is the table: one B-tree fewer to write per band
)

# Which articles mention which listed company, for `newsmill articles --stock 688317`.
article_stocks = sa.Table(
    "article_stocks",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("article_id", sa.String(40), primary_key=True),
    sa.Index("ix_article_stocks_article", "article_id"),
)

# The stock-name dictionary: names learned from stock links (origin "link").
stock_names = sa.Table(
    "stock_names",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("origin", sa.String(8), nullable=False, default="link"),
)

# The full-text index: SQLite FTS5 over pre-segmented text (see newsmill.enrich.segment), its
# rowid the article's docid. PostgreSQL has no FTS5: see PG_SEARCH_INDEX below.
SEARCH_INDEX = "search_index"
SEARCH_INDEX_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_INDEX} USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)
_create_search_index = sa.DDL(SEARCH_INDEX_DDL)  # type: ignore[no-untyped-call]
sa.event.listen(article_index, "after_create", _create_search_index.execute_if(dialect="sqlite"))

# PostgreSQL's full-text index (newsmill.store.pg_search): the same index text as a tsvector
# per docid, under a GIN index.
PG_SEARCH_INDEX = "pg_search_index"
PG_SEARCH_INDEX_DDL = (
    f"CREATE TABLE IF NOT EXISTS {PG_SEARCH_INDEX} (docid INTEGER PRIMARY KEY, document TSVECTOR NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{PG_SEARCH_INDEX} ON {PG_SEARCH_INDEX} USING GIN (document)",
)
for _statement in PG_SEARCH_INDEX_DDL:
    _ddl = sa.DDL(_statement)  # type: ignore[no-untyped-call]
    sa.event.listen(article_index, "after_create", _ddl.execute_if(dialect="postgresql"))
