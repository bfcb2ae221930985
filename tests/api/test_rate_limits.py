"""Per-key rate limits: a token bucket of twice the rate; 429 with Retry-After beyond it."""

from __future__ import annotations

from tests.api.conftest import Api
from tierwise.api.rate_limits import RateLimiter
from tierwise.services.api_keys import Scope


def test_a_key_over_its_rate_gets_429_with_retry_after(api: Api) -> None:
    # given a key limited to 1 request per second (so a burst of 2)
    token = api.new_key(Scope.READ, rate_limit=1)
    auth = {"Authorization": f"Bearer {token}"}

    # when it makes three requests at once
    answers = [api.client.get("/v1/accounts", headers=auth) for _ in range(3)]

    # then the third is refused, and another key is not affected
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].json()["code"] == "rate_limited"
    assert api.client.get("/v1/accounts", headers=api.headers("read")).status_code == 200


def test_the_bucket_refills_at_the_rate() -> None:
    # given a bucket of 10/s (capacity 20) on a hand-moved clock
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])

    # when 20 requests empty it, then a quarter second passes
    burst = [limiter.take("k", 10) for _ in range(20)]
    refused = limiter.take("k", 10)
    now[0] = 0.25  # 0.25 s × 10/s = 2.5 tokens
    refilled = [limiter.take("k", 10) for _ in range(3)]

    # then
    assert burst == [None] * 20
    assert refused == 1  # 1 token missing at 10/s: 0.1 s, rounded up to whole seconds
    assert refilled == [None, None, 1]


def test_a_rate_of_zero_means_no_limit() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    assert all(limiter.take("k", 0) is None for _ in range(10_000))
