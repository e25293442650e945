"""When to try again within one fetch: Retry-After parsing and jittered exponential backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from newsmill.errors import FetchError

# Base of the in-call backoff: try n waits up to RETRY_BASE * 2**n seconds. Tests shrink it.
RETRY_BASE = 0.5
# Statuses worth asking again within the same run; other 5xx are transient but wait a run.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now or datetime.now(UTC))
    return seconds if seconds >= 0 else None


def _seconds_until(text: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT even when they fail to say so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def retry_delay(error: FetchError, attempt: int, *, retries: int, max_wait: float) -> float | None:
    """Seconds to sleep before try `attempt + 1`, or None to give up and raise `error`.

    Only transient failures are retried. A Retry-After the server sent is obeyed when it is
    at most `max_wait`; a longer one ends the call, and the error carries it to the scheduler.
    Otherwise the wait is "full jitter": uniform in [0, RETRY_BASE * 2**attempt], which keeps
    many sources failing together from retrying in lockstep.
    """
    if not error.transient or attempt >= retries:
        return None
    if error.status is not None and error.status not in RETRY_STATUSES:
        return None
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= max_wait else None
    return random.uniform(0.0, RETRY_BASE * 2.0**attempt)
