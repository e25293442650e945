"""The one orchestrator: fetch → parse → clean → store for each source, outcome recorded.

The fetch stage runs every due source concurrently; each source's bytes are parsed, cleaned and
stored as soon as they arrive, in one transaction per source, so a crash or a broken feed never
leaves half a source behind and never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from newsmill.config import Config
from newsmill.errors import SourceError
from newsmill.fetch.schedule import next_fetch_time
from newsmill.models import (
    ArticleDraft,
    FetchRequest,
    FetchResult,
    SaveCounts,
    Source,
    SourceOutcome,
    SourceState,
    SourceStatus,
)
from newsmill.store import Store
from newsmill.workers import WorkerLost, WorkerPool

# The stages a run may not need are imported where they are used: a run in which every feed
# answers 304 never loads the parser and cleaner (lxml, nh3) or the enrich stage (rjieba and its
# dictionary), and `sources list` (which needs `current_state`) not even aiohttp. Together they
# take a good part of a second to import.
if TYPE_CHECKING:
    from newsmill.enrich import EnrichContext, TextAnalysis
    from newsmill.prepare import Prepared

OutcomeCallback = Callable[[SourceOutcome], None]
T = TypeVar("T")

# With this many sources due, parsing and cleaning move to one worker process per core: the
# workers take a fraction of a second to start, which a run this size wins back many times.
POOL_THRESHOLD = 50
# Unchanged and failed sources' states are written in batches of this many, or this often.
STATE_BATCH = 200
STATE_FLUSH = 1.0  # seconds


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
    by_name = {source.name: source for source in config.sources}
    chosen = [by_name.get(name) or config.source(name) for name in names] if names else list(config.sources)
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
    enrich: bool = True,
) -> list[SourceOutcome]:
    """Fetch the planned sources concurrently and store each as it arrives.

    `enrich=False` stores the articles without the enrich stage (no search index rows, stocks
    or stories; `newsmill enrich` adds them later): the ingest engine alone, as benchmarks
    measure it.
    """
    from newsmill.fetch import fetch_many

    planned = list(planned)
    states = {source.name: state for source, state in planned}
    requests = [
        FetchRequest(source=source, url=state.url, etag=state.etag, last_modified=state.last_modified)
        for source, state in planned
    ]
    outcomes: list[SourceOutcome] = []

    def report(outcome: SourceOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    workers = worker_count(config, len(requests))
    async with _Processor(config, store, workers=workers, enrich=enrich) as processor:

        async def finish(source: Source, step: _Parse, now: datetime) -> None:
            report(await processor.finish(source, step, now))

        tasks: list[asyncio.Task[None]] = []
        try:
            async with contextlib.aclosing(fetch_many(requests, config.fetch)) as fetched:
                async for request, result in fetched:
                    source, now = request.source, clock()
                    step = _settle_fetch(config, source, states[source.name], result, now)
                    if isinstance(step, _Parse):
                        # Each new body settles in its own task, so parsing one never holds up
                        # taking the next. A failure or a 304 is settled here, without a task.
                        tasks.append(asyncio.create_task(finish(source, step, now)))
                    else:
                        await processor.hold(step.state)
                        report(step.outcome)
            await asyncio.gather(*tasks)
        finally:  # after a failure, no task may outlive the processor
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return outcomes


def worker_count(config: Config, sources: int) -> int:
    """Processes to parse and clean in: 0 means in the store thread (small runs, one core)."""
    if config.fetch.workers:
        return config.fetch.workers
    cores = os.cpu_count() or 1
    return cores if cores > 1 and sources >= POOL_THRESHOLD else 0


class _Processor:
    """Where fetched sources go: parse and clean in worker processes (or the store thread),
    then one store thread writes, one source per transaction.

    Unchanged and failed sources only change their state; those writes are batched into one
    transaction every STATE_BATCH sources or STATE_FLUSH seconds, so a run in which every feed
    answers 304 commits a handful of times instead of once per source. A crash loses at most
    that batch of bookkeeping, which the next run redoes: no article is ever held back.
    """

    def __init__(self, config: Config, store: Store, *, workers: int, enrich: bool = True) -> None:
        self.config, self.store, self.enrich = config, store, enrich
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmill-store")
        self._pool = WorkerPool(workers) if workers else None
        self._held: list[SourceState] = []
        self._context: EnrichContext | None = None  # loaded in the store thread on first use
        self._last_flush = time.monotonic()

    async def __aenter__(self) -> _Processor:
        if self._pool is not None:
            await self._pool.__aenter__()
        return self

    async def __aexit__(self, kind: object, value: object, traceback: object) -> None:
        try:
            if value is None:
                await self._flush()
        finally:
            self._writer.shutdown(wait=True)
            if self._pool is not None:
                await self._pool.__aexit__(kind, value, traceback)

    async def finish(self, source: Source, step: _Parse, now: datetime) -> SourceOutcome:
        """Take a source with a new body to its outcome (the steps of `process_source`)."""
        prepared = await self._prepare(source, step.result, now)
        settled = _settle_prepared(self.config, source, step, prepared, now)
        if isinstance(settled, _Done):
            await self.hold(settled.state)
            return settled.outcome
        if not self.enrich:
            counts = await self._run(self.store.save_articles, settled.state, settled.prepared.drafts, now)
            return _saved(source, settled, counts)
        analyses = await self._analyse(settled.prepared.drafts)
        counts = await self._run(self._save, settled.state, settled.prepared.drafts, now, analyses)
        return _saved(source, settled, counts)

    def _save(
        self,
        state: SourceState,
        drafts: Sequence[ArticleDraft],
        now: datetime,
        analyses: Mapping[str, TextAnalysis] | None = None,
    ) -> SaveCounts:
        """Enrich, then store (in the store thread: enriching reads what the store learned)."""
        from newsmill.enrichment import enrich_context, save_enriched

        if self._context is None:
            self._context = enrich_context(self.config, self.store)
        return save_enriched(self.store, self._context, state, drafts, now, analyses)

    async def hold(self, state: SourceState) -> None:
        """Write an unchanged or failed source's new state, in a batch."""
        self._held.append(state)
        if len(self._held) >= STATE_BATCH or time.monotonic() - self._last_flush >= STATE_FLUSH:
            await self._flush()

    async def _flush(self) -> None:
        held, self._held = self._held, []
        self._last_flush = time.monotonic()
        if held:
            await self._run(self.store.save_states, held)

    async def _prepare(self, source: Source, result: FetchResult, now: datetime) -> Prepared | SourceError:
        """Parse and clean in a worker process when there are some, else in the store thread."""
        from newsmill.prepare import prepare_or_error

        args = (source, result.body, result.content_type, now, result.url)
        if self._pool is not None:
            try:
                return await self._pool.call(prepare_or_error, *args)
            except WorkerLost:
                pass  # a worker died (killed, out of memory): do the work here instead
        return await self._run(prepare_or_error, *args)

    async def _analyse(self, drafts: Sequence[ArticleDraft]) -> dict[str, TextAnalysis] | None:
        """Segment, score and sign the new and changed articles in a worker process, if there
        are some: the store thread then only adds what needs the store (names, stories)."""
        if self._pool is None:
            return None
        from newsmill.enrich import analyse_drafts
        from newsmill.enrichment import fresh_drafts

        fresh = await self._run(fresh_drafts, self.store, drafts)
        if not fresh:
            return {}
        try:
            analyses = await self._pool.call(analyse_drafts, fresh, self.config.enrich.keywords)
        except WorkerLost:
            return None  # the store thread analyses them instead
        return {draft.id: analysis for draft, analysis in zip(fresh, analyses, strict=True)}

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, function, *args)


