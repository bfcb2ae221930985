"""Meter aggregation over raw events: hand-computed cases and properties checked with hypothesis."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.catalog.model import Aggregation, Meter, ResetPeriod
from tierwise.errors import InvalidInput
from tierwise.usage.events import JsonValue, UsageEvent
from tierwise.usage.meters import MeterTotal, Window, measure, measure_by_account, period_window

MARCH = Window(dt.datetime(2025, 3, 1, tzinfo=dt.UTC), dt.datetime(2025, 4, 1, tzinfo=dt.UTC))
RECEIVED = dt.datetime(2025, 4, 2, tzinfo=dt.UTC)


def _event(
    n: int,
    *,
    account: str | None = "acme",
    day: int = 5,
    month: int = 3,
    type_: str = "api.call",
    subject: str | None = "u",
    **properties: Any,
) -> UsageEvent:
    return UsageEvent(
        source="test",
        id=f"e{n}",
        type=type_,
        account=account,
        subject=subject,
        time=dt.datetime(2025, month, day, 9, n % 60, tzinfo=dt.UTC),
        properties=properties,
        received_at=RECEIVED,
    )


def test_count_takes_only_the_meter_event_inside_the_window_for_that_account() -> None:
    # given
    meter = Meter(event="api.call")
    events = [
        _event(1),
        _event(2, day=31),
        _event(3, month=2, day=28),  # before the window
        _event(4, month=4, day=1),  # the end is excluded
        _event(5, type_="automation.run"),
        _event(6, account="globex"),
        _event(7, account=None),
    ]

    # when / then: e1 and e2 count for acme; e6 for globex
    assert measure(meter, events, MARCH, account="acme") == MeterTotal(2, 2)
    assert measure_by_account(meter, events, MARCH) == {
        "acme": MeterTotal(2, 2),
        "globex": MeterTotal(1, 1),
    }


def test_sum_max_latest_and_unique_count_by_hand() -> None:
    # given
    events = [
        _event(1, day=3, gb=2.5, user="a"),
        _event(2, day=9, gb=4, user="b"),
        _event(3, day=7, gb="lots", user="a"),  # not a number: skipped by sum, max, latest
        _event(4, day=8, user=None),
    ]

    def total(aggregation: Aggregation, prop: str) -> MeterTotal:
        meter = Meter(event="api.call", aggregation=aggregation, property=prop)
        return measure(meter, events, MARCH, account="acme")

    # then
    assert total(Aggregation.SUM, "gb") == MeterTotal(6.5, 2, 2)  # 2.5 + 4
    assert total(Aggregation.MAX, "gb") == MeterTotal(4, 2, 2)
    assert total(Aggregation.LATEST, "gb") == MeterTotal(4, 2, 2)  # day 9 is the latest
    assert total(Aggregation.UNIQUE_COUNT, "user") == MeterTotal(2, 3, 1)  # {"a", "b"}


def test_unique_count_without_property_counts_users() -> None:
    meter = Meter(event="api.call", aggregation=Aggregation.UNIQUE_COUNT)
    events = [_event(1, subject="a"), _event(2, subject="b"), _event(3, subject="a")]
    assert measure(meter, events, MARCH, account="acme").value == 2


def test_empty_windows_have_zero_or_no_value() -> None:
    assert measure(Meter(event="x"), [], MARCH, account="a") == MeterTotal(0, 0)
    max_meter = Meter(event="x", aggregation=Aggregation.MAX, property="p")
    assert measure(max_meter, [], MARCH, account="a") == MeterTotal(None, 0)


def test_a_numeric_meter_without_property_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        measure(
            Meter(event="api.call", aggregation=Aggregation.SUM), [_event(1)], MARCH, account="acme"
        )
    assert caught.value.field == "meter.property"


def test_period_windows_are_calendar_months_and_years_in_utc() -> None:
    # given 2024 is a leap year
    at = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))

    # when: 23:30 at −02:00 is 01:30 UTC on 1 March
    month = period_window(ResetPeriod.MONTH, at)
    year = period_window(ResetPeriod.YEAR, at)

    # then
    assert (month.start, month.end) == (
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
    )
    assert (year.start, year.end) == (
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    with pytest.raises(InvalidInput):
        period_window(ResetPeriod.BILLING_PERIOD, at)
    assert period_window(ResetPeriod.BILLING_PERIOD, MARCH.start, billing_period=MARCH) == MARCH


# -- properties ---------------------------------------------------------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.sampled_from(["a", "b", "1"]),
)
_raw_events = st.lists(
    st.tuples(
        st.sampled_from(["acme", "globex", None]),
        st.sampled_from(["api.call", "other"]),
        st.integers(min_value=0, max_value=40 * 24),  # hours from 20 February
        _values,
        st.sampled_from(["u1", "u2", "u3", None]),
    ),
    max_size=40,
)


def _build(raw: list[tuple[str | None, str, int, JsonValue, str | None]]) -> list[UsageEvent]:
    base = dt.datetime(2025, 2, 20, tzinfo=dt.UTC)
    return [
        UsageEvent(
            source="p",
            id=str(index),
            type=type_,
            account=account,
            subject=subject,
            time=base + dt.timedelta(hours=hours),
            properties={} if value is None else {"v": value},
            received_at=RECEIVED,
        )
        for index, (account, type_, hours, value, subject) in enumerate(raw)
    ]


def _naive(aggregation: Aggregation, events: list[UsageEvent]) -> JsonValue:
    """A deliberately plain recomputation: loop, filter, then aggregate the simplest way."""
    chosen = []
    for e in events:
        if e.type == "api.call" and e.account == "acme" and MARCH.start <= e.time < MARCH.end:
            chosen.append(e)
    if aggregation is Aggregation.COUNT:
        return len(chosen)
    values = [e.properties.get("v") for e in chosen]
    if aggregation is Aggregation.UNIQUE_COUNT:
        return len({_key(v) for v in values if v is not None})
    numbers = [(e, v) for e, v in zip(chosen, values, strict=True) if _numeric(v)]
    if aggregation is Aggregation.SUM:
        only = [v for _, v in numbers]
        return sum(only) if all(isinstance(v, int) for v in only) else math.fsum(only)  # type: ignore[arg-type]
    if not numbers:
        return None
    if aggregation is Aggregation.MAX:
        return max(v for _, v in numbers)  # type: ignore[type-var]
    return sorted(numbers, key=lambda pair: (pair[0].time, pair[0].id))[-1][1]


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _key(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    return repr(value)


@given(_raw_events, st.sampled_from(list(Aggregation)))
def test_totals_equal_a_naive_recomputation(raw: Any, aggregation: Aggregation) -> None:
    # given
    events = _build(raw)
    meter = Meter(event="api.call", aggregation=aggregation, property="v")

    # when
    total = measure(meter, events, MARCH, account="acme")

    # then
    assert total.value == _naive(aggregation, events)


@given(_raw_events, st.sampled_from(list(Aggregation)), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_event_order(raw: Any, aggregation: Aggregation, rnd: Any) -> None:
    # given
    events = _build(raw)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    meter = Meter(event="api.call", aggregation=aggregation, property="v")

    # when / then
    assert measure_by_account(meter, shuffled, MARCH) == measure_by_account(meter, events, MARCH)
