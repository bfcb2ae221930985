"""A billing-period meter counts the events from the first instant of the period's start date
(midnight UTC) on, whatever time zone the engine's session is in."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from tierwise.adapters.analytics.engine import duckdb_backend
from tierwise.adapters.analytics.metering import billing_usage
from tierwise.adapters.analytics.windows import AsOf
from tierwise.catalog.model import Meter, ResetPeriod

AS_OF = AsOf(dt.datetime(2026, 3, 15, tzinfo=dt.UTC))
METER = Meter(event="automation.run", reset=ResetPeriod.BILLING_PERIOD)


def _at(day: int, microsecond: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, tzinfo=dt.UTC) + dt.timedelta(microseconds=microsecond)


@pytest.mark.parametrize("session_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_billing_period_starts_at_midnight_utc(session_zone: str) -> None:
    # given: A's period starts Mar 1, B's Mar 10; one run exactly at each start, one run a
    # microsecond before it, one in the middle, and a run of another type at the start
    backend = duckdb_backend()
    backend.raw_sql(f"SET TimeZone = '{session_zone}'")
    events = ibis.memtable(
        pa.table(
            {
                "account": ["a", "a", "a", "b", "b", "b", "b"],
                "type": ["automation.run"] * 6 + ["api.call"],
                "time": pa.array(
                    [
                        _at(1),  # A: at the start — counts
                        _at(1) - dt.timedelta(microseconds=1),  # A: just before — does not
                        _at(5, 1),  # A: inside — counts
                        _at(10),  # B: at the start — counts
                        _at(10) - dt.timedelta(microseconds=1),  # B: just before — does not
                        _at(14, 999_999),  # B: inside, before as-of — counts
                        _at(12),  # B: another event type — does not
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        )
    )
    licenses = ibis.memtable(
        pa.table(
            {
                "external_id": ["a", "b"],
                "period_start": pa.array([dt.date(2026, 3, 1), dt.date(2026, 3, 10)], pa.date32()),
            }
        )
    )
    # when: the meter's usage in each account's period is counted
    usage = billing_usage(
        "automation_runs", METER, events, licenses, AS_OF, earliest_start=dt.date(2026, 3, 1)
    )
    rows = {row["account"]: row for row in backend.to_pyarrow(usage).to_pylist()}
    # then: two runs for each account (the start itself and the one inside), as floats
    assert rows == {
        "a": {"account": "a", "_usage_automation_runs": 2.0},
        "b": {"account": "b", "_usage_automation_runs": 2.0},
    }
    backend.disconnect()
