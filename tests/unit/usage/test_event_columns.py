"""The columnar fast path reads every batch exactly as the reference parsers do: the same
columns for what they accept, the same field-named error for what they refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.errors import InvalidEvent
from tierwise.usage.cloudevents import parse_cloudevents_batch
from tierwise.usage.event_columns import (
    EventColumns,
    cloudevents_columns,
    segment_columns,
    to_micros,
)
from tierwise.usage.segment import parse_segment_batch

RECEIVED = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

ids = st.one_of(st.sampled_from(["a", "b", "acme", ""]), st.integers(0, 3), st.none())
times = st.one_of(
    st.none(),
    st.sampled_from(["2026-03-09T08:00:00Z", "2026-03-09T10:00:00+02:00", "2026-03-09", "x", 5]),
)
data = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(["account_id", "user_id", "n"]), ids, max_size=3),
    st.integers(-(2**53), 2**53),
)


def reference(parse: Any, payload: object) -> EventColumns | str:
    try:
        events = parse(payload, received_at=RECEIVED)
    except InvalidEvent as error:
        return f"{error.field}: {error.message}"
    columns = EventColumns(RECEIVED)
    for event in events:
        columns.add(event)
    return columns


def fast(parse: Any, payload: object) -> EventColumns | str:
    try:
        return parse(payload, received_at=RECEIVED)  # type: ignore[no-any-return]
    except InvalidEvent as error:
        return f"{error.field}: {error.message}"


cloudevent = st.fixed_dictionaries(
    {"specversion": st.sampled_from(["1.0", "1.0", "0.3"]), "id": ids, "source": ids, "type": ids},
    optional={
        "time": times,
        "subject": ids,
        "tierwiseaccount": ids,
        "tierwiseuser": ids,
        "data": data,
        "datacontenttype": st.sampled_from(["application/json", "text/plain"]),
        "dataschema": st.just("https://schema.example.com"),
        "otherext": ids,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.lists(cloudevent, max_size=4))
def test_cloudevents_columns_equal_the_reference_parser(batch: list[dict[str, Any]]) -> None:
    # given a batch as orjson decodes it
    payload = orjson.loads(orjson.dumps(batch))

    # when both paths read it, then the results are the same (columns or error)
    assert fast(cloudevents_columns, payload) == reference(parse_cloudevents_batch, payload)


call = st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "track", "track", "identify", "group", "nope"])},
    optional={
        "messageId": ids,
        "userId": ids,
        "anonymousId": ids,
        "event": ids,
        "groupId": ids,
        "timestamp": times,
        "originalTimestamp": times,
        "properties": data,
        "traits": data,
        "context": st.one_of(
            st.none(), st.dictionaries(st.just("groupId"), ids, max_size=1), st.just([])
        ),
    },
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(call, max_size=4),
    st.one_of(st.none(), st.dictionaries(st.just("groupId"), ids, max_size=1)),
    st.one_of(st.none(), st.just("2026-03-10T11:59:00Z")),
)
def test_segment_columns_equal_the_reference_parser(
    calls: list[dict[str, Any]], context: dict[str, Any] | None, sent_at: str | None
) -> None:
    # given a batch call as orjson decodes it
    envelope: dict[str, Any] = {"batch": calls}
    if context is not None:
        envelope["context"] = context
    if sent_at is not None:
        envelope["sentAt"] = sent_at
    payload = orjson.loads(orjson.dumps(envelope))

    # when both paths read it, then the results are the same (columns or error)
    assert fast(segment_columns, payload) == reference(parse_segment_batch, payload)


def test_the_everyday_shapes_take_the_fast_path_and_keep_their_values() -> None:
    # given a simple CloudEvent and a simple track call
    event = {"specversion": "1.0", "id": "e1", "source": "app", "type": "api.call",
             "time": "2026-03-09T10:00:00+02:00", "tierwiseaccount": "acme", "subject": "ana",
             "data": {"n": 2}}  # fmt: skip
    track = {"type": "track", "messageId": "m1", "userId": "ana", "event": "api.call",
             "timestamp": "2026-03-09T08:00:00Z", "properties": {"account_id": "acme"}}  # fmt: skip

    # when they are read
    cloud = cloudevents_columns([event], received_at=RECEIVED)
    segment = segment_columns({"batch": [track]}, received_at=RECEIVED)

    # then 10:00 at +02:00 is 08:00 UTC, the subject is the user, the property names the account
    eight = to_micros(dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC))
    assert (cloud.account, cloud.subject, cloud.time, cloud.properties) == (
        ["acme"], ["ana"], [eight], ['{"n":2}'],
    )  # fmt: skip
    assert (segment.source, segment.account, segment.time) == (["segment"], ["acme"], [eight])


def test_a_bad_event_is_named_by_its_index() -> None:
    # given a batch whose second event has no id
    batch = [{"specversion": "1.0", "id": "1", "source": "s", "type": "t"},
             {"specversion": "1.0", "source": "s", "type": "t"}]  # fmt: skip

    # when it is read, then the error names [1].id
    with pytest.raises(InvalidEvent) as refused:
        cloudevents_columns(batch, received_at=RECEIVED)
    assert refused.value.field == "[1].id"
