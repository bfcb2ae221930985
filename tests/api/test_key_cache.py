"""The authenticator's cache: a verified key text is remembered, nothing else gets in with it."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.conftest import Api
from tierwise.api.auth import Authenticator
from tierwise.api.problems import ApiProblem
from tierwise.api.rate_limits import RateLimiter
from tierwise.services.api_keys import ApiKey, Scope


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


def test_a_key_read_again_unchanged_keeps_its_verified_text_and_refuses_others(api: Api) -> None:
    # given a key verified through an authenticator with a hand-moved clock and a 2 s cache,
    # and every digest comparison counted
    now = [0.0]
    authenticator = Authenticator(
        api.keys, RateLimiter(), default_rate=0, cache_seconds=2, monotonic=lambda: now[0]
    )
    text = api.new_key(Scope.READ)
    compared: list[str] = []
    matches = api.keys.matches

    def counted(key: ApiKey, text: str) -> bool:
        compared.append(text)
        return matches(key, text)

    api.keys.matches = counted  # type: ignore[method-assign]
    try:
        first = _code(authenticator, text)
        # when its cache time is up twice (the key read again, unchanged), the same text comes
        # each time, and then another text with the same id
        now[0] = 2.5
        second = _code(authenticator, text)
        now[0] = 5.0
        third = _code(authenticator, text)
        forged = _code(authenticator, text[:-1] + ("a" if text[-1] != "a" else "b"))
    finally:
        del api.keys.matches
    # then the digest was computed for the first text and the forged one only
    assert (first, second, third, forged) == ("ok", "ok", "ok", "invalid_api_key")
    assert len(compared) == 2


@pytest.mark.parametrize("header", ["", "Basic abc", "Bearer ", "Bearer tw_read_short"])
def test_malformed_headers_are_refused(api: Api, header: str) -> None:
    authenticator = Authenticator(api.keys, RateLimiter(), default_rate=0, cache_seconds=60)
    with pytest.raises(ApiProblem) as refused:
        asyncio.run(authenticator.authenticate(header))
    assert refused.value.status == 401
