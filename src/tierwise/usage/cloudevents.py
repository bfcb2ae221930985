"""CloudEvents 1.0 in the structured JSON format (single event and batch) → :class:`UsageEvent`.

What is read (spec 1.0, JSON event format):

* required ``specversion`` (must be ``"1.0"``), ``id``, ``source``, ``type`` — non-empty strings;
* optional ``time`` (RFC 3339 with an offset; absent → the time tierwise received it),
  ``subject``, ``datacontenttype``, ``dataschema``, ``data`` or ``data_base64``;
* any other top-level member is an *extension attribute* (lower-case letters and digits).

Mapping onto the usage event (the precedence is part of the public contract):

* **account**: the ``tierwiseaccount`` extension; else ``data.account_id`` (a string); else the
  ``subject`` attribute; else none.
* **subject** (the user): the ``tierwiseuser`` extension; else ``data.user_id``; else the
  ``subject`` attribute when it was not already taken as the account; else none.
* **properties**: ``data`` when it is a JSON object; other JSON data is kept as
  ``{"data": value}``; ``data_base64`` is decoded and read as JSON when ``datacontenttype`` is
  JSON, and kept as ``{"data_base64": "..."}`` otherwise. Other extension attributes are kept
  under ``properties["$extensions"]``.

Errors are :class:`~tierwise.errors.InvalidEvent` whose ``field`` names the attribute, prefixed by
the index in a batch (``[2].time``). One bad event rejects the whole batch: the producer retries
the batch and deduplication makes the retry safe.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, cast

from tierwise.errors import InvalidEvent
from tierwise.usage.events import JsonValue, UsageEvent, check_json, json_object, parse_time

__all__ = [
    "ACCOUNT_EXTENSION",
    "USER_EXTENSION",
    "parse_cloudevent",
    "parse_cloudevents",
    "parse_cloudevents_batch",
]

#: Extension attribute that names the account explicitly (CloudEvents names: a-z and 0-9 only).
ACCOUNT_EXTENSION = "tierwiseaccount"
#: Extension attribute that names the user explicitly.
USER_EXTENSION = "tierwiseuser"

_CONTEXT_ATTRIBUTES = frozenset(
    {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema"}
)
_DATA_MEMBERS = frozenset({"data", "data_base64"})
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_JSON_CONTENT_TYPE = re.compile(r"^(application|text)/([a-z0-9.+-]*\+)?json(;.*)?$", re.IGNORECASE)


def parse_cloudevents(
    body: bytes | str, *, batch: bool, received_at: dt.datetime
) -> list[UsageEvent]:
    """Decode a request body (``application/cloudevents+json`` or ``...-batch+json``)."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidEvent(f"the body is not valid JSON: {error}", field="body") from None
    if batch:
        return parse_cloudevents_batch(payload, received_at=received_at)
    return [parse_cloudevent(payload, received_at=received_at)]


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_cloudevents_batch(payload: object, *, received_at: dt.datetime) -> list[UsageEvent]:
    """Read a JSON batch (an array of structured events); errors name ``[index].attribute``."""
    if not isinstance(payload, list):
        raise InvalidEvent("a CloudEvents batch must be a JSON array", field="body")
    return [
        parse_cloudevent(item, received_at=received_at, where=f"[{index}].")
        for index, item in enumerate(payload)
    ]


def parse_cloudevent(payload: object, *, received_at: dt.datetime, where: str = "") -> UsageEvent:
    """Read one structured-mode event (an already decoded JSON object)."""
    if not isinstance(payload, Mapping):
        raise InvalidEvent("a CloudEvent must be a JSON object", field=where.rstrip(".") or "body")
    specversion = payload.get("specversion")
    if specversion is None:
        raise InvalidEvent("specversion is required", field=f"{where}specversion")
    if specversion != "1.0":
        raise InvalidEvent(
            f"specversion must be '1.0', not {specversion!r}", field=f"{where}specversion"
        )
    required = {
        name: _text(payload, name, where, required=True) for name in ("id", "source", "type")
    }
    subject_attribute = _text(payload, "subject", where, required=False)
    content_type = _text(payload, "datacontenttype", where, required=False)
    _text(payload, "dataschema", where, required=False)
    extensions = _extensions(payload, where)
    properties = _properties(payload, content_type, where)

    account = _named(extensions.pop(ACCOUNT_EXTENSION, None), f"{where}{ACCOUNT_EXTENSION}")
    user = _named(extensions.pop(USER_EXTENSION, None), f"{where}{USER_EXTENSION}")
    if account is None:
        account = _named(properties.get("account_id"), f"{where}data.account_id")
    if user is None:
        user = _named(properties.get("user_id"), f"{where}data.user_id")
    if account is None:
        account = subject_attribute
    elif user is None:
        user = subject_attribute
    if extensions:
        properties["$extensions"] = dict(extensions)

    time = payload.get("time")
    moment = received_at if time is None else parse_time(time, f"{where}time")
    try:
        return UsageEvent(
            source=required["source"],
            id=required["id"],
            type=required["type"],
            account=account,
            subject=user,
            time=moment,
            properties=properties,
            received_at=received_at,
        )
    except InvalidEvent as error:
        raise InvalidEvent(error.message, field=f"{where}{error.field}") from None


def _text(payload: Mapping[str, Any], name: str, where: str, *, required: bool) -> Any:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required", field=f"{where}{name}")
        return None
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name} must be a non-empty string", field=f"{where}{name}")
    return value


def _named(value: object, field: str) -> str | None:
    """An account or user id given as a non-empty string (ids that are numbers are accepted)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InvalidEvent("must be a non-empty string", field=field)
    return str(value)


def _extensions(payload: Mapping[str, Any], where: str) -> dict[str, JsonValue]:
    extensions: dict[str, JsonValue] = {}
    for name, value in payload.items():
        if name in _CONTEXT_ATTRIBUTES or name in _DATA_MEMBERS:
            continue
        if not isinstance(name, str) or not _EXTENSION_NAME.match(name):
            raise InvalidEvent(
                "extension attribute names use only a-z and 0-9 (at most 20)",
                field=f"{where}{name}",
            )
        if value is None:
            continue
        if isinstance(value, bool | int | str):
            extensions[name] = value
        else:
            raise InvalidEvent(
                "an extension attribute must be a string, integer or boolean",
                field=f"{where}{name}",
            )
    return extensions


def _properties(
    payload: Mapping[str, Any], content_type: str | None, where: str
) -> dict[str, JsonValue]:
    if "data" in payload and "data_base64" in payload:
        raise InvalidEvent("give data or data_base64, not both", field=f"{where}data_base64")
    is_json = content_type is None or bool(_JSON_CONTENT_TYPE.match(content_type))
    if "data_base64" in payload:
        encoded = payload["data_base64"]
        if not isinstance(encoded, str):
            raise InvalidEvent("data_base64 must be a base64 string", field=f"{where}data_base64")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidEvent("data_base64 is not base64", field=f"{where}data_base64") from None
        if not is_json:
            return {"data_base64": encoded}
        try:
            data: object = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError):
            raise InvalidEvent(
                "data_base64 does not hold the JSON its datacontenttype announces",
                field=f"{where}data_base64",
            ) from None
    else:
        data = payload.get("data")
    if data is None:
        return {}
    if isinstance(data, Mapping):
        return dict(json_object(data, f"{where}data"))
    check_json(data, f"{where}data")
    return {"data": cast(JsonValue, data)}
