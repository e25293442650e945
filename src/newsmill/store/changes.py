"""The change log: which articles changed since a given moment, so a build reads only those.

Database triggers keep it, not the write paths: every insert, every update of something a
page shows and every delete gives the article a new revision, whoever wrote it (a fetch,
`enrich --all`, an import, a hand-made SQL fix). A publisher remembers the highest revision
it has seen and asks for what came after (`changes_since`); a deleted article keeps its row
here, so its pages can be removed.

Revisions are handed out in commit order: SQLite has one writer at a time, and on PostgreSQL
the counter is one row that each writing transaction locks until it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

import sqlalchemy as sa

from newsmill.models import ArticleHead, Enclosure
from newsmill.store.enrichment import stock_mentions
from newsmill.store.schema import articles, meta, metadata

article_changes = sa.Table(
    "article_changes",
    metadata,
    sa.Column("article_id", sa.String(40), primary_key=True),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Index("ix_article_changes_revision", "revision"),
)

# What a page shows of an article: a change to any of these is a change (last_seen is not).
WATCHED = (
    "source", "url", "title", "author", "published", "updated", "summary", "content_html",
    "content_text", "thumbnail", "categories", "tags", "enclosures", "keywords", "story", "stocks",
    "content_hash",
)  # fmt: skip

_SQLITE_RECORD = (
    "INSERT OR REPLACE INTO article_changes (article_id, revision) "
    "VALUES ({row}.id, (SELECT coalesce(max(revision), 0) + 1 FROM article_changes));"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS article_changed_insert AFTER INSERT ON articles "
    f"BEGIN {_SQLITE_RECORD.format(row='NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS article_changed_update AFTER UPDATE ON articles "
    f"WHEN {' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in WATCHED)} "
    f"BEGIN {_SQLITE_RECORD.format(row='NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS article_changed_delete AFTER DELETE ON articles "
    f"BEGIN {_SQLITE_RECORD.format(row='OLD')} END",
)

# PostgreSQL's json type has no equality operator: compare every column as text.
_PG_DIFFERS = " OR ".join(f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" for c in WATCHED)
POSTGRESQL_TRIGGERS = (
    f"INSERT INTO {meta.name} (key, value) VALUES ('article_revision', '0') ON CONFLICT DO NOTHING",
    """CREATE OR REPLACE FUNCTION newsmill_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed_id text;
        next_revision bigint;
    BEGIN
        IF TG_OP = 'DELETE' THEN changed_id := OLD.id; ELSE changed_id := NEW.id; END IF;
        UPDATE newsmill_meta SET value = (value::bigint + 1)::text WHERE key = 'article_revision'
            RETURNING value::bigint INTO next_revision;
        INSERT INTO article_changes (article_id, revision) VALUES (changed_id, next_revision)
            ON CONFLICT (article_id) DO UPDATE SET revision = EXCLUDED.revision;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS article_changed_insert ON articles",
    "CREATE TRIGGER article_changed_insert AFTER INSERT OR DELETE ON articles "
    "FOR EACH ROW EXECUTE FUNCTION newsmill_article_changed()",
    "DROP TRIGGER IF EXISTS article_changed_update ON articles",
    f"CREATE TRIGGER article_changed_update AFTER UPDATE ON articles FOR EACH ROW WHEN ({_PG_DIFFERS}) "
    "EXECUTE FUNCTION newsmill_article_changed()",
)


def install_triggers(connection: sa.Connection) -> None:
    statements = POSTGRESQL_TRIGGERS if connection.dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        connection.exec_driver_sql(statement)


def _after_create(target: sa.MetaData, connection: sa.Connection, **kw: object) -> None:
    """After the tables (of a new database, or of the migration below): `articles` exists."""
    tables = kw.get("tables")
    if isinstance(tables, list) and article_changes in tables:
        install_triggers(connection)
        store_identity(connection, create=True)


sa.event.listen(metadata, "after_create", _after_create)


def create_change_log(connection: sa.Connection) -> None:
    """Migration: the table and triggers, every stored article at revision 1 (a build made
    before has no revision, so it reads everything once)."""
    metadata.create_all(connection, tables=[article_changes], checkfirst=True)
    every = sa.select(articles.c.id, sa.literal(1))
    connection.execute(sa.insert(article_changes).from_select(["article_id", "revision"], every))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"UPDATE {meta.name} SET value = '1' WHERE key = 'article_revision'")


def store_identity(connection: sa.Connection, *, create: bool = False) -> str | None:
    """A random id this database keeps for life, made with its change log: a build made from
    another store (the config now names a different database) must not trust its revisions."""
    query = sa.select(meta.c.value).where(meta.c.key == "store_id")
    found = connection.execute(query).scalar()
    if found is None and create:
        found = uuid.uuid4().hex
        connection.execute(sa.insert(meta).values(key="store_id", value=found))
    return None if found is None else str(found)


def current_revision(connection: sa.Connection) -> int:
    latest = sa.func.coalesce(sa.func.max(article_changes.c.revision), 0)
    return int(connection.execute(sa.select(latest)).scalar_one())


def changed_since(connection: sa.Connection, revision: int) -> list[str]:
    """Ids of the articles inserted, changed or deleted after `revision`."""
    query = sa.select(article_changes.c.article_id).where(article_changes.c.revision > revision)
    return list(connection.execute(query).scalars())


HEAD_COLUMNS = tuple(field.name for field in dataclass_fields(ArticleHead))


def head_query() -> sa.Select[Any]:
    """Heads newest first (the order of every list a site shows)."""
    columns = [articles.c[name] for name in HEAD_COLUMNS]
    return sa.select(*columns).order_by(articles.c.published.desc(), articles.c.id)


def head_from_row(row: Mapping[Any, Any]) -> ArticleHead:
    values = dict(row)
    values["categories"] = tuple(values["categories"] or ())
    values["tags"] = tuple(values["tags"] or ())
    values["keywords"] = tuple(values["keywords"] or ())
    values["stocks"] = stock_mentions(values["stocks"])
    values["enclosures"] = tuple(Enclosure(**item) for item in values["enclosures"] or ())
    return ArticleHead(**values)
