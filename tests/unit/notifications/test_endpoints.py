"""Endpoint state: filters, failure streaks, disabling with a reason, rotation overlap."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.errors import InvalidInput
from tierwise.notifications.deliveries import AttemptResult, Delivery, DeliveryStatus
from tierwise.notifications.endpoints import DisablePolicy, WebhookEndpoint, checked_url
from tierwise.notifications.retries import RetrySchedule

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def endpoint(**changes: object) -> WebhookEndpoint:
    values: dict[str, object] = {
        "id": "ep_1",
        "url": "https://hooks.example.com/tierwise",
        "secret": "whsec_" + "A" * 32,
        "created_at": T0,
    }
    return WebhookEndpoint(**(values | changes))  # type: ignore[arg-type]


def test_filters_take_exact_types_and_families() -> None:
    assert endpoint().wants("seat.reclaimed")
    filtered = endpoint(event_types=("trial.*", "license.revoked"))
    assert filtered.wants("trial.ending_soon")
    assert filtered.wants("license.revoked")
    assert not filtered.wants("license.restored")


def test_disabled_after_n_failures_spanning_the_minimum_period() -> None:
    # given: 3 failures in a row, over at least 10 minutes
    policy = DisablePolicy(max_consecutive_failures=3, min_failing_period=10 * MINUTE)
    current = endpoint()

    # when failures come at T0, T0 + 1 m, T0 + 2 m (3 failures, only 2 minutes) ...
    for minute in range(3):
        current = current.after_failure(T0 + minute * MINUTE, policy, "HTTP 500")
    # then still enabled
    assert current.enabled
    assert current.consecutive_failures == 3

    # when the 4th failure comes at T0 + 10 m (10 minutes since the first)
    current = current.after_failure(T0 + 10 * MINUTE, policy, "HTTP 503")

    # then disabled, with why
    assert not current.enabled
    assert current.disabled_at == T0 + 10 * MINUTE
    assert current.disabled_reason == (
        "4 consecutive failed attempts since 2026-03-01T12:00:00+00:00; last: HTTP 503"
    )


def test_a_success_resets_the_streak_and_enable_starts_clean() -> None:
    policy = DisablePolicy(max_consecutive_failures=2, min_failing_period=dt.timedelta(0))
    failing = endpoint().after_failure(T0, policy, "HTTP 500")
    assert failing.after_success().consecutive_failures == 0
    disabled = failing.after_failure(T0 + MINUTE, policy, "HTTP 500")
    assert not disabled.enabled
    enabled = disabled.enable()
    assert enabled.enabled
    assert enabled.consecutive_failures == 0
    assert enabled.failing_since is None


def test_rotation_signs_with_both_secrets_until_the_overlap_ends() -> None:
    # given
    old = endpoint()

    # when
    rotated = old.rotate("whsec_" + "B" * 32, T0, dt.timedelta(hours=24))

    # then
    assert rotated.signing_secrets(T0 + dt.timedelta(hours=23)) == (rotated.secret, old.secret)
    assert rotated.signing_secrets(T0 + dt.timedelta(hours=24)) == (rotated.secret,)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "example.com/hook", "https://user:pw@example.com/", "http:///x"]
)
def test_endpoint_urls_must_be_plain_http_urls(url: str) -> None:
    with pytest.raises(InvalidInput) as error:
        checked_url(url)
    assert error.value.field == "url"


def test_a_delivery_retries_on_schedule_then_gives_up() -> None:
    # given a schedule of two waits (3 attempts) and a delivery on its first attempt
    schedule = RetrySchedule(delays=(5 * MINUTE, 10 * MINUTE), jitter=0)
    delivery = Delivery(1, "msg_1", "trial.started", "ep_1", DeliveryStatus.PENDING, 1, T0, T0)
    refused = AttemptResult(None, "", 3, error="ConnectError: refused")

    # when attempts 1, 2 and 3 fail
    first = delivery.after_attempt(refused, T0, schedule, 0.0)
    second = _again(first).after_attempt(AttemptResult(500, "oops", 8), T0, schedule, 0.0)
    third = _again(_again(second)).after_attempt(refused, T0, schedule, 0.0)

    # then it waits 5 m, then 10 m, then gives up
    assert first.next_attempt_at == T0 + 5 * MINUTE
    assert second.next_attempt_at == T0 + 10 * MINUTE
    assert third.status is DeliveryStatus.FAILED


def test_only_2xx_answers_deliver() -> None:
    schedule = RetrySchedule()
    delivery = Delivery(1, "msg_1", "trial.started", "ep_1", DeliveryStatus.PENDING, 1, T0, T0)
    assert delivery.after_attempt(AttemptResult(204, "", 1), T0, schedule, 0).status == "delivered"
    assert delivery.after_attempt(AttemptResult(302, "", 1), T0, schedule, 0).status == "pending"


def _again(delivery: Delivery) -> Delivery:
    """The delivery as the next claim hands it over: one more attempt started."""
    return Delivery(
        delivery.id,
        delivery.event_id,
        delivery.event_type,
        delivery.endpoint_id,
        delivery.status,
        delivery.attempts + 1,
        delivery.next_attempt_at,
        delivery.created_at,
    )
