"""The check cache refreshes an account's snapshot ahead of its expiry, without a check waiting,
and a change made elsewhere is seen within ``max_age``."""

from __future__ import annotations

import asyncio
import datetime as dt

from tests.api.conftest import Api
from tierwise.api.check_cache import CheckCache
from tierwise.api.runtime import ApiRuntime
from tierwise.services.commands import GrantEntitlement


def _remaining(cache: CheckCache, account_id: str, now: dt.datetime) -> int | None:
    """What one check of 1 more project (3 used) leaves, with every resolve landed after it."""

    async def check() -> int | None:
        decision = await cache.check(account_id, "projects", now, usage=3, requested=1)
        await cache.refreshed()
        return decision.remaining

    return asyncio.run(check())


def test_a_snapshot_is_refreshed_ahead_of_its_expiry(api: Api) -> None:
    # given A (Team: 50 projects) checked once through a 1 s cache on a hand-moved clock
    runtime: ApiRuntime = api.client.app.state.runtime  # type: ignore[attr-defined]
    seconds = [0.0]
    cache = CheckCache(runtime.ledger, runtime.records, max_age=1.0, monotonic=lambda: seconds[0])
    account_id = api.ids["acc_a"]
    now = api.clock()
    first = _remaining(cache, account_id, now)

    # when 5 more projects are granted elsewhere (the cache is not told), and A is checked
    # at 0.4 s, at 0.6 s (past half the age: a refresh starts), and at 0.7 s
    runtime.ledger.handle(
        GrantEntitlement(
            at=now,
            subscription_id=api.ids["sub_a"],
            reason="launch push",
            feature="projects",
            value=5,
            starts=now - dt.timedelta(days=1),
            ends=now + dt.timedelta(days=30),
        )
    )
    seconds[0] = 0.4
    young = _remaining(cache, account_id, now)
    seconds[0] = 0.6
    refreshing = _remaining(cache, account_id, now)
    seconds[0] = 0.7
    refreshed = _remaining(cache, account_id, now)

    # then 50 - 3 = 47 left until the refresh has landed, 55 - 3 = 52 after it — before the
    # first snapshot's 1 s were over
    assert first == young == refreshing == 47
    assert refreshed == 52


def test_a_snapshot_past_its_age_is_never_used(api: Api) -> None:
    # given A checked once through a 1 s cache, then granted 5 projects elsewhere
    runtime: ApiRuntime = api.client.app.state.runtime  # type: ignore[attr-defined]
    seconds = [0.0]
    cache = CheckCache(runtime.ledger, runtime.records, max_age=1.0, monotonic=lambda: seconds[0])
    account_id = api.ids["acc_a"]
    now = api.clock()
    first = _remaining(cache, account_id, now)
    runtime.ledger.handle(
        GrantEntitlement(
            at=now,
            subscription_id=api.ids["sub_a"],
            reason="launch push",
            feature="projects",
            value=5,
            starts=now - dt.timedelta(days=1),
            ends=now + dt.timedelta(days=30),
        )
    )

    # when the next check comes 1 s later (no check in between started a refresh)
    seconds[0] = 1.0
    later = _remaining(cache, account_id, now)

    # then it waited for a fresh snapshot: 55 - 3 = 52
    assert (first, later) == (47, 52)


def test_only_a_check_that_went_through_the_ledger_is_reported_as_a_signal(api: Api) -> None:
    # given a cache that reports signals (A is on Team: 50 projects, no SSO)
    runtime: ApiRuntime = api.client.app.state.runtime  # type: ignore[attr-defined]
    signalled: list[str] = []
    cache = CheckCache(runtime.ledger, runtime.records, on_signal=signalled.append)
    account_id = api.ids["acc_a"]
    now = api.clock()

    async def checks() -> tuple[bool, bool]:
        # when one plainly allowed check (3 of 50 projects, from the snapshot) and one denied
        # check (SSO: the ledger answers and records the paywall hit) are made
        allowed = await cache.check(account_id, "projects", now, usage=3, requested=1)
        quiet = list(signalled)
        denied = await cache.check(account_id, "sso", now, usage=0, requested=1)
        await cache.refreshed()
        return allowed.allowed and not quiet, denied.allowed

    plain_and_quiet, sso_allowed = asyncio.run(checks())

    # then only the denial was reported, once, with the account's id
    assert plain_and_quiet
    assert sso_allowed is False
    assert signalled == [account_id]
