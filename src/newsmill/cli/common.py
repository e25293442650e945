"""Options and helpers every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsmill.core import Mill

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to newsmill.toml (default: ./newsmill.toml, or $NEWSMILL_CONFIG).",
        show_default=False,
    ),
]


def open_mill(config: Path | None) -> Mill:
    return Mill.open(config)