def process_source(
    config: Config,
    store: Store,
    source: Source,
    state: SourceState,
    result: FetchResult | SourceError,
    now: datetime,
) -> SourceOutcome:
    """Parse, clean and store one fetched source right here; record any failure on the source.

    The same steps as a run's `_Processor`, one source at a time, for callers that have
    a single result in hand.
    """
    from newsmill.enrichment import enrich_context, save_enriched
    from newsmill.prepare import prepare_or_error

    step: _Done | _Parse | _Save = _settle_fetch(config, source, state, result, now)
    if isinstance(step, _Parse):
        prepared = prepare_or_error(source, step.result.body, step.result.content_type, now, step.result.url)
        step = _settle_prepared(config, source, step, prepared, now)
    if isinstance(step, _Done):
        store.save_state(step.state)
        return step.outcome
    counts = save_enriched(store, enrich_context(config, store), step.state, step.prepared.drafts, now)
    return _saved(source, step, counts)


# Where one source's fetch stands, in the steps that a run (`fetch_sources`, `_Processor`)
# and `process_source` share: they differ only in where the parsing and the writing run.


@dataclass(frozen=True, slots=True)
class _Done:
    """Settled: only the state is left to record."""

    state: SourceState
    outcome: SourceOutcome


@dataclass(frozen=True, slots=True)
class _Parse:
    """A new body (sha1 `digest`) to parse and clean."""

    state: SourceState
    result: FetchResult
    digest: str


