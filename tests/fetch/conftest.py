"""Fixtures for the fetch tests: quick retries, a test config, request factories."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from ipaddress import ip_network
from typing import Protocol

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from newsmill.config import FetchConfig
from newsmill.fetch import fetch_one, guard, retry
from newsmill.models import FetchRequest, FetchResult, Source


class MakeRequest(Protocol):
    def __call__(
        self,
        url: str,
        *,
        name: str = ...,
        etag: str | None = ...,
        last_modified: str | None = ...,
        allow_private: bool = ...,
    ) -> FetchRequest: ...


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff between in-call retries in hundredths of a second, not halves."""
    monkeypatch.setattr(retry, "RETRY_BASE", 0.01)


@pytest.fixture
def config() -> FetchConfig:
    return FetchConfig(timeout=5.0, connect_timeout=2.0, retry_max_wait=5.0)


@pytest.fixture
def make_request() -> MakeRequest:
    def make(
        url: str,
        *,
        name: str = "test feed",
        etag: str | None = None,
        last_modified: str | None = None,
        allow_private: bool = True,  # the test server is on loopback
    ) -> FetchRequest:
        source = Source(name=name, url=url, categories=("测试",), author=name, allow_private=allow_private)
        return FetchRequest(source=source, url=url, etag=etag, last_modified=last_modified)

    return make


@pytest.fixture
def fetch(config: FetchConfig) -> Callable[..., FetchResult]:
    """Run `fetch_one` from a sync test: fetch(request) or fetch(request, other_config)."""

    def run(request: FetchRequest, cfg: FetchConfig | None = None) -> FetchResult:
        return asyncio.run(fetch_one(request, cfg or config))

    return run


@pytest.fixture
def exempt_test_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let guarded sources reach 127.0.0.1 (only), to test what they may do from there."""
    monkeypatch.setattr(guard, "EXEMPT_NETWORKS", (ip_network("127.0.0.1/32"),))


class FakeResolver(AbstractResolver):
    """A DNS with a fixed table, so tests never ask a real one about made-up names."""

    table: dict[str, list[str]] = {  # noqa: RUF012 - a fixed test table
        "rebind.test": ["127.0.0.2"],  # loopback, but not where the test server listens
        "public.test": ["93.184.215.14"],
        "mixed.test": ["93.184.215.14", "10.0.0.5"],
        "example.com": ["10.0.0.5"],
        "metadata.test": ["169.254.169.254"],
        "mapped.test": ["::ffff:10.0.0.5"],
    }

    def __init__(self, loop: object = None) -> None:
        pass

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> type[FakeResolver]:
    """Make the guard's resolver look names up in `FakeResolver.table`."""
    monkeypatch.setattr(aiohttp, "ThreadedResolver", FakeResolver)
    return FakeResolver
