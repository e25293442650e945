"""PostgreSQL for the store tests: one throwaway server per session, one database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.postgres import PostgresServer, PostgresUnavailable, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server the tests start themselves. Missing binaries fail the tests (not
    skip them): CI installs PostgreSQL, and a silently skipped backend is an untested one."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is not installed: pip install -e '.[test]'", pytrace=False)
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on that server (a plain `postgresql://` URL), dropped afterwards."""
    with postgres.database() as url:
        yield url
