"""next_fetch_time: interval when healthy, jittered exponential backoff when failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsmill.fetch import next_fetch_time

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _delay(error_count: int, *, interval: int = 1800, retry_after: float | None = None,
           max_backoff: int = 86_400) -> float:  # fmt: skip
    when = next_fetch_time(
        now=NOW,
        interval=interval,
        error_count=error_count,
        retry_after=retry_after,
        max_backoff=max_backoff,
    )
    return (when - NOW).total_seconds()


def test_healthy_source_waits_its_interval() -> None:
    assert _delay(0) == 1800
    assert next_fetch_time(now=NOW, interval=600, error_count=0, retry_after=None, max_backoff=60) == (
        NOW + timedelta(seconds=600)
    )


@pytest.mark.parametrize("errors", [1, 2, 3, 4, 5])
def test_failures_back_off_exponentially_with_jitter(errors: int) -> None:
    base = 1800 * 2 ** (errors - 1)
    for _ in range(50):
        assert 0.9 * base <= _delay(errors) <= 1.1 * base


def test_backoff_grows() -> None:
    delays = [_delay(n, max_backoff=10**9) for n in range(1, 8)]
    assert delays == sorted(delays)  # ±10 % jitter cannot undo a doubling


def test_jitter_varies() -> None:
    assert len({_delay(3) for _ in range(20)}) > 1


def test_backoff_is_capped() -> None:
    assert _delay(10) == 86_400
    assert _delay(10_000) == 86_400  # no overflow, never "never"


def test_retry_after_is_a_minimum() -> None:
    assert _delay(1, retry_after=3600) == 3600
    assert _delay(0, retry_after=3600) == 3600
    assert 0.9 * 3600 <= _delay(2, retry_after=60) <= 1.1 * 3600


def test_retry_after_is_capped_too() -> None:
    assert _delay(1, retry_after=10**9) == 86_400


def test_keeps_the_timezone() -> None:
    assert (
        next_fetch_time(now=NOW, interval=60, error_count=2, retry_after=None, max_backoff=99).tzinfo is UTC
    )
