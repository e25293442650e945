"""The SQL store: SQLite by default (one file, WAL), PostgreSQL through the same Core code."""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from newsmill.errors import StorageError
from newsmill.models import (
    Article,
    ArticleDraft,
    ArticleHead,
    Enrichment,
    SaveCounts,
    SourceState,
    SourceStatus,
)
from newsmill.store import changes
from newsmill.store.enrichment import enriched_columns, learn_names, stock_article_ids, write_enrichments
from newsmill.store.migrations import migrate
from newsmill.store.schema import UTCDateTime, article_index, articles, sources
from newsmill.store.sql_enrich import EnrichedStore, article_from_row

# Bulk statements are chunked so one huge feed never builds one gigantic SQL statement.
CHUNK = 500


class SqlStore(EnrichedStore):
    """Articles and source state in one SQL database."""

    def __init__(self, url: str, *, root: Path | None = None) -> None:
        url = _resolve_sqlite_path(url, root)
        self.url = make_url(url).render_as_string(hide_password=True)  # messages show no password
        try:
            self.engine = _engine(url)
            with self.engine.begin() as connection:
                migrate(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot open store {self.url}: {_reason(exc)}") from exc
        except ImportError as exc:  # `postgresql+psycopg://` without psycopg installed
            raise StorageError(f"cannot open store {self.url}: {_no_driver(exc.name)}") from exc
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
        if unenriched:  # no index row, or only the one `reindex` gives it (no story signature)
            enriched = sa.select(article_index.c.article_id).where(article_index.c.minhash != b"")
            query = query.where(articles.c.id.not_in(enriched))
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

    # --- what a site build reads -----------------------------------------------------------

    def article_revision(self) -> int:
        """The change log's latest revision (read it before the articles it covers)."""
        with self._read() as connection:
            return changes.current_revision(connection)

    def store_id(self) -> str:
        """A random id this database keeps for life (made with its change log)."""
        with self._read() as connection:
            found = changes.store_identity(connection)
        if found is not None:
            return found
        with self._write() as connection:  # a database some other tool made: once
            return changes.store_identity(connection, create=True) or ""

    def changed_since(self, revision: int) -> list[str]:
        """Ids of the articles inserted, changed or deleted after `revision`."""
        with self._read() as connection:
            return changes.changed_since(connection, revision)

    def iter_article_heads(self, *, batch: int = CHUNK) -> Iterator[ArticleHead]:
        """Every article without its body, newest first, streamed."""
        with self._read() as connection:
            result = connection.execution_options(yield_per=batch).execute(changes.head_query())
            for row in result.mappings():
                yield changes.head_from_row(row)

    def article_heads(self, ids: Collection[str]) -> list[ArticleHead]:
        """The heads of these articles (those still stored), newest first."""
        found: list[ArticleHead] = []
        wanted = list(ids)
        with self._read() as connection:
            for start in range(0, len(wanted), CHUNK):
                query = changes.head_query().where(articles.c.id.in_(wanted[start : start + CHUNK]))
                found += [changes.head_from_row(row) for row in connection.execute(query).mappings()]
        return found

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]:
        """These articles (those still stored), by id."""
        found: dict[str, Article] = {}
        wanted = list(ids)
        with self._read() as connection:
            for start in range(0, len(wanted), CHUNK):
                query = sa.select(articles).where(articles.c.id.in_(wanted[start : start + CHUNK]))
                for row in connection.execute(query).mappings():
                    found[row["id"]] = _article(row)
        return found

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
        server = _postgres_driver(make_url(url))
        # psycopg 3 prepares a statement run 5 times, and PostgreSQL may then plan it once for
        # any parameters: the story lookup's generic plan walks the whole time window (5 s a
        # lookup at 10,000 articles). Plan each execution, as with psycopg2.
        options = {"prepare_threshold": None} if server.get_driver_name() == "psycopg" else {}
        return sa.create_engine(
            server, pool_pre_ping=True, connect_args=options, json_deserializer=orjson.loads
        )
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # JSON columns (categories, tags, keywords, …: a dozen per article) read with orjson: a
    # build that streams the archive decodes over a hundred thousand of them per 10,000 articles.
    engine = sa.create_engine(url, connect_args={"timeout": 30}, json_deserializer=orjson.loads)

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


def _postgres_driver(url: sa.URL) -> sa.URL:
    """A plain `postgresql://` means psycopg2 to SQLAlchemy; without it, psycopg (3) will do."""
    if url.drivername != "postgresql" or importlib.util.find_spec("psycopg2"):
        return url
    if importlib.util.find_spec("psycopg"):
        return url.set(drivername="postgresql+psycopg")
    raise ImportError("no PostgreSQL driver", name="psycopg")


def _no_driver(module: str | None) -> str:
    if module and module.startswith("psycopg"):
        return "no PostgreSQL driver is installed: pip install 'newsmill[postgres]'"
    return f"its database driver ({module}) is not installed"


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
    _insert_articles(connection, inserts)
    if updates:
        statement = sa.update(articles).where(articles.c.id == sa.bindparam("_id"))
        statement = statement.values({key: sa.bindparam(key) for key in updates[0] if key != "id"})
        for chunk in _chunks(updates):
            connection.execute(statement, [{**row, "_id": row["id"]} for row in chunk])
    if unchanged and connection.dialect.name == "sqlite":
        sql = "UPDATE articles SET last_seen = ? WHERE id IN (SELECT value FROM json_each(?))"
        connection.exec_driver_sql(sql, (sqlite_datetime(now), json.dumps(unchanged)))
    elif unchanged:
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
    """(content hash, published, first seen) of each of these articles that is stored."""
    found: dict[str, tuple[str, datetime, datetime]] = {}
    if connection.dialect.name == "sqlite":  # the ids as one JSON parameter: no statement to render
        sql = (
            "SELECT id, content_hash, published, first_seen FROM articles "
            "WHERE id IN (SELECT value FROM json_each(?))"
        )
        for article_id, content_hash, published, first_seen in connection.exec_driver_sql(
            sql, (json.dumps(ids),)
        ):
            found[article_id] = (
                content_hash,
                _sqlite_datetime_in(published),
                _sqlite_datetime_in(first_seen),
            )
        return found
    columns = (articles.c.id, articles.c.content_hash, articles.c.published, articles.c.first_seen)
    for chunk in _chunks(ids):
        for row in connection.execute(sa.select(*columns).where(articles.c.id.in_(chunk))):
            found[row.id] = (row.content_hash, row.published, row.first_seen)
    return found


