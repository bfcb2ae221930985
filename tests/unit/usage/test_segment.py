"""Segment-spec calls → UsageEvent: call types, account and time rules, field-named errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tierwise.errors import InvalidEvent
from tierwise.usage.segment import parse_segment, parse_segment_batch, parse_segment_call

RECEIVED = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _track(**overrides: Any) -> dict[str, Any]:
    call: dict[str, Any] = {
        "type": "track",
        "messageId": "m-1",
        "userId": "u-1",
        "event": "api.call",
        "properties": {"endpoint": "/boards"},
        "context": {"groupId": "acme"},
        "timestamp": "2025-02-27T10:00:00.000Z",
    }
    call.update(overrides)
    return {k: v for k, v in call.items() if v is not None}


def test_a_track_call_maps_message_id_user_group_and_event() -> None:
    # when
    event = parse_segment_call(_track(), call="track", received_at=RECEIVED)

    # then
    assert event.key == ("segment", "m-1")
    assert (event.type, event.account, event.subject) == ("api.call", "acme", "u-1")
    assert event.time == dt.datetime(2025, 2, 27, 10, 0, tzinfo=dt.UTC)
    assert dict(event.properties) == {"endpoint": "/boards"}


def test_account_falls_back_to_properties_then_to_none() -> None:
    # given
    by_property = _track(context={}, properties={"account_id": 42})
    anonymous = _track(context=None, userId=None, anonymousId="anon-3", properties=None)

    # when
    first = parse_segment_call(by_property, call="track", received_at=RECEIVED)
    second = parse_segment_call(anonymous, call="track", received_at=RECEIVED)

    # then: a numeric account id is read as text; no group and no property → no account
    assert first.account == "42"
    assert (second.account, second.subject) == (None, "anon-3")


def test_identify_and_group_keep_traits_and_use_reserved_types() -> None:
    # given
    identify = {"messageId": "i-1", "userId": "u", "traits": {"account_id": "acme", "plan": "pro"}}
    group = {"messageId": "g-1", "userId": "u", "groupId": "acme", "traits": {"seats": 12}}

    # when
    who = parse_segment_call(identify, call="identify", received_at=RECEIVED)
    team = parse_segment_call(group, call="group", received_at=RECEIVED)

    # then: without a timestamp the event takes the time it was received
    assert (who.type, who.account, who.time) == ("$identify", "acme", RECEIVED)
    assert (team.type, team.account, dict(team.properties)) == ("$group", "acme", {"seats": 12})


def test_clock_skew_is_corrected_from_sent_at_and_original_timestamp() -> None:
    # given a device whose clock is 2 hours fast: it says it sent at 14:00 an event from 13:30
    call = _track(
        timestamp=None,
        originalTimestamp="2025-03-01T13:30:00Z",
        sentAt="2025-03-01T14:00:00Z",
    )

    # when
    event = parse_segment_call(call, call="track", received_at=RECEIVED)

    # then: received 12:00 − (14:00 − 13:30) = 11:30
    assert event.time == dt.datetime(2025, 3, 1, 11, 30, tzinfo=dt.UTC)


def test_a_batch_applies_the_envelope_sent_at_and_context() -> None:
    # given
    body = {
        "batch": [
            _track(messageId="a", timestamp=None, originalTimestamp="2025-03-01T11:59:00Z"),
            {"type": "page", "messageId": "b", "anonymousId": "x", "name": "Pricing"},
        ],
        "sentAt": "2025-03-01T12:00:00Z",
        "context": {"groupId": "globex", "library": {"name": "analytics-python"}},
    }

    # when
    first, second = parse_segment(json.dumps(body), call="batch", received_at=RECEIVED)

    # then: the call's own groupId wins over the envelope's; 12:00 − (12:00 − 11:59) = 11:59
    assert (first.account, first.time) == ("acme", dt.datetime(2025, 3, 1, 11, 59, tzinfo=dt.UTC))
    assert (second.type, second.account) == ("$page", "globex")
    assert dict(second.properties) == {"$name": "Pricing"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"messageId": None}, "messageId"),
        ({"userId": None}, "userId"),
        ({"event": None}, "event"),
        ({"event": ["x"]}, "event"),
        ({"timestamp": "not a time"}, "timestamp"),
        ({"timestamp": None, "originalTimestamp": "2025-03-01"}, "originalTimestamp"),
        ({"timestamp": None, "sentAt": "soon"}, "sentAt"),
        ({"context": "acme"}, "context"),
        ({"context": {"groupId": {"id": 1}}}, "context.groupId"),
        ({"properties": ["a"]}, "properties"),
        ({"properties": {"account_id": True}, "context": None}, "properties.account_id"),
        ({"type": "identify"}, "type"),
    ],
)
def test_every_error_names_the_member(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_segment_call(_track(**overrides), call="track", received_at=RECEIVED)
    assert caught.value.field == field


def test_a_group_call_needs_its_group_id() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_segment_call({"messageId": "g", "userId": "u"}, call="group", received_at=RECEIVED)
    assert caught.value.field == "groupId"


def test_a_batch_error_names_the_index_and_the_member() -> None:
    # given
    payload = {"batch": [_track(messageId="a"), _track(messageId="b", type="checkout")]}

    # when / then
    with pytest.raises(InvalidEvent) as caught:
        parse_segment_batch(payload, received_at=RECEIVED)
    assert caught.value.field == "batch[1].type"


@pytest.mark.parametrize(
    ("body", "field"),
    [("[]", "body"), ('{"batch": {}}', "batch"), ('{"batch": [3]}', "batch[0]"), ("{", "body")],
)
def test_malformed_batches_are_refused(body: str, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_segment(body, call="batch", received_at=RECEIVED)
    assert caught.value.field == field
