"""Retry-After parsing, in-call retry decisions and message helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsmill.errors import FetchError
from newsmill.fetch import retry
from newsmill.fetch.messages import human_bytes, human_seconds
from newsmill.fetch.retry import parse_retry_after, retry_delay

NOW = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1 ", 1.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:29:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # in the past: go now
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def _error(
    status: int | None = None, *, transient: bool = True, retry_after: float | None = None
) -> FetchError:
    return FetchError("s", "m", transient=transient, status=status, retry_after=retry_after)


def test_retry_delay_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "RETRY_BASE", 0.5)
    for attempt in range(3):
        delay = retry_delay(_error(503), attempt, retries=5, max_wait=30)
        assert delay is not None and 0 <= delay <= 0.5 * 2**attempt


def test_retry_delay_decisions() -> None:
    assert retry_delay(_error(503), 2, retries=2, max_wait=30) is None  # out of tries
    assert retry_delay(_error(404, transient=False), 0, retries=2, max_wait=30) is None
    assert retry_delay(_error(501), 0, retries=2, max_wait=30) is None  # 5xx, but not worth it now
    assert retry_delay(_error(None), 0, retries=2, max_wait=30) is not None  # a timeout
    assert retry_delay(_error(429, retry_after=7), 0, retries=2, max_wait=30) == 7
    assert retry_delay(_error(429, retry_after=31), 0, retries=2, max_wait=30) is None


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (10_000_000, "10 MB"),
        (200_000, "200 kB"),
        (1_500_000, "1.5 MB"),
        (512, "512 bytes"),
        (3 * 10**9, "3 GB"),
    ],
)
def test_human_bytes(count: int, text: str) -> None:
    assert human_bytes(count) == text


@pytest.mark.parametrize(("seconds", "text"), [(20.0, "20 s"), (1.5, "1.5 s"), (300, "5 min"), (3600, "1 h")])
def test_human_seconds(seconds: float, text: str) -> None:
    assert human_seconds(seconds) == text
