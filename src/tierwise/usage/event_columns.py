"""Batches of usage events as columns: the fast path of HTTP ingest.

A batch of a thousand events is stored as a handful of column lists (one value per event), which
the event store stages in one statement. The reference parsers (:mod:`~tierwise.usage.cloudevents`
and :mod:`~tierwise.usage.segment`) build one validated :class:`UsageEvent` per event; that is
most of the cost of a large batch, so :func:`cloudevents_columns` and :func:`segment_columns` read
the everyday shapes directly into columns:

* a CloudEvent whose members are the context attributes (no ``dataschema``), the ``tierwiseaccount``
  and ``tierwiseuser`` extensions and JSON-object ``data`` (``datacontenttype`` absent or
  ``application/json``), every id a string;
* a Segment ``track`` call with a ``timestamp``, string ids, and object ``properties``/``context``.

Anything else — another call type, ``data_base64``, another extension, numeric ids, and every
invalid event — goes through the reference parser, event by event, which gives the same result
and raises the same field-named error. The result is therefore the reference parser's result by
construction for the fallback, and by a property test for the fast path
(``tests/unit/usage/test_event_columns.py``).

Decoded JSON is trusted to be JSON (the caller decodes with orjson, which refuses non-finite
numbers and gives string keys), so ``data`` and ``properties`` need no second walk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

from tierwise.errors import InvalidEvent
from tierwise.usage.cloudevents import ACCOUNT_EXTENSION, USER_EXTENSION, parse_cloudevent
from tierwise.usage.events import MAX_TEXT, UsageEvent, parse_time
from tierwise.usage.segment import SEGMENT_SOURCE, parse_segment_call

__all__ = ["EventColumns", "cloudevents_columns", "segment_columns", "to_micros"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CLOUDEVENT_MEMBERS = frozenset(
    {
        "specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data",
        ACCOUNT_EXTENSION, USER_EXTENSION,
    }
)  # fmt: skip


def to_micros(moment: dt.datetime) -> int:
    """Microseconds since the Unix epoch (UTC) — the store's time unit."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(slots=True)
class EventColumns:
    """Events of one batch, column by column; ``properties`` holds JSON texts."""

    received_at: dt.datetime
    source: list[str] = field(default_factory=list)
    id: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    account: list[str | None] = field(default_factory=list)
    subject: list[str | None] = field(default_factory=list)
    time: list[int] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.id)

    def add(self, event: UsageEvent) -> None:
        """Append one event parsed by a reference parser."""
        self._add(
            event.source, event.id, event.type, event.account, event.subject,
            to_micros(event.time), dict(event.properties),
        )  # fmt: skip

    def _add(
        self,
        source: str,
        event_id: str,
        event_type: str,
        account: str | None,
        subject: str | None,
        micros: int,
        properties: Mapping[str, Any],
    ) -> None:
        self.source.append(source)
        self.id.append(event_id)
        self.type.append(event_type)
        self.account.append(account)
        self.subject.append(subject)
        self.time.append(micros)
        self.properties.append(orjson.dumps(properties).decode())


