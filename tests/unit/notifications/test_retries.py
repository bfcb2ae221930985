"""The retry schedule: documented waits, jitter within bounds, and an end."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.errors import InvalidInput
from tierwise.notifications.retries import DEFAULT_DELAYS, RetrySchedule

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_default_schedule_waits_5s_30s_2m_10m_1h_6h_12h_24h() -> None:
    # given no jitter drawn (spread 0)
    schedule = RetrySchedule()

    # when
    waits = [schedule.delay_after(n, 0.0) for n in range(1, 10)]

    # then nine attempts: eight waits, then nothing left
    seconds = [w.total_seconds() for w in waits if w is not None]
    assert seconds == [5, 30, 120, 600, 3600, 21600, 43200, 86400]
    assert waits[-1] is None
    assert schedule.max_attempts == 9
    # 5 + 30 + 120 + 600 + 3600 + 21600 + 43200 + 86400 = 155555 s = 43 h 12 m 35 s
    assert sum(DEFAULT_DELAYS, dt.timedelta()) == dt.timedelta(hours=43, minutes=12, seconds=35)


def test_jitter_adds_up_to_its_share() -> None:
    # given 20 % jitter and a spread of 0.5: 30 s × (1 + 0.2 × 0.5) = 33 s
    schedule = RetrySchedule()

    # when
    retry_at = schedule.next_attempt_at(2, T0, 0.5)

    # then
    assert retry_at == T0 + dt.timedelta(seconds=33)


def test_after_the_last_attempt_there_is_no_retry() -> None:
    schedule = RetrySchedule(delays=(dt.timedelta(seconds=1),))
    assert schedule.next_attempt_at(1, T0, 0.0) == T0 + dt.timedelta(seconds=1)
    assert schedule.next_attempt_at(2, T0, 0.0) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"delays": (dt.timedelta(0),)}, "delays"),
        ({"jitter": 1.5}, "jitter"),
    ],
)
def test_bad_schedules_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        RetrySchedule(**kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


@given(attempt=st.integers(1, 8), spread=st.floats(0, 1, exclude_max=True))
def test_waits_grow_and_stay_within_the_jitter_band(attempt: int, spread: float) -> None:
    # given
    schedule = RetrySchedule()
    base = DEFAULT_DELAYS[attempt - 1]

    # when
    wait = schedule.delay_after(attempt, spread)

    # then base ≤ wait ≤ base × 1.2 (to the microsecond), and the next base wait is longer
    assert wait is not None
    assert base <= wait <= base * 1.2
    if attempt < 8:
        assert DEFAULT_DELAYS[attempt] > wait