@dataclass(frozen=True, slots=True)
class _Save:
    """Drafts to store, with the state, in one transaction."""

    state: SourceState
    prepared: Prepared


def _settle_fetch(
    config: Config, source: Source, state: SourceState, result: FetchResult | SourceError, now: datetime
) -> _Done | _Parse:
    """The first step: a failure or an unchanged body settles the source."""
    if isinstance(result, SourceError):
        return _failure(config, source, state, result, now)
    fetched = _after_fetch(state, result, now)
    digest = "" if result.not_modified else hashlib.sha1(result.body).hexdigest()
    if result.not_modified or digest == state.body_hash:
        state = replace(state, **fetched, **_healthy(source, SourceStatus.NOT_MODIFIED, now))
        outcome = SourceOutcome(source.name, SourceStatus.NOT_MODIFIED, next_fetch=state.next_fetch)
        return _Done(state, outcome)
    return _Parse(replace(state, **fetched), result, digest)


def _settle_prepared(
    config: Config, source: Source, step: _Parse, prepared: Prepared | SourceError, now: datetime
) -> _Done | _Save:
    """The step after parsing and cleaning: a failure, or the drafts to save."""
    if isinstance(prepared, SourceError):
        return _failure(config, source, step.state, prepared, now)
    state = replace(step.state, **_healthy(source, SourceStatus.OK, now), body_hash=step.digest)
    return _Save(state, prepared)


def _saved(source: Source, step: _Save, counts: SaveCounts) -> SourceOutcome:
    entries, next_fetch = step.prepared.entries, step.state.next_fetch
    return SourceOutcome(source.name, SourceStatus.OK, counts, entries, next_fetch=next_fetch)


def _failure(config: Config, source: Source, state: SourceState, error: SourceError, now: datetime) -> _Done:
    state = _failed_state(config, source, state, error, now)
    outcome = SourceOutcome(source.name, state.status, error=error.message, next_fetch=state.next_fetch)
    return _Done(state, outcome)


def _after_fetch(state: SourceState, result: FetchResult, now: datetime) -> dict[str, Any]:
    """Cache headers and a permanent redirect's new URL, kept whatever the body turns out to be."""
    return {
        "url": result.permanent_url or state.url,
        "etag": result.etag if result.etag is not None else state.etag,
        "last_modified": result.last_modified if result.last_modified is not None else state.last_modified,
        "last_fetched": now,
    }


def _healthy(source: Source, status: SourceStatus, now: datetime) -> dict[str, Any]:
    """A fetch that worked clears the error record; the source is due again after its interval."""
    next_fetch = next_fetch_time(
        now=now, interval=source.interval, error_count=0, retry_after=None, max_backoff=source.interval
    )
    return {"status": status, "error_count": 0, "last_error": None, "next_fetch": next_fetch}


def _failed_state(
    config: Config, source: Source, state: SourceState, error: SourceError, now: datetime
) -> SourceState:
    """One more failure: the error is recorded and the source backed off (410: disabled)."""
    errors = state.error_count + 1
    next_fetch = next_fetch_time(
        now=now,
        interval=source.interval,
        error_count=errors,
        retry_after=error.retry_after,
        max_backoff=config.fetch.max_backoff,
    )
    return replace(
        state,
        status=SourceStatus.GONE if error.gone else SourceStatus.ERROR,
        error_count=errors,
        last_error=error.message,
        last_fetched=now,
        next_fetch=next_fetch,
    )
