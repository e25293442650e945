"""Options and helpers every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsmill.config import Config, load_config
from newsmill.core import Mill
from newsmill.lock import RunLock

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to newsmill.toml (default: ./newsmill.toml, or $NEWSMILL_CONFIG).",
        show_default=False,
    ),
]


def open_mill(config: Path | None, *, lock: bool = False) -> Mill:
    """The `Mill` for `--config`. Commands that write (fetch, run, build, import, reindex)
    pass `lock=True`: the run lock is taken now and released when the Mill is closed, so a
    second such command waits, then exits 1 naming the holder.

        with open_mill(config, lock=True) as mill:
            ...
    """
    if not lock:
        return Mill.open(config)
    loaded = load_config(config)
    run_lock = RunLock.beside(loaded)
    run_lock.acquire()
    return _LockedMill(loaded, run_lock)


class _LockedMill(Mill):
    """A Mill that holds the run lock until it is closed."""

    def __init__(self, config: Config, run_lock: RunLock) -> None:
        super().__init__(config)
        self._run_lock = run_lock

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._run_lock.release()
