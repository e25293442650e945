"""PostgreSQL for the store tests: one throwaway server per session, one database per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from support.postgres import PostgresMissing, PostgresServer, PostgresUnavailable, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server the tests start themselves. Without PostgreSQL on the machine the
    tests are skipped with a message, except where NEWSMILL_REQUIRE_POSTGRES=1 (`.ci/run` sets it
    and installs PostgreSQL: in CI a skipped backend would be an untested one)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is not installed: pip install -e '.[test]'", pytrace=False)
    try:
        with postgres_server() as server:
            yield server
    except PostgresMissing as exc:
        if os.environ.get("NEWSMILL_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on that server (a plain `postgresql://` URL), dropped afterwards."""
    with postgres.database() as url:
        yield url