class _Times:
    """RFC 3339 texts → microseconds, each distinct text parsed once (by the reference rule)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def micros(self, text: object) -> int | None:
        if type(text) is not str:
            return None
        known = self._seen.get(text)
        if known is None:
            try:
                known = to_micros(parse_time(text, "time"))
            except InvalidEvent:
                return None
            self._seen[text] = known
        return known


def _text(value: object) -> str | None:
    """A usable id: a non-empty string within the length bound; else ``None``."""
    if type(value) is str and value and len(value) <= MAX_TEXT:
        return value
    return None


def cloudevents_columns(payload: object, *, received_at: dt.datetime) -> EventColumns:
    """A decoded CloudEvents batch (a JSON array) as columns; errors name ``[index].attribute``."""
    if not isinstance(payload, list):
        raise InvalidEvent("a CloudEvents batch must be a JSON array", field="body")
    columns = EventColumns(received_at)
    times = _Times()
    received = to_micros(received_at)
    if _everyday_cloudevents(columns, payload, times, received):
        return columns
    for index, item in enumerate(payload):
        if not _cloudevent(columns, item, times, received):
            columns.add(parse_cloudevent(item, received_at=received_at, where=f"[{index}]."))
    return columns


def _all_text(values: list[Any]) -> bool:
    return all(type(v) is str and v and len(v) <= MAX_TEXT for v in values)


def _all_text_or_none(values: list[Any]) -> bool:
    return all(v is None or (type(v) is str and v and len(v) <= MAX_TEXT) for v in values)


def _everyday_cloudevents(
    columns: EventColumns, items: list[Any], times: _Times, received: int
) -> bool:
    """Read the whole batch column by column when *every* event has the everyday shape (the
    rules of :func:`_cloudevent`, checked one column at a time); else leave ``columns`` empty
    and answer ``False``, and the batch is read event by event."""
    members = _CLOUDEVENT_MEMBERS
    if not all(type(item) is dict and item.keys() <= members for item in items):
        return False
    sources = [item.get("source") for item in items]
    ids = [item.get("id") for item in items]
    types = [item.get("type") for item in items]
    if not (_all_text(sources) and _all_text(ids) and _all_text(types)):
        return False
    if any(item.get("specversion") != "1.0" for item in items):
        return False
    if any(item.get("datacontenttype") not in (None, "application/json") for item in items):
        return False
    datas = [item.get("data") for item in items]
    if not all(type(data) is dict or data is None for data in datas):
        return False
    properties: list[dict[str, Any]] = [data or {} for data in datas]
    subjects = [item.get("subject") for item in items]
    accounts = [item.get(ACCOUNT_EXTENSION) for item in items]
    accounts = [
        p.get("account_id") if a is None else a for a, p in zip(accounts, properties, strict=True)
    ]
    users = [item.get(USER_EXTENSION) for item in items]
    users = [p.get("user_id") if u is None else u for u, p in zip(users, properties, strict=True)]
    if not (
        _all_text_or_none(subjects) and _all_text_or_none(accounts) and _all_text_or_none(users)
    ):
        return False
    moments = [item.get("time") for item in items]
    micros = [received if moment is None else times.micros(moment) for moment in moments]
    if None in micros:
        return False
    columns.source = sources
    columns.id = ids
    columns.type = types
    columns.account = [s if a is None else a for a, s in zip(accounts, subjects, strict=True)]
    columns.subject = [
        s if a is not None and u is None else u
        for a, u, s in zip(accounts, users, subjects, strict=True)
    ]
    columns.time = cast(list[int], micros)  # None was ruled out above
    columns.properties = [orjson.dumps(p).decode() for p in properties]
    return True


def _cloudevent(columns: EventColumns, item: object, times: _Times, received: int) -> bool:
    if type(item) is not dict or not item.keys() <= _CLOUDEVENT_MEMBERS:
        return False
    source, event_id = _text(item.get("source")), _text(item.get("id"))
    event_type = _text(item.get("type"))
    if item.get("specversion") != "1.0" or source is None or event_id is None or event_type is None:
        return False
    content_type = item.get("datacontenttype")
    data = item.get("data")
    if content_type not in (None, "application/json") or type(data) not in (dict, type(None)):
        return False
    properties: dict[str, Any] = data or {}
    subject = item.get("subject")
    account = item.get(ACCOUNT_EXTENSION)
    user = item.get(USER_EXTENSION)
    if account is None:
        account = properties.get("account_id")
    if user is None:
        user = properties.get("user_id")
    for value in (subject, account, user):
        if value is not None and _text(value) is None:
            return False
    if account is None:
        account = subject
    elif user is None:
        user = subject
    moment = item.get("time")
    micros = received if moment is None else times.micros(moment)
    if micros is None:
        return False
    columns._add(source, event_id, event_type, account, user, micros, properties)
    return True


def segment_columns(payload: object, *, received_at: dt.datetime) -> EventColumns:
    """A decoded Segment ``batch`` call as columns; errors name ``batch[index].member``."""
    if not isinstance(payload, Mapping):
        raise InvalidEvent("a batch call must be a JSON object", field="body")
    calls = payload.get("batch")
    if not isinstance(calls, list):
        raise InvalidEvent("batch must be an array of calls", field="batch")
    shared = payload.get("context")
    if shared is not None and not isinstance(shared, Mapping):
        raise InvalidEvent("context must be an object", field="context")
    sent_at = payload.get("sentAt")
    columns = EventColumns(received_at)
    times = _Times()
    if _everyday_tracks(columns, calls, shared or {}, times):
        return columns
    for index, item in enumerate(calls):
        if _track(columns, item, shared or {}, times):
            continue
        where = f"batch[{index}]."
        if not isinstance(item, Mapping):
            raise InvalidEvent("each call must be a JSON object", field=f"batch[{index}]")
        merged = dict(item)
        if sent_at is not None and "sentAt" not in merged:
            merged["sentAt"] = sent_at
        if shared:
            own = merged.get("context")
            merged["context"] = {**shared, **own} if isinstance(own, Mapping) else own or shared
        columns.add(parse_segment_call(merged, call=None, received_at=received_at, where=where))
    return columns


def _everyday_tracks(
    columns: EventColumns, calls: list[Any], shared: Mapping[str, Any], times: _Times
) -> bool:
    """Read the whole batch column by column when *every* call is an everyday ``track`` call
    (the rules of :func:`_track`, one column at a time); else leave ``columns`` empty and answer
    ``False``, and the batch is read call by call."""
    if not all(type(item) is dict and item.get("type") == "track" for item in calls):
        return False
    ids = [item.get("messageId") for item in calls]
    events = [item.get("event") for item in calls]
    users = [item.get("userId") for item in calls]
    users = [
        item.get("anonymousId") if user is None or user == "" else user
        for user, item in zip(users, calls, strict=True)
    ]
    if not (_all_text(ids) and _all_text(events) and _all_text(users)):
        return False
    micros = [times.micros(item.get("timestamp")) for item in calls]
    if None in micros:
        return False
    found = [item.get("properties") for item in calls]
    contexts = [item.get("context") for item in calls]
    if not all(type(p) is dict or p is None for p in found):
        return False
    if not all(type(c) is dict or c is None for c in contexts):
        return False
    properties: list[dict[str, Any]] = [p or {} for p in found]
    default = shared.get("groupId")
    groups = [c["groupId"] if c and "groupId" in c else default for c in contexts]
    accounts = [
        p.get("account_id") if g is None or g == "" else g
        for g, p in zip(groups, properties, strict=True)
    ]
    if not _all_text_or_none(accounts):
        return False
    columns.source = [SEGMENT_SOURCE] * len(calls)
    columns.id = ids
    columns.type = events
    columns.account = accounts
    columns.subject = users
    columns.time = cast(list[int], micros)  # None was ruled out above
    columns.properties = [orjson.dumps(p).decode() for p in properties]
    return True


def _track(columns: EventColumns, item: object, shared: Mapping[str, Any], times: _Times) -> bool:
    if type(item) is not dict or item.get("type") != "track":
        return False
    message_id, event = _text(item.get("messageId")), _text(item.get("event"))
    user = item.get("userId")
    if user is None or user == "":
        user = item.get("anonymousId")
    user = _text(user)
    micros = times.micros(item.get("timestamp"))
    properties = item.get("properties")
    context = item.get("context")
    if message_id is None or event is None or user is None or micros is None:
        return False
    if type(properties) not in (dict, type(None)) or type(context) not in (dict, type(None)):
        return False
    properties = properties or {}
    group = context["groupId"] if context and "groupId" in context else shared.get("groupId")
    account = group if group is not None and group != "" else properties.get("account_id")
    if account is not None and _text(account) is None:
        return False
    columns._add(SEGMENT_SOURCE, message_id, event, account, user, micros, properties)
    return True
