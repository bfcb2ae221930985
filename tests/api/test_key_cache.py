"""The authenticator's cache: a verified key text is remembered, nothing else gets in with it."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.conftest import Api
from tierwise.api.auth import Authenticator
from tierwise.api.problems import ApiProblem
from tierwise.api.rate_limits import RateLimiter
from tierwise.services.api_keys import ApiKey, ApiKeys, Scope


def _code(authenticator: Authenticator, text: str) -> str:
    """``ok`` or the problem code ``authenticate`` raises for ``Bearer text``."""
    try:
        asyncio.run(authenticator.authenticate(f"Bearer {text}"))
    except ApiProblem as problem:
        return problem.code
    return "ok"


def test_a_verified_key_text_does_not_let_another_text_in(api: Api) -> None:
    # given an authenticator caching keys for a minute, and a key verified once
    authenticator = Authenticator(api.keys, RateLimiter(), default_rate=0, cache_seconds=60)
    text = api.new_key(Scope.READ)
    first = _code(authenticator, text)

    # when the same text comes again, then the same id with another secret (last letter
    # changed), then the same id with a non-ASCII secret of the same length
    again = _code(authenticator, text)
    forged = text[:-1] + ("a" if text[-1] != "a" else "b")
    other = _code(authenticator, forged)
    accented = _code(authenticator, text[:-1] + "é")

    # then only the real text is accepted
    assert (first, again) == ("ok", "ok")
    assert other == accented == "invalid_api_key"


def test_a_revoked_key_stops_working_when_its_cache_entry_expires(api: Api) -> None:
    # given a key verified through an authenticator with a hand-moved clock and a 2 s cache
    now = [0.0]
    authenticator = Authenticator(
        api.keys, RateLimiter(), default_rate=0, cache_seconds=2, monotonic=lambda: now[0]
    )
    issued = api.keys.create(Scope.READ, at=api.clock())
    assert _code(authenticator, issued.secret) == "ok"

    # when it is revoked elsewhere, used within the 2 s, then after them
    api.keys.revoke(issued.key.id, api.clock())
    now[0] = 1.0
    within = _code(authenticator, issued.secret)
    now[0] = 2.5
    after = _code(authenticator, issued.secret)

    # then the cache answers until it expires, and the revocation counts from then on
    assert within == "ok"
    assert after == "invalid_api_key"


@pytest.mark.parametrize("header", ["", "Basic abc", "Bearer ", "Bearer tw_read_short"])
def test_malformed_headers_are_refused(api: Api, header: str) -> None:
    authenticator = Authenticator(api.keys, RateLimiter(), default_rate=0, cache_seconds=60)
    with pytest.raises(ApiProblem) as refused:
        asyncio.run(authenticator.authenticate(header))
    assert refused.value.status == 401


class _CountingKeys(ApiKeys):
    """The real key service, counting the stored-key reads the authenticator makes."""

    def __init__(self, keys: ApiKeys) -> None:
        self.__dict__.update(keys.__dict__)
        self.reads = 0

    def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return super().get(key_id)


def test_a_key_used_in_the_second_half_of_its_time_is_refreshed_ahead(api: Api) -> None:
    # given a key verified at t=0 through a 2 s cache, then revoked elsewhere
    now = [0.0]
    keys = _CountingKeys(api.keys)
    authenticator = Authenticator(
        keys, RateLimiter(), default_rate=0, cache_seconds=2, monotonic=lambda: now[0]
    )
    issued = api.keys.create(Scope.READ, at=api.clock())

    async def scenario() -> list[str]:
        async def code() -> str:
            try:
                await authenticator.authenticate(f"Bearer {issued.secret}")
            except ApiProblem as problem:
                return problem.code
            return "ok"

        seen = [await code()]  # t=0: read and verified
        api.keys.revoke(issued.key.id, api.clock())
        now[0] = 0.9  # the first half: the remembered key answers, nothing is read
        seen.append(await code())
        now[0] = 1.2  # the second half: the remembered key answers, a read starts behind it
        seen.append(await code())
        while authenticator._loading:  # the refresh lands
            await asyncio.sleep(0.01)
        now[0] = 1.3  # before the first read's 2 s are over, the refreshed entry answers
        seen.append(await code())
        return seen

    # when
    seen = asyncio.run(scenario())

    # then the revocation is seen 0.7 s before the first entry would have expired, and the
    # only reads were the first one and the refresh
    assert seen == ["ok", "ok", "ok", "invalid_api_key"]
    assert keys.reads == 2


def test_a_key_in_steady_use_is_read_only_in_the_background(api: Api) -> None:
    # given a 2 s cache and a key used every 0.25 s for 10 s (41 requests)
    now = [0.0]
    keys = _CountingKeys(api.keys)
    authenticator = Authenticator(
        keys, RateLimiter(), default_rate=0, cache_seconds=2, monotonic=lambda: now[0]
    )
    text = api.new_key(Scope.READ)

    async def scenario() -> list[int]:
        waited = []
        for step in range(41):
            now[0] = step * 0.25
            before = keys.reads
            await authenticator.authenticate(f"Bearer {text}")
            # a refresh ahead has not even started when the request is answered: a read
            # counted here is one the request waited for
            waited.append(keys.reads - before)
            while authenticator._loading:  # let a refresh started by the request land
                await asyncio.sleep(0.001)
        return waited

    # when
    waited = asyncio.run(scenario())

    # then only the first request waited for a read; every entry was refreshed at the first
    # use in its second half (an entry read at t is refreshed at t + 1: t = 1.0, 2.0, … 10.0),
    # so the key was read 1 + 10 times and never expired
    assert waited == [1] + [0] * 40
    assert keys.reads == 11
