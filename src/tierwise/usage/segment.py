"""Segment-spec calls (track, identify, group, page, screen, alias, batch) → :class:`UsageEvent`,
so Segment's own client libraries can send usage to tierwise unchanged.

Mapping (the public contract, see ``docs/usage-events.md``):

* **dedup key**: source ``"segment"``, id = ``messageId`` (required: every Segment library sets it,
  and without it a retry could not be recognised);
* **type**: the ``event`` name of a ``track`` call; ``$identify``, ``$group``, ``$page``,
  ``$screen`` and ``$alias`` for the other calls (a ``$`` cannot clash with a product event name);
* **subject** (the user): ``userId``, else ``anonymousId`` — one of them is required;
* **account**: ``groupId`` of a ``group`` call (required there); otherwise ``context.groupId``,
  else ``properties.account_id`` (track, page, screen) or ``traits.account_id`` (identify), else
  none;
* **time**: ``timestamp`` when given; else ``received_at − (sentAt − originalTimestamp)``, which
  corrects a device clock that is wrong (Segment's own rule; ``sentAt`` may come from the batch
  envelope); else ``originalTimestamp``; else ``received_at``;
* **properties**: ``properties`` (track, page, screen; a page or screen ``name`` is kept as
  ``$name``), ``traits`` (identify, group), ``{"previousId": ...}`` (alias).

Errors are :class:`~tierwise.errors.InvalidEvent` whose ``field`` names the member, prefixed by
``batch[i].`` inside a batch. One bad call rejects the whole batch (the client retries it, and
deduplication on ``messageId`` makes that safe).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from tierwise.errors import InvalidEvent
from tierwise.usage.events import JsonValue, UsageEvent, json_object, parse_time

__all__ = [
    "CALL_TYPES",
    "SEGMENT_SOURCE",
    "parse_segment",
    "parse_segment_batch",
    "parse_segment_call",
]

#: The ``source`` half of the dedup key of every Segment call.
SEGMENT_SOURCE = "segment"
#: Call types read, with the usage-event type of the non-track calls.
CALL_TYPES: Mapping[str, str | None] = {
    "track": None,
    "identify": "$identify",
    "group": "$group",
    "page": "$page",
    "screen": "$screen",
    "alias": "$alias",
}


def parse_segment(
    body: bytes | str, *, call: str | None, received_at: dt.datetime
) -> list[UsageEvent]:
    """Decode a request body of ``/v1/<call>`` (``call="batch"`` for ``/v1/batch``)."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidEvent(f"the body is not valid JSON: {error}", field="body") from None
    if call == "batch":
        return parse_segment_batch(payload, received_at=received_at)
    return [parse_segment_call(payload, call=call, received_at=received_at)]


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_segment_batch(payload: object, *, received_at: dt.datetime) -> list[UsageEvent]:
    """Read a ``batch`` call: ``{"batch": [...], "sentAt": ..., "context": {...}}``.

    The envelope's ``sentAt`` applies to calls that have none; its ``context`` is merged under
    each call's own context (the call's members win).
    """
    if not isinstance(payload, Mapping):
        raise InvalidEvent("a batch call must be a JSON object", field="body")
    calls = payload.get("batch")
    if not isinstance(calls, list):
        raise InvalidEvent("batch must be an array of calls", field="batch")
    sent_at = payload.get("sentAt")
    shared_context = payload.get("context")
    if shared_context is not None and not isinstance(shared_context, Mapping):
        raise InvalidEvent("context must be an object", field="context")
    events = []
    for index, item in enumerate(calls):
        where = f"batch[{index}]."
        if not isinstance(item, Mapping):
            raise InvalidEvent("each call must be a JSON object", field=f"batch[{index}]")
        merged = dict(item)
        if sent_at is not None and "sentAt" not in merged:
            merged["sentAt"] = sent_at
        if shared_context:
            own = merged.get("context")
            merged["context"] = (
                {**shared_context, **own} if isinstance(own, Mapping) else own or shared_context
            )
        events.append(parse_segment_call(merged, call=None, received_at=received_at, where=where))
    return events


