"""The as-of moment and the time arithmetic every signal family shares.

Windows are trailing and half-open: "the last 30 days" is ``[as_of − 30 days, as_of)``, "the
prior 30 days" is ``[as_of − 60 days, as_of − 30 days)``; nothing at or after ``as_of`` counts.
"Days since" an instant is the number of whole 24-hour periods between it and ``as_of``
(floored); "days between" dates (tenure, renewal) is the difference of calendar dates, taking
``as_of``'s UTC date. The same expressions compile on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
from ibis.expr import types as ir

from tierwise.errors import InvalidInput

__all__ = ["DAY_SECONDS", "AsOf", "attach", "join_all", "latest", "midnight_utc"]

DAY_SECONDS = 86_400
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class AsOf:
    """The moment signals are measured at (timezone-aware, converted to UTC)."""

    moment: dt.datetime

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None or self.moment.utcoffset() is None:
            raise InvalidInput("as_of must be a timezone-aware datetime", field="as_of")
        object.__setattr__(self, "moment", self.moment.astimezone(dt.UTC))

    def ago(self, days: float) -> dt.datetime:
        return self.moment - dt.timedelta(days=days)

    def at(self, days_ago: float = 0) -> ir.TimestampScalar:
        """The instant ``days_ago`` days before as-of, as a literal."""
        return ibis.literal(self.ago(days_ago))

    @property
    def epoch_seconds(self) -> int:
        return int((self.moment - _EPOCH).total_seconds() // 1)

    @property
    def epoch_day(self) -> int:
        """As-of's UTC calendar date, in days since 1970-01-01."""
        return (self.moment.date() - _EPOCH.date()).days

    def days_since(self, instant: ir.TimestampValue) -> ir.IntegerValue:
        """Whole days from ``instant`` to as-of (floored)."""
        seconds = instant.epoch_seconds().floor()
        return (ibis.literal(self.epoch_seconds) - seconds) // DAY_SECONDS

    def days_until(self, date: ir.DateValue) -> ir.IntegerValue:
        """Calendar days from as-of's date to ``date`` (negative when it has passed)."""
        return date.epoch_days() - self.epoch_day

    def days_after(self, date: ir.DateValue) -> ir.IntegerValue:
        """Calendar days from ``date`` to as-of's date."""
        return self.epoch_day - date.epoch_days()


def midnight_utc(date: ir.DateValue) -> ir.TimestampValue:
    """The first instant of ``date`` in UTC, as a timestamp to compare event times with.

    Written as the epoch plus whole seconds, which no engine reads in its session time zone
    (a date cast to a timestamp would be): comparing each event's time with this, instead of
    each event's epoch seconds with the date's, leaves the per-event work to one comparison."""
    epoch = ibis.literal(_EPOCH)
    return epoch + (date.epoch_days() * DAY_SECONDS).as_interval("s")


def attach(base: ir.Table, other: ir.Table, key: str, other_key: str | None = None) -> ir.Table:
    """``base`` left-joined with ``other`` on one key column; the right key is dropped."""
    right = other.rename(_join_key=other_key or key)
    return base.left_join(right, base[key] == right["_join_key"]).drop("_join_key")


def join_all(base: ir.Table, parts: Sequence[tuple[ir.Table, str]]) -> ir.Table:
    """``base`` left-joined with every ``(part, key)`` in one flat join (each part has one row
    per key and columns of its own), keeping ``base``'s columns and the parts' non-key ones.

    One join chain compiles to one SELECT; joining one part at a time would nest a SELECT per
    part, each re-listing every column so far.
    """
    joined = base
    columns = [base[name] for name in base.columns]
    for index, (part, key) in enumerate(parts):
        alias = f"_key_{index}"
        right = part.rename(**{alias: key})
        joined = joined.left_join(right, base[key] == right[alias])
        columns += [right[name] for name in right.columns if name != alias]
    return joined.select(*columns)


def latest(table: ir.Table, by: Sequence[str], value: str, *, time: str = "time") -> ir.Table:
    """Per ``by`` group, the ``value`` and ``time`` of the row with the latest ``time``.

    Rows with a null value are skipped; among rows at the same instant the greatest value wins,
    so the result does not depend on the engine."""
    rows = table.filter(table[value].notnull())
    rank = ibis.row_number().over(
        group_by=[rows[column] for column in by],
        order_by=[ibis.desc(rows[time]), ibis.desc(rows[value])],
    )
    ranked = rows.mutate(_rank=rank)
    return ranked.filter(ranked["_rank"] == 0).select(*by, value, time)
