"""The normalised usage event that every ingest format (CloudEvents, Segment, bulk files) becomes.

One event says: *this* thing (``type``) happened at ``time`` for ``account`` (the vendor's
external account id), caused by ``subject`` (the user), with ``properties`` (a JSON object).
``(source, id)`` is the deduplication key: a producer that sends the same event twice, or
retries a batch, is counted once. ``received_at`` is when tierwise accepted it; it is a parameter
of every parser because the core never reads the clock.

``account`` may be ``None``: a Segment ``identify`` call or a ``track`` call without a group is
still worth keeping (signals can attribute the user later), but meters only count events that
name an account.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

from tierwise.errors import InvalidEvent

__all__ = ["JsonValue", "UsageEvent", "check_json", "json_object", "parse_time"]

JsonValue: TypeAlias = (
    bool | int | float | str | list["JsonValue"] | Mapping[str, "JsonValue"] | None
)

#: Upper bound of an id, type, source, account or subject, so one bad producer cannot fill memory.
MAX_TEXT = 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageEvent:
    """One usage event, validated: non-empty keys, a timezone-aware UTC time, JSON properties."""

    source: str
    id: str
    type: str
    account: str | None
    subject: str | None
    time: dt.datetime
    properties: Mapping[str, JsonValue] = field(default_factory=lambda: MappingProxyType({}))
    received_at: dt.datetime

    def __post_init__(self) -> None:
        for name in ("source", "id", "type"):
            _require_text(getattr(self, name), name)
        for name in ("account", "subject"):
            value = getattr(self, name)
            if value is not None:
                _require_text(value, name)
        object.__setattr__(self, "time", _utc(self.time, "time"))
        object.__setattr__(self, "received_at", _utc(self.received_at, "received_at"))
        object.__setattr__(self, "properties", json_object(self.properties, "properties"))

    @property
    def key(self) -> tuple[str, str]:
        """The deduplication key: the same ``(source, id)`` is the same event."""
        return (self.source, self.id)


def _require_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name} must be a non-empty string", field=name)
    if len(value) > MAX_TEXT:
        raise InvalidEvent(f"{name} is longer than {MAX_TEXT} characters", field=name)


def _utc(value: object, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidEvent(f"{name} must be a datetime", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEvent(f"{name} must be timezone-aware", field=name)
    return value.astimezone(dt.UTC)


def parse_time(value: object, name: str) -> dt.datetime:
    """Read an RFC 3339 timestamp (``2025-03-01T10:00:00Z``) as a UTC datetime.

    A timestamp without a UTC offset is refused: guessing the producer's zone would shift usage
    into the wrong period. Fractions beyond microseconds are truncated.
    """
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name} must be an RFC 3339 timestamp string", field=name)
    text = value.strip().upper()
    if "T" not in text:
        raise InvalidEvent(f"{name} must have a date and a time: {value!r}", field=name)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEvent(f"{name} is not an RFC 3339 timestamp: {value!r}", field=name) from None
    if parsed.tzinfo is None:
        raise InvalidEvent(f"{name} has no UTC offset (add Z or +00:00): {value!r}", field=name)
    return parsed.astimezone(dt.UTC)


def json_object(value: object, name: str) -> Mapping[str, JsonValue]:
    """Check that ``value`` is a JSON object (string keys, JSON values) and freeze its top level.

    Non-finite numbers are refused because JSON cannot carry them and stores would disagree.
    """
    if not isinstance(value, Mapping):
        raise InvalidEvent(f"{name} must be a JSON object", field=name)
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidEvent(f"{name} keys must be strings", field=name)
        check_json(item, f"{name}.{key}")
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


def check_json(value: object, name: str) -> None:
    """Refuse anything JSON cannot carry (non-finite numbers, non-string keys, other types)."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidEvent(f"{name} must be a finite number", field=name)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_json(item, f"{name}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEvent(f"{name} keys must be strings", field=name)
            check_json(item, f"{name}.{key}")
        return
    raise InvalidEvent(f"{name} is not a JSON value ({type(value).__name__})", field=name)
