"""The SQL store: SQLite by default (one file, WAL), PostgreSQL through the same Core code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from newsmill.errors import StorageError
from newsmill.models import (
    Article,
    ArticleDraft,
    Enrichment,
    SaveCounts,
    SourceState,
    SourceStatus,
)
from newsmill.store.enrichment import enriched_columns, learn_names, stock_article_ids, write_enrichments
from newsmill.store.migrations import migrate
from newsmill.store.schema import article_index, articles, sources
from newsmill.store.sql_enrich import EnrichedStore, article_from_row

# Bulk statements are chunked so one huge feed never builds one gigantic SQL statement.
CHUNK = 500


class SqlStore(EnrichedStore):
    """Articles and source state in one SQL database."""

    def __init__(self, url: str, *, root: Path | None = None) -> None:
        self.url = _resolve_sqlite_path(url, root)
        try:
            self.engine = _engine(self.url)
            with self.engine.begin() as connection:
                migrate(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot open store {self.url}: {_reason(exc)}") from exc
        except OSError as exc:  # its folder cannot be made (a file is in the way, no permission)
            where = f" {exc.filename}" if exc.filename else ""
            raise StorageError(f"cannot open store {self.url}: cannot create{where}: {exc.strerror}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # --- sources -------------------------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        with self._read() as connection:
            rows = connection.execute(sa.select(sources)).mappings()
            return {row["name"]: _state(row) for row in rows}

    def save_state(self, state: SourceState) -> None:
        with self._write() as connection:
            _upsert_state(connection, state)

    def save_states(self, states: Sequence[SourceState]) -> None:
        """Several sources' states in one transaction (a run's 304s and failures)."""
        with self._write() as connection:
            _upsert_states(connection, states)

    def save_articles(
        self,
        state: SourceState,
        drafts: Sequence[ArticleDraft],
        now: datetime,
        enrichments: Mapping[str, Enrichment] | None = None,
    ) -> SaveCounts:
        """Store one source's fetch (its articles and its new state) in one transaction; with
        `enrichments` (by article id) their search index rows, stocks and stories too."""
        with self._write() as connection:
            counts = _save_drafts(connection, drafts, now, enrichments or {})
            _upsert_state(connection, state)
        return counts

    # --- articles ------------------------------------------------------------------------

    def articles(
        self,
        *,
        source: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        stock: str | None = None,
    ) -> list[Article]:
        """Stored articles, newest first; `stock` (a normalised code) keeps those mentioning it."""
        query = sa.select(articles).order_by(articles.c.published.desc(), articles.c.id)
        if source is not None:
            query = query.where(articles.c.source == source)
        if stock is not None:
            query = query.where(articles.c.id.in_(stock_article_ids(stock)))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self._read() as connection:
            return [_article(row) for row in connection.execute(query).mappings()]

    def iter_articles(
        self,
        *,
        source: str | None = None,
        batch: int = CHUNK,
        oldest_first: bool = False,
        unenriched: bool = False,
    ) -> Iterator[Article]:
        """Every stored article, newest first, streamed in batches so a publisher never holds
        the whole archive in memory. `oldest_first` for re-enriching in publication order;
        `unenriched`: only articles the enrich stage has not seen (stored before it existed)."""
        published = articles.c.published.asc() if oldest_first else articles.c.published.desc()
        query = sa.select(articles).order_by(published, articles.c.id)
        if source is not None:
            query = query.where(articles.c.source == source)
        if unenriched:
            query = query.where(articles.c.id.not_in(sa.select(article_index.c.article_id)))
        with self._read() as connection:
            result = connection.execution_options(yield_per=batch).execute(query).mappings()
            for row in result:
                yield _article(row)

    def article(self, article_id: str) -> Article | None:
        with self._read() as connection:
            row = (
                connection.execute(sa.select(articles).where(articles.c.id == article_id)).mappings().first()
            )
            return _article(row) if row else None

    def count_articles(self, *, source: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(articles)
        if source is not None:
            query = query.where(articles.c.source == source)
        with self._read() as connection:
            return int(connection.execute(query).scalar_one())

    def counts_by_source(self) -> dict[str, int]:
        query = sa.select(articles.c.source, sa.func.count()).group_by(articles.c.source)
        with self._read() as connection:
            return {name: int(count) for name, count in connection.execute(query)}

    # --- plumbing ------------------------------------------------------------------------

    def _read(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot read store {self.url}: {_reason(exc)}") from exc

    def _write(self) -> _Transaction:
        return _Transaction(self.engine, self.url)


class _Transaction:
    """`engine.begin()` that reports database failures as StorageError (and rolls back)."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine, self.url = engine, url

    def __enter__(self) -> sa.Connection:
        try:
            self.context = self.engine.begin()
            return self.context.__enter__()
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot write store {self.url}: {_reason(exc)}") from exc

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        try:
            self.context.__exit__(kind, value, traceback)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot write store {self.url}: {_reason(exc)}") from exc
        if isinstance(value, sa.exc.SQLAlchemyError):
            raise StorageError(f"cannot write store {self.url}: {_reason(value)}") from value


