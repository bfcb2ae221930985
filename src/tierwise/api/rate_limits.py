"""Per-key rate limits: one token bucket per API key, in the server process.

A key may make ``rate`` requests per second on average and bursts of up to ``2 × rate``; a
request that finds the bucket empty is refused with 429 and ``Retry-After`` (whole seconds until
a token is back). Buckets live in each server process: with ``--workers N`` a key can reach up to
N times its rate in total, which is documented rather than hidden. Called only from the event
loop (one thread), so no lock is needed.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]

_MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by API key id, refilled continuously from a monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key_id: str, rate: int) -> int | None:
        """Spend one token of ``key_id``'s bucket; ``None`` if allowed, else seconds to wait.

        ``rate`` 0 means no limit.
        """
        if rate <= 0:
            return None
        capacity = 2.0 * rate
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = _Bucket(tokens=capacity, updated=now)
            self._buckets[key_id] = bucket
            if len(self._buckets) > _MAX_BUCKETS:  # forget the longest-idle key (a full bucket)
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key_id)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))