def parse_segment_call(
    payload: object, *, call: str | None, received_at: dt.datetime, where: str = ""
) -> UsageEvent:
    """Read one call. ``call`` is the route's type (``/v1/track`` → ``"track"``); when ``None``,
    the call's own ``type`` member decides (as inside a batch)."""
    if not isinstance(payload, Mapping):
        raise InvalidEvent("a call must be a JSON object", field=where.rstrip(".") or "body")
    kind = _call_type(payload, call, where)
    message_id = _required(payload, "messageId", where)
    user = _text(payload, "userId", where) or _text(payload, "anonymousId", where)
    if user is None:
        raise InvalidEvent("userId or anonymousId is required", field=f"{where}userId")
    context = payload.get("context")
    if context is not None and not isinstance(context, Mapping):
        raise InvalidEvent("context must be an object", field=f"{where}context")
    context = context or {}

    event_type = CALL_TYPES[kind] or _required(payload, "event", where)
    members = "traits" if kind in ("identify", "group") else "properties"
    properties: dict[str, JsonValue] = dict(_object(payload, members, where))
    if kind in ("page", "screen") and (name := _text(payload, "name", where)) is not None:
        properties["$name"] = name
    if kind == "alias":
        properties = {"previousId": _required(payload, "previousId", where)}

    account: str | None
    if kind == "group":
        account = _required(payload, "groupId", where)
    else:
        account = _text(context, "groupId", f"{where}context.") or _identifier(
            properties.get("account_id"), f"{where}{members}.account_id"
        )

    moment = _event_time(payload, received_at, where)
    try:
        return UsageEvent(
            source=SEGMENT_SOURCE,
            id=message_id,
            type=event_type,
            account=account,
            subject=user,
            time=moment,
            properties=properties,
            received_at=received_at,
        )
    except InvalidEvent as error:
        raise InvalidEvent(error.message, field=f"{where}{error.field}") from None


def _call_type(payload: Mapping[str, Any], call: str | None, where: str) -> str:
    declared = payload.get("type")
    kind = call if call is not None else declared
    if kind is None:
        raise InvalidEvent("type is required inside a batch", field=f"{where}type")
    if kind not in CALL_TYPES:
        raise InvalidEvent(
            f"type must be one of {', '.join(CALL_TYPES)}, not {kind!r}", field=f"{where}type"
        )
    if call is not None and declared is not None and declared != call:
        raise InvalidEvent(f"type {declared!r} sent to the {call} route", field=f"{where}type")
    return str(kind)


def _event_time(payload: Mapping[str, Any], received_at: dt.datetime, where: str) -> dt.datetime:
    if payload.get("timestamp") is not None:
        return parse_time(payload["timestamp"], f"{where}timestamp")
    original = payload.get("originalTimestamp")
    sent = payload.get("sentAt")
    if original is not None:
        happened = parse_time(original, f"{where}originalTimestamp")
        if sent is None:
            return happened
        return received_at - (parse_time(sent, f"{where}sentAt") - happened)
    if sent is not None:
        parse_time(sent, f"{where}sentAt")  # still refuse a malformed value
    return received_at


def _text(payload: Mapping[str, Any], name: str, where: str) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    return _identifier(value, f"{where}{name}")


def _required(payload: Mapping[str, Any], name: str, where: str) -> str:
    value = _text(payload, name, where)
    if value is None:
        raise InvalidEvent(f"{name} is required", field=f"{where}{name}")
    return value


def _identifier(value: object, field: str) -> str | None:
    """A string id; numbers are accepted as ids (Segment allows numeric user ids)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InvalidEvent("must be a non-empty string", field=field)
    return str(value)


def _object(payload: Mapping[str, Any], name: str, where: str) -> Mapping[str, JsonValue]:
    value = payload.get(name)
    if value is None:
        return {}
    return json_object(value, f"{where}{name}")
