"""Shared test setup: make `tests/` importable (for `support.*`) and offer a feed server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 with an ephemeral port, stopped after the test."""
    with FeedServer() as server:
        yield server
