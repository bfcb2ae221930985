"""Ledger events become public webhook messages; derived messages are produced once."""

from __future__ import annotations

import datetime as dt
import json
from types import MappingProxyType

import pytest

from tierwise.errors import InvalidInput
from tierwise.licensing.events import DomainEvent, EventType
from tierwise.notifications.webhook_events import (
    EVENT_TYPES,
    LEDGER_EVENT_TYPES,
    LIMIT_APPROACHING,
    LIMIT_REACHED,
    WebhookEvent,
    event_type_filter,
    from_outbox,
    limit_event,
    message_id,
    trial_ending_soon,
)

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_every_ledger_event_has_public_types_that_are_documented() -> None:
    # a new ledger event must be given a public name here before it can ship
    assert set(LEDGER_EVENT_TYPES) == set(EventType)
    for types in LEDGER_EVENT_TYPES.values():
        assert types
        assert set(types) <= set(EVENT_TYPES)


def test_the_issue_s_event_types_exist() -> None:
    wanted = {
        "subscription.changed",
        "trial.started",
        "trial.ending_soon",
        "trial.ended",
        "entitlement.limit_reached",
        "seat.reclaimed",
        "license.revoked",
    }
    assert wanted <= set(EVENT_TYPES)


def test_a_converted_trial_ends_the_trial_and_changes_the_subscription() -> None:
    # given
    event = DomainEvent(
        EventType.TRIAL_CONVERTED,
        "sub_1",
        "acc_1",
        T0,
        MappingProxyType({"before": {"plan": "team"}, "after": {"plan": "business"}}),
    )

    # when
    messages = from_outbox(event, sequence=7, version=3)

    # then two messages with distinct, stable ids
    assert [m.type for m in messages] == ["trial.ended", "subscription.changed"]
    ended = messages[0]
    assert ended.data["outcome"] == "converted"
    assert ended.data["subscription_id"] == "sub_1"
    assert ended.data["version"] == 3
    assert "outcome" not in messages[1].data
    assert messages[0].id != messages[1].id
    assert messages[0].id == from_outbox(event, sequence=7, version=3)[0].id


def test_the_body_is_compact_sorted_json_of_type_timestamp_and_data() -> None:
    # given
    event = DomainEvent(EventType.SEAT_RECLAIMED, "sub_1", "acc_1", T0, {"user": "ana@x.io"})

    # when
    body = from_outbox(event, sequence=1, version=9)[0].body()

    # then
    assert body == (
        b'{"data":{"account_id":"acc_1","subscription_id":"sub_1","user":"ana@x.io",'
        b'"version":9},"timestamp":"2026-03-01T12:00:00+00:00","type":"seat.reclaimed"}'
    )
    assert json.loads(body)["type"] == "seat.reclaimed"


def test_message_ids_are_msg_plus_26_base32_characters() -> None:
    identifier = message_id("outbox:1:trial.started")
    assert identifier.startswith("msg_")
    assert len(identifier) == 4 + 26
    assert identifier != message_id("outbox:2:trial.started")


def test_trial_ending_soon_only_in_the_last_three_days_and_once_per_trial() -> None:
    # given a 14-day trial started at T0, ending T0 + 14 d
    started, ends = T0, T0 + dt.timedelta(days=14)

    def notice(at: dt.datetime) -> str | None:
        message = trial_ending_soon(
            subscription_id="sub_1",
            account_id="acc_1",
            plan="business",
            started_at=started,
            ends_at=ends,
            convert_at_end=False,
            at=at,
        )
        return None if message is None else message.id

    # then: not at day 10 (4 days left), yes from day 11 until just before the end, never after;
    # every pass in the window gives the same id, so storage keeps one message
    assert notice(T0 + dt.timedelta(days=10)) is None
    first = notice(T0 + dt.timedelta(days=11))
    assert first is not None
    assert notice(T0 + dt.timedelta(days=13, hours=23)) == first
    assert notice(ends) is None


def test_limit_events_are_keyed_by_subscription_feature_and_period() -> None:
    # given
    period = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def event(
        kind: str, reason: str, at: dt.datetime, start: dt.datetime = period
    ) -> WebhookEvent | None:
        return limit_event(
            subscription_id="sub_1",
            account_id="acc_1",
            feature="projects",
            kind=kind,
            reason=reason,
            signal_at=at,
            period_start=start,
            details={"limit": 10, "usage": 10, "requested": 1},
        )

    # when
    denied = event("denied", "limit_reached", T0)
    again = event("denied", "limit_reached", T0 + dt.timedelta(days=3))
    grace = event("soft_limit", "in_grace", T0)
    near = event("soft_limit", "allowed", T0)
    not_in_plan = event("denied", "not_in_plan", T0)
    next_period = event("denied", "limit_reached", T0, dt.datetime(2026, 4, 1, tzinfo=dt.UTC))

    # then
    assert denied is not None
    assert again is not None
    assert grace is not None
    assert near is not None
    assert denied.type == LIMIT_REACHED
    assert denied.id == again.id == grace.id
    assert near.type == LIMIT_APPROACHING
    assert not_in_plan is None
    assert next_period is None  # the signal predates the current period: stale


def test_event_filters_accept_known_types_and_families() -> None:
    assert event_type_filter(["trial.*", "license.revoked", "trial.*"]) == (
        "trial.*",
        "license.revoked",
    )
    with pytest.raises(InvalidInput) as error:
        event_type_filter(["trial.begun"])
    assert error.value.field == "event_types"
    with pytest.raises(InvalidInput):
        event_type_filter(["nothing.*"])
