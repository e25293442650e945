"""Fixtures for the reliability tests: a guarded config against a loopback fault server.

The SSRF guard stays on (`allow_private = false`) in these tests; only the test server's own
address, 127.0.0.1, is exempted, so a redirect to 10.x, 169.254.169.254 or ::1 is refused by
the real guard exactly as in production.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import ip_network
from pathlib import Path

import pytest

from newsmill.fetch import guard, retry
from support.reliability import config_text


@pytest.fixture
def exempt_loopback_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let guarded sources reach 127.0.0.1 (the test server) and nothing else private."""
    monkeypatch.setattr(guard, "EXEMPT_NETWORKS", (ip_network("127.0.0.1/32"),))
    monkeypatch.setattr(retry, "RETRY_BASE", 0.01)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """write_config({name: url}, timeout=…) writes tmp_path/newsmill.toml and returns its path."""

    def write(sources: dict[str, str], **options: object) -> Path:
        path = tmp_path / "newsmill.toml"
        path.write_text(config_text(sources, **options), encoding="utf-8")  # type: ignore[arg-type]
        return path

    return write
