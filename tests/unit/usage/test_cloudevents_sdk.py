"""The official CloudEvents Python SDK's own serialisation parses unchanged.

Both SDK generations are exercised: the classic ``CloudEvent`` + ``to_structured`` API (kept in
cloudevents 2.x under ``cloudevents.v1``) and the newer ``cloudevents.core`` bindings.
"""

from __future__ import annotations

import datetime as dt

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as CoreCloudEvent
from cloudevents.v1.conversion import to_structured
from cloudevents.v1.http import CloudEvent

from tierwise.usage.cloudevents import parse_cloudevents

RECEIVED = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_the_classic_sdk_structured_output_parses() -> None:
    # given an event built and serialised by the SDK
    event = CloudEvent(
        {
            "type": "api.call",
            "source": "https://app.example.com/",
            "subject": "user-9",
            "tierwiseaccount": "acme",
            "time": "2025-02-10T08:30:00Z",
        },
        {"endpoint": "/boards", "n": 2},
    )
    headers, body = to_structured(event)

    # when
    [parsed] = parse_cloudevents(body, batch=False, received_at=RECEIVED)

    # then
    assert headers["content-type"].startswith("application/cloudevents+json")
    assert parsed.key == ("https://app.example.com/", event["id"])
    assert (parsed.account, parsed.subject, parsed.type) == ("acme", "user-9", "api.call")
    assert parsed.time == dt.datetime(2025, 2, 10, 8, 30, tzinfo=dt.UTC)
    assert dict(parsed.properties) == {"endpoint": "/boards", "n": 2}


def test_the_core_sdk_structured_output_parses() -> None:
    # given an event of the newer core API, with a datetime time and binary-free JSON data
    event = CoreCloudEvent(
        attributes={
            "id": "core-1",
            "source": "/billing",
            "type": "automation.run",
            "specversion": "1.0",
            "time": dt.datetime(2025, 2, 11, 9, 0, tzinfo=dt.UTC),
            "tierwiseaccount": "globex",
            "datacontenttype": "application/json",
        },
        data={"workflow": "handoff"},
    )
    message = to_structured_event(event, JSONFormat())

    # when
    [parsed] = parse_cloudevents(message.body, batch=False, received_at=RECEIVED)

    # then
    assert parsed.key == ("/billing", "core-1")
    assert parsed.account == "globex"
    assert parsed.time == dt.datetime(2025, 2, 11, 9, 0, tzinfo=dt.UTC)
    assert dict(parsed.properties) == {"workflow": "handoff"}
