"""UTC instants as the ledger stores them: aware datetimes in, ISO-8601 text in JSON.

The ledger compares instants from commands, storage and the clock, so every one of them must be
timezone-aware UTC; a naive datetime is refused instead of being guessed.
"""

from __future__ import annotations

import datetime as dt

from tierwise.errors import InvalidInput

__all__ = ["day_start", "from_iso", "to_iso", "utc"]


def utc(moment: dt.datetime, *, field: str = "at") -> dt.datetime:
    """``moment`` converted to UTC; a naive datetime is an error naming ``field``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must carry a timezone (got {moment.isoformat()})", field=field)
    return moment.astimezone(dt.UTC)


def to_iso(moment: dt.datetime) -> str:
    """ISO-8601 text of a UTC instant, e.g. ``2026-03-01T00:00:00+00:00``."""
    return utc(moment).isoformat()


def from_iso(text: str, *, field: str = "at") -> dt.datetime:
    """Parse ISO-8601 text into a UTC instant; naive text is read as UTC (the ledger's zone)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} is not an ISO-8601 date-time: {text!r}", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def day_start(day: dt.date) -> dt.datetime:
    """The instant a calendar day begins, in UTC: billing periods turn over at midnight UTC."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
