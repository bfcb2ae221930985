"""When a failed webhook delivery is tried again: exponential backoff with a little jitter.

The default schedule (after the first attempt, which is immediate)::

    attempt   2     3     4     5      6     7     8      9
    waits     5 s   30 s  2 m   10 m   1 h   6 h   12 h   24 h   (each + up to 20 % jitter)

Nine attempts in all, spread over about 43 hours (43 h 12 m 35 s before jitter), so an endpoint
that is down for a deploy, a night or a weekend day still gets the message once it is back. The
jitter spreads the retries of many messages that failed together (one endpoint outage) so they do
not all arrive at the same second; the caller draws it (``spread`` in [0, 1)) because the core
draws no random numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tierwise.errors import InvalidInput

__all__ = ["DEFAULT_DELAYS", "RetrySchedule"]

_s = dt.timedelta(seconds=1)
#: Waits before attempts 2, 3, … (see the module docstring).
DEFAULT_DELAYS: tuple[dt.timedelta, ...] = (
    5 * _s,
    30 * _s,
    120 * _s,
    600 * _s,
    3600 * _s,
    6 * 3600 * _s,
    12 * 3600 * _s,
    24 * 3600 * _s,
)


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Waits between attempts; ``jitter`` is the largest extra share of a wait (0.2 = +20 %)."""

    delays: tuple[dt.timedelta, ...] = DEFAULT_DELAYS
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if any(delay <= dt.timedelta(0) for delay in self.delays):
            raise InvalidInput("retry delays must be positive", field="delays")
        if not 0 <= self.jitter <= 1:
            raise InvalidInput("retry jitter is a share between 0 and 1", field="jitter")

    @property
    def max_attempts(self) -> int:
        """Attempts in all: the first one and one per delay."""
        return len(self.delays) + 1

    def delay_after(self, attempts: int, spread: float) -> dt.timedelta | None:
        """The wait after the ``attempts``-th failed attempt, or ``None`` when none is left.

        ``spread`` in [0, 1) picks the jitter: the wait is ``delay × (1 + jitter × spread)``.
        """
        if attempts < 1:
            raise InvalidInput("attempts are counted from 1", field="attempts")
        if not 0 <= spread < 1:
            raise InvalidInput("spread is drawn from [0, 1)", field="spread")
        if attempts > len(self.delays):
            return None
        return self.delays[attempts - 1] * (1 + self.jitter * spread)

    def next_attempt_at(
        self, attempts: int, failed_at: dt.datetime, spread: float
    ) -> dt.datetime | None:
        """When to try again after failure number ``attempts`` at ``failed_at`` (``None``: stop)."""
        delay = self.delay_after(attempts, spread)
        return None if delay is None else failed_at + delay
