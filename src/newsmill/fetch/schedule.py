"""When to fetch a source next: its interval when all is well, exponential backoff when not."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.10  # ±10 %, so sources that failed together do not retry together
# 2**40 intervals is far past any cap; stopping there keeps the float maths finite.
_MAX_EXPONENT = 40


def next_fetch_time(
    *,
    now: datetime,
    interval: int,
    error_count: int,
    retry_after: float | None,
    max_backoff: int,
) -> datetime:
    """The time a source is due again.

    With no errors: `now + interval`. After `n` failures in a row:
    `interval * 2**(n-1)`, ±10 % jitter, capped at `max_backoff`, and at least `retry_after`
    when the server sent one (itself capped at `max_backoff`: a source always comes back).
    """
    delay = float(interval)
    if error_count > 0:
        exponent = min(error_count - 1, _MAX_EXPONENT)
        delay = interval * 2.0**exponent * random.uniform(1 - JITTER, 1 + JITTER)
        delay = min(delay, float(max_backoff))
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, float(max_backoff)))
    return now + timedelta(seconds=delay)
