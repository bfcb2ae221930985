"""CloudEvents 1.0 structured JSON → UsageEvent: attributes, account precedence, errors."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from tierwise.errors import InvalidEvent
from tierwise.usage.cloudevents import parse_cloudevent, parse_cloudevents, parse_cloudevents_batch

RECEIVED = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "https://app.example.com/billing",
        "type": "api.call",
        "time": "2025-02-28T23:59:59.5+01:00",
        "tierwiseaccount": "acme",
        "data": {"endpoint": "/boards", "n": 3},
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def test_a_structured_event_maps_every_attribute() -> None:
    # given
    payload = _event(subject="user-7", comexampletrace="abc")

    # when
    event = parse_cloudevent(payload, received_at=RECEIVED)

    # then: the account comes from the extension, so `subject` is the user
    assert event.key == ("https://app.example.com/billing", "evt-1")
    assert event.type == "api.call"
    assert event.account == "acme"
    assert event.subject == "user-7"
    # 23:59:59.5 at +01:00 is 22:59:59.5 UTC
    assert event.time == dt.datetime(2025, 2, 28, 22, 59, 59, 500000, tzinfo=dt.UTC)
    assert event.received_at == RECEIVED
    assert dict(event.properties) == {
        "endpoint": "/boards",
        "n": 3,
        "$extensions": {"comexampletrace": "abc"},
    }


def test_account_precedence_extension_then_data_then_subject() -> None:
    # given three events that name the account in the three supported places
    by_extension = _event(subject="s", data={"account_id": "from-data"})
    by_data = _event(tierwiseaccount=None, subject="s", data={"account_id": "from-data"})
    by_subject = _event(tierwiseaccount=None, subject="from-subject", data={"user_id": "u"})

    # when / then
    assert parse_cloudevent(by_extension, received_at=RECEIVED).account == "acme"
    assert parse_cloudevent(by_data, received_at=RECEIVED).account == "from-data"
    from_subject = parse_cloudevent(by_subject, received_at=RECEIVED)
    assert (from_subject.account, from_subject.subject) == ("from-subject", "u")


def test_an_event_without_time_takes_the_time_it_was_received() -> None:
    event = parse_cloudevent(_event(time=None), received_at=RECEIVED)
    assert event.time == RECEIVED


def test_non_object_data_and_base64_data_are_kept() -> None:
    # given
    text = _event(data="hello", datacontenttype="text/plain")
    encoded = base64.b64encode(b'{"n": 2}').decode()
    binary_json = _event(data=None, data_base64=encoded, datacontenttype="application/json")
    opaque = _event(data=None, data_base64=encoded, datacontenttype="application/octet-stream")

    # when / then
    assert dict(parse_cloudevent(text, received_at=RECEIVED).properties) == {"data": "hello"}
    assert dict(parse_cloudevent(binary_json, received_at=RECEIVED).properties) == {"n": 2}
    assert dict(parse_cloudevent(opaque, received_at=RECEIVED).properties) == {
        "data_base64": encoded
    }


def test_a_batch_body_becomes_one_event_per_item() -> None:
    # given
    body = json.dumps([_event(id="a"), _event(id="b")])

    # when
    events = parse_cloudevents(body, batch=True, received_at=RECEIVED)

    # then
    assert [e.id for e in events] == ["a", "b"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"specversion": None}, "specversion"),
        ({"specversion": "0.3"}, "specversion"),
        ({"id": None}, "id"),
        ({"id": ""}, "id"),
        ({"source": None}, "source"),
        ({"type": 7}, "type"),
        ({"time": "yesterday"}, "time"),
        ({"time": "2025-03-01T10:00:00"}, "time"),
        ({"subject": ""}, "subject"),
        ({"tierwiseaccount": ["a"]}, "tierwiseaccount"),
        ({"Bad-Name": "x"}, "Bad-Name"),
        ({"data": {"account_id": {"nested": 1}}, "tierwiseaccount": None}, "data.account_id"),
        ({"data_base64": "!!!"}, "data_base64"),
        ({"data": {"ratio": float("nan")}}, "data.ratio"),
    ],
)
def test_every_error_names_the_attribute(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_cloudevent(_event(**overrides), received_at=RECEIVED)
    assert caught.value.field == field
    assert caught.value.code == "invalid_event"


def test_a_batch_error_names_the_index_and_the_attribute() -> None:
    # given the third event lacks its type
    payload = [_event(id="a"), _event(id="b"), _event(id="c", type=None)]

    # when / then
    with pytest.raises(InvalidEvent) as caught:
        parse_cloudevents_batch(payload, received_at=RECEIVED)
    assert caught.value.field == "[2].type"


@pytest.mark.parametrize(
    ("body", "batch", "field"),
    [
        ("{not json", False, "body"),
        ('{"a": NaN}', False, "body"),
        ('{"specversion": "1.0"}', True, "body"),
        ("[1]", True, "[0]"),
    ],
)
def test_malformed_bodies_are_refused(body: str, batch: bool, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_cloudevents(body, batch=batch, received_at=RECEIVED)
    assert caught.value.field == field