def _sqlite_datetime_in(value: str) -> datetime:
    """A `UTCDateTime` as SQLite stores it (naive UTC text), back as an aware datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _insert_articles(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name != "sqlite":
        for chunk in _chunks(rows):
            connection.execute(sa.insert(articles), chunk)
        return
    # SQLite: the values go to the driver as they are stored, serialised here once. The
    # typed columns' bind processing (JSON, UTC datetimes) cost ~60 µs an article.
    cache: dict[Any, str] = {}
    values = [_sqlite_values(row, cache) for row in rows]
    for chunk in _chunks(values):
        connection.exec_driver_sql(_SQLITE_INSERT, list(chunk))


def _sqlite_values(row: dict[str, Any], cache: dict[Any, str]) -> tuple[Any, ...]:
    """A row's values, in `_SQLITE_COLUMNS` order, as `articles`' SQLAlchemy types store them
    in SQLite. `cache` keeps what the rows of one save share (their categories, tags and times)."""
    values = [row.get(name, default) for name, _, default in _SQLITE_COLUMNS]
    for index in _SQLITE_JSON:
        value = values[index]
        if not value:
            values[index] = "[]" if isinstance(value, list) else json.dumps(value)
        elif isinstance(value[0], str):  # categories and tags: the same few lists again and again
            key = tuple(value)
            cached = cache.get(key)
            if cached is None:
                cached = cache[key] = json.dumps(value)
            values[index] = cached
        else:
            values[index] = json.dumps(value)
    for index in _SQLITE_DATETIMES:
        value = values[index]
        if value is not None:
            cached = cache.get(value)
            if cached is None:
                cached = cache[value] = sqlite_datetime(value)
            values[index] = cached
    return tuple(values)


def sqlite_datetime(value: datetime) -> str:
    """A timezone-aware datetime as `UTCDateTime` stores it in SQLite (naive UTC, SQLAlchemy's
    text format: `2024-01-01 00:00:00.000000`)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be stored: give it a timezone")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_columns() -> tuple[tuple[str, str, Any], ...]:
    """(name, kind, default) of every `articles` column, kind "json", "datetime" or ""."""
    columns = []
    for column in articles.c:
        kind = "json" if isinstance(column.type, sa.JSON) else ""
        kind = "datetime" if isinstance(column.type, UTCDateTime) else kind
        default = getattr(column.default, "arg", None)
        if column.default is not None and column.default.is_callable:
            default = []  # `default=list`, the only callable default
        columns.append((column.name, kind, default))
    return tuple(columns)


_SQLITE_COLUMNS = _sqlite_columns()
_SQLITE_JSON = tuple(index for index, (_, kind, _) in enumerate(_SQLITE_COLUMNS) if kind == "json")
_SQLITE_DATETIMES = tuple(index for index, (_, kind, _) in enumerate(_SQLITE_COLUMNS) if kind == "datetime")
_SQLITE_INSERT = (
    f"INSERT INTO {articles.name} ({', '.join(name for name, _, _ in _SQLITE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _SQLITE_COLUMNS)})"
)
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
        enclosures=[{"url": item.url, "type": item.type, "length": item.length} for item in draft.enclosures],
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
    statement = _upsert_state_statement(connection.dialect.name)
    # A shallow copy: `asdict` deep-copies, and cost more than the statement.
    rows = [{name: getattr(state, name) for name in _STATE_FIELDS} for state in states]
    for row in rows:
        row["status"] = str(row["status"])
    for chunk in _chunks(rows):
        connection.execute(statement, chunk)


_STATE_FIELDS = tuple(field.name for field in fields(SourceState))


@functools.cache
def _upsert_state_statement(dialect: str) -> sa.Insert:
    """Built once per dialect: SQLAlchemy then reuses its compiled form."""
    if dialect != "sqlite":  # (SQLAlchemy's PostgreSQL dialect loads in 50 ms: SQLite never needs it)
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        upsert = postgresql_insert(sources)
        return upsert.on_conflict_do_update(index_elements=[sources.c.name], set_=_excluded(upsert))
    statement = sqlite_insert(sources)
    return statement.on_conflict_do_update(index_elements=[sources.c.name], set_=_excluded(statement))


def _excluded(statement: Any) -> dict[str, Any]:
    """On conflict, every column but the name takes the value that was to be inserted."""
    return {column.name: statement.excluded[column.name] for column in sources.c if column.name != "name"}


def _state(row: sa.RowMapping) -> SourceState:
    values = dict(row)
    try:
        values["status"] = SourceStatus(values["status"])
    except ValueError:
        values["status"] = SourceStatus.NEW
    return SourceState(**values)


def _article(row: sa.RowMapping) -> Article:
    return article_from_row(row)
