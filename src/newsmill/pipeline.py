"""The one orchestrator: fetch → parse → clean → store for each source, outcome recorded.

The fetch stage runs every due source concurrently; each source's bytes are parsed, cleaned and
stored as soon as they arrive, in one transaction per source, so a crash or a broken feed never
leaves half a source behind and never stops the others.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from newsmill.clean import clean_feed
from newsmill.config import Config
from newsmill.errors import SourceError
from newsmill.fetch import fetch_many
from newsmill.fetch.schedule import next_fetch_time
from newsmill.models import (
    FetchRequest,
    FetchResult,
    Source,
    SourceOutcome,
    SourceState,
    SourceStatus,
)
from newsmill.parse import parse_feed
from newsmill.store import Store

OutcomeCallback = Callable[[SourceOutcome], None]


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_state(source: Source, stored: SourceState | None) -> SourceState:
    """The state to fetch with. A URL changed in the config starts the source afresh."""
    if stored is None:
        return SourceState(name=source.name, config_url=source.url, url=source.url)
    if stored.config_url != source.url:
        return SourceState(name=source.name, config_url=source.url, url=source.url)
    return replace(stored, url=stored.url or source.url)


def is_due(source: Source, state: SourceState, now: datetime) -> bool:
    """Enabled, not gone, and its next fetch time has come (or it was never fetched)."""
    if not source.enabled or state.status is SourceStatus.GONE:
        return False
    return state.next_fetch is None or state.next_fetch <= now


def plan_fetch(
    config: Config,
    states: dict[str, SourceState],
    now: datetime,
    names: Sequence[str] = (),
) -> list[tuple[Source, SourceState]]:
    """The sources to fetch: the named ones (due or not), else every due source."""
    chosen = [config.source(name) for name in names] if names else list(config.sources)
    planned = []
    for source in chosen:
        state = current_state(source, states.get(source.name))
        if names or is_due(source, state, now):
            planned.append((source, state))
    return planned


async def fetch_sources(
    config: Config,
    store: Store,
    planned: Iterable[tuple[Source, SourceState]],
    *,
    on_outcome: OutcomeCallback | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[SourceOutcome]:
    """Fetch the planned sources concurrently and store each as it arrives."""
    planned = list(planned)
    states = {source.name: state for source, state in planned}
    requests = [
        FetchRequest(source=source, url=state.url, etag=state.etag, last_modified=state.last_modified)
        for source, state in planned
    ]
    outcomes = []
    loop = asyncio.get_running_loop()
    # Parsing, cleaning and storing run in one worker thread, one source at a time (the store
    # has one writer), so the event loop keeps every other download and its timers moving.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmill-process") as worker:
        async for request, result in fetch_many(requests, config.fetch):
            state = states[request.source.name]
            outcome = await loop.run_in_executor(
                worker, process_source, config, store, request.source, state, result, clock()
            )
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def process_source(
    config: Config,
    store: Store,
    source: Source,
    state: SourceState,
    result: FetchResult | SourceError,
    now: datetime,
) -> SourceOutcome:
    """Parse, clean and store one fetched source; record any failure on the source."""
    if isinstance(result, SourceError):
        return _record_failure(config, store, source, state, result, now)
    state = _after_fetch(state, result, now)
    digest = hashlib.sha1(result.body).hexdigest()
    if result.not_modified or digest == state.body_hash:
        return _record_unchanged(store, source, state, now)
    try:
        feed = parse_feed(
            result.body,
            source=source.name,
            content_type=result.content_type,
            encoding=source.encoding,
            timezone=source.timezone,
            now=now,
        )
    except SourceError as error:
        return _record_failure(config, store, source, state, error, now)
    drafts = clean_feed(feed, source=source)
    state = replace(_healthy(state, source, SourceStatus.OK, now), body_hash=digest)
    counts = store.save_articles(state, drafts, now)
    return SourceOutcome(source.name, SourceStatus.OK, counts, len(feed.entries), next_fetch=state.next_fetch)


def _after_fetch(state: SourceState, result: FetchResult, now: datetime) -> SourceState:
    """Cache headers and a permanent redirect's new URL, kept whatever the body turns out to be."""
    return replace(
        state,
        url=result.permanent_url or state.url,
        etag=result.etag if result.etag is not None else state.etag,
        last_modified=result.last_modified if result.last_modified is not None else state.last_modified,
        last_fetched=now,
    )


def _record_unchanged(store: Store, source: Source, state: SourceState, now: datetime) -> SourceOutcome:
    state = _healthy(state, source, SourceStatus.NOT_MODIFIED, now)
    store.save_state(state)
    return SourceOutcome(source.name, SourceStatus.NOT_MODIFIED, next_fetch=state.next_fetch)


def _healthy(state: SourceState, source: Source, status: SourceStatus, now: datetime) -> SourceState:
    """A fetch that worked clears the error record; the source is due again after its interval."""
    next_fetch = next_fetch_time(
        now=now, interval=source.interval, error_count=0, retry_after=None, max_backoff=source.interval
    )
    return replace(state, status=status, error_count=0, last_error=None, next_fetch=next_fetch)


def _record_failure(
    config: Config,
    store: Store,
    source: Source,
    state: SourceState,
    error: SourceError,
    now: datetime,
) -> SourceOutcome:
    errors = state.error_count + 1
    status = SourceStatus.GONE if error.gone else SourceStatus.ERROR
    next_fetch = next_fetch_time(
        now=now,
        interval=source.interval,
        error_count=errors,
        retry_after=error.retry_after,
        max_backoff=config.fetch.max_backoff,
    )
    state = replace(
        state,
        status=status,
        error_count=errors,
        last_error=error.message,
        last_fetched=now,
        next_fetch=next_fetch,
    )
    store.save_state(state)
    return SourceOutcome(source.name, status, error=error.message, next_fetch=next_fetch)
