"""`Mill`: the one library API that the command line, the web app and the scheduler call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from newsmill.config import Config, load_config
from newsmill.models import Article, Source, SourceOutcome, SourceState
from newsmill.pipeline import OutcomeCallback, current_state, fetch_sources, plan_fetch, utcnow
from newsmill.store import Store, open_store


@dataclass(frozen=True, slots=True)
class SourceView:
    """A configured source with what the store remembers of it, for `sources list`."""

    source: Source
    state: SourceState
    articles: int


class Mill:
    """A configured newsmill: its sources, its store, and the jobs that run over them.

    >>> with Mill.open("newsmill.toml") as mill:  # doctest: +SKIP
    ...     outcomes = mill.fetch()
    """

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self._store = store

    @classmethod
    def open(cls, config_path: Path | str | None = None) -> Mill:
        return cls(load_config(config_path))

    @property
    def store(self) -> Store:
        """Opened on first use, so commands that need no database never create one."""
        if self._store is None:
            self._store = open_store(self.config.store.url, root=self.config.root)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Mill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def due_sources(self, names: Sequence[str] = ()) -> list[Source]:
        """The sources `fetch` would fetch now."""
        planned = plan_fetch(self.config, self.store.source_states(), utcnow(), names)
        return [source for source, _state in planned]

    def fetch(
        self, names: Sequence[str] = (), *, on_outcome: OutcomeCallback | None = None
    ) -> list[SourceOutcome]:
        """Fetch the named sources (or every due one) and store what they carry."""
        planned = plan_fetch(self.config, self.store.source_states(), utcnow(), names)
        if not planned:
            return []
        return asyncio.run(fetch_sources(self.config, self.store, planned, on_outcome=on_outcome))

    def sources(self) -> list[SourceView]:
        states = self.store.source_states()
        counts = self.store.counts_by_source()
        return [
            SourceView(source, current_state(source, states.get(source.name)), counts.get(source.name, 0))
            for source in self.config.sources
        ]

    def articles(self, *, source: str | None = None, limit: int | None = None) -> list[Article]:
        return self.store.articles(source=source, limit=limit)