def _engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers (the web app, `articles`) work while a fetch writes; NORMAL sync is
        # safe with WAL (a crash can lose the last transaction, never corrupt the file).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _resolve_sqlite_path(url: str, root: Path | None) -> str:
    """`sqlite:///newsmill.db` is relative to the config's folder, not to the shell's."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StorageError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    path = Path(parsed.database)
    if not path.is_absolute() and root is not None:
        path = root / path
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return str(original or exc).splitlines()[0]


def _save_drafts(
    connection: sa.Connection,
    drafts: Sequence[ArticleDraft],
    now: datetime,
    enrichments: Mapping[str, Enrichment] | None = None,
) -> SaveCounts:
    existing = _existing(connection, [draft.id for draft in drafts])
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged: list[str] = []
    for draft in drafts:
        found = existing.get(draft.id)
        if found is None:
            inserts.append(_row(draft, published=draft.published or now, first_seen=now, now=now))
        elif found[0] == draft.content_hash:
            unchanged.append(draft.id)
        else:
            updates.append(_row(draft, published=draft.published or found[1], first_seen=found[2], now=now))
    written = _add_enrichments(inserts, updates, enrichments or {})
    for chunk in _chunks(inserts):
        connection.execute(sa.insert(articles), chunk)
    if updates:
        statement = sa.update(articles).where(articles.c.id == sa.bindparam("_id"))
        statement = statement.values({key: sa.bindparam(key) for key in updates[0] if key != "id"})
        for chunk in _chunks(updates):
            connection.execute(statement, [{**row, "_id": row["id"]} for row in chunk])
    for ids in _chunks(unchanged):
        connection.execute(sa.update(articles).where(articles.c.id.in_(ids)).values(last_seen=now))
    write_enrichments(connection, written)
    learn_names(connection, [m for e in (enrichments or {}).values() for m in e.learned])
    return SaveCounts(new=len(inserts), updated=len(updates), unchanged=len(unchanged))


def _add_enrichments(
    inserts: list[dict[str, Any]], updates: list[dict[str, Any]], enrichments: Mapping[str, Enrichment]
) -> list[tuple[str, Enrichment]]:
    """Put each enrichment's columns into its article's row; the (id, enrichment) written."""
    if not enrichments:
        return []
    written = []
    for row in (*inserts, *updates):
        enrichment = enrichments.get(row["id"])
        if enrichment is None:
            row.update(keywords=[], stocks=[], story=None)
        else:
            row.update(enriched_columns(enrichment))
            written.append((row["id"], enrichment))
    return written


def _existing(connection: sa.Connection, ids: list[str]) -> dict[str, tuple[str, datetime, datetime]]:
    found: dict[str, tuple[str, datetime, datetime]] = {}
    columns = (articles.c.id, articles.c.content_hash, articles.c.published, articles.c.first_seen)
    for chunk in _chunks(ids):
        for row in connection.execute(sa.select(*columns).where(articles.c.id.in_(chunk))):
            found[row.id] = (row.content_hash, row.published, row.first_seen)
    return found


_DRAFT_FIELDS = tuple(field.name for field in fields(ArticleDraft))


def _row(draft: ArticleDraft, *, published: datetime, first_seen: datetime, now: datetime) -> dict[str, Any]:
    # A shallow copy: `asdict` deep-copies every string and took half the time of a save.
    row = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
    row.update(
        published=published,
        first_seen=first_seen,
        last_seen=now,
        categories=list(draft.categories),
        tags=list(draft.tags),
        feed_tags=list(draft.tags),
        enclosures=[
            {"url": item.url, "type": item.type, "length": item.length} for item in draft.enclosures
        ],
    )
    return row


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _upsert_state(connection: sa.Connection, state: SourceState) -> None:
    _upsert_states(connection, [state])


def _upsert_states(connection: sa.Connection, states: Sequence[SourceState]) -> None:
    """Insert or update source states with one statement (SQLite and PostgreSQL both say
    `INSERT … ON CONFLICT DO UPDATE`); a statement per state cost 0.4 ms each."""
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    statement = insert(sources)
    statement = statement.on_conflict_do_update(
        index_elements=[sources.c.name],
        set_={column.name: statement.excluded[column.name] for column in sources.c if column.name != "name"},
    )
    rows = [{**asdict(state), "status": str(state.status)} for state in states]
    for chunk in _chunks(rows):
        connection.execute(statement, chunk)


def _state(row: sa.RowMapping) -> SourceState:
    values = dict(row)
    try:
        values["status"] = SourceStatus(values["status"])
    except ValueError:
        values["status"] = SourceStatus.NEW
    return SourceState(**values)


def _article(row: sa.RowMapping) -> Article:
    return article_from_row(row)
