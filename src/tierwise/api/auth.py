"""Authentication and authorisation of API requests: ``Authorization: Bearer <API key>``.

* no key, a malformed key, an unknown key, a wrong secret or a revoked key → **401**
  ``unauthenticated`` / ``invalid_api_key`` (the same answer for all of the last four);
* a key whose scope does not cover the route → **403** ``insufficient_scope``;
* a key over its rate → **429** ``rate_limited`` with ``Retry-After``;
* a key bound to one account (every publishable key) asking about another account → **404**, the
  very answer a missing record gets, so a key cannot learn which other accounts exist.

Verified keys are remembered for ``key_cache_seconds``, and so is the text that matched the
stored digest: a later request with that same text is compared with it in constant time instead
of computing the HMAC again, and any other text is checked against the digest. When a key is
read again, the text stays verified while the stored digest is the one it matched. A key
revoked elsewhere (``tierwise keys revoke``) stops working within that time on every server.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable

from tierwise.api.blocking import BlockingCalls
from tierwise.api.problems import ApiProblem
from tierwise.api.rate_limits import RateLimiter
from tierwise.errors import NotFound
from tierwise.services.api_keys import ApiKey, ApiKeys, Scope, parse_key

__all__ = [
    "CHECK_SCOPES",
    "Authenticator",
    "hidden_account",
    "hidden_subscription",
    "require_scope",
]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tierwise"'}

#: Who may check entitlements, besides ``admin``: ``read`` keys and publishable keys.
CHECK_SCOPES = (Scope.READ, Scope.PUBLISHABLE)


def _unauthenticated(code: str, detail: str) -> ApiProblem:
    return ApiProblem(401, code, detail, field="Authorization", headers=_CHALLENGE)


class Authenticator:
    """Turns the ``Authorization`` header into an active :class:`ApiKey`, within its rate."""

    def __init__(
        self,
        keys: ApiKeys,
        limiter: RateLimiter,
        *,
        default_rate: int,
        cache_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        blocking: BlockingCalls | None = None,
    ) -> None:
        """``blocking``: where a key is read when its cache time is up (default: in a thread;
        the served app reads on the loop from the embedded SQLite file)."""
        self._keys = keys
        self._limiter = limiter
        self._default_rate = default_rate
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._blocking = blocking or BlockingCalls(inline_reads=False)
        self._cache: dict[str, tuple[ApiKey | None, float]] = {}
        #: key id -> the key's whole text (UTF-8) that matched its digest, while cached
        self._verified: dict[str, bytes] = {}
        self._loading: dict[str, asyncio.Future[ApiKey | None]] = {}

    async def _stored(self, key_id: str) -> ApiKey | None:
        entry = self._cache.get(key_id)
        now = self._monotonic()
        if entry is not None and now - entry[1] < self._cache_seconds:
            return entry[0]
        loading = self._loading.get(key_id)
        if loading is None:  # one read per key at a time; concurrent requests wait for it
            loading = asyncio.ensure_future(self._fetch(key_id, now))
            self._loading[key_id] = loading
            loading.add_done_callback(lambda _done: self._loading.pop(key_id, None))
        return await asyncio.shield(loading)

    async def _fetch(self, key_id: str, now: float) -> ApiKey | None:
        key = await self._blocking.read(self._keys.get, key_id)
        if len(self._cache) > 100_000:
            self._cache.clear()
            self._verified.clear()
        before = self._cache.get(key_id)
        self._cache[key_id] = (key, now)
        if key is None or before is None or before[0] is None or before[0].digest != key.digest:
            self._verified.pop(key_id, None)  # a new digest: the text is checked against it
        return key

    def _matches(self, key: ApiKey, text: str) -> bool:
        """``text`` is ``key``'s secret: the text verified before, else the digest compared."""
        given = text.encode("utf-8")
        verified = self._verified.get(key.id)
        if verified is not None and hmac.compare_digest(verified, given):
            return True
        if not self._keys.matches(key, text):
            return False
        self._verified[key.id] = given
        return True

    async def authenticate(self, authorization: str | None) -> ApiKey:
        if not authorization:
            raise _unauthenticated(
                "unauthenticated", "send an API key: `Authorization: Bearer tw_…`"
            )
        scheme, _, text = authorization.partition(" ")
        text = text.strip()
        if scheme.lower() != "bearer" or not text:
            raise _unauthenticated(
                "unauthenticated", "use the Bearer scheme: `Authorization: Bearer tw_…`"
            )
        parsed = parse_key(text)
        key = None if parsed is None else await self._stored(parsed[1])
        if (
            parsed is None
            or key is None
            or key.scope is not parsed[0]
            or not self._matches(key, text)
            or not key.active
        ):
            raise _unauthenticated("invalid_api_key", "the API key is unknown or revoked")
        rate = self._default_rate if key.rate_limit is None else key.rate_limit
        wait = self._limiter.take(key.id, rate)
        if wait is not None:
            raise ApiProblem(
                429,
                "rate_limited",
                f"this API key may make {rate} requests per second; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        return key


def require_scope(key: ApiKey, *allowed: Scope) -> ApiKey:
    """``key`` if its scope is ``admin`` or one of ``allowed``; else 403."""
    if key.scope is Scope.ADMIN or key.scope in allowed:
        return key
    names = ", ".join(sorted({"admin", *(scope.value for scope in allowed)}))
    raise ApiProblem(
        403,
        "insufficient_scope",
        f"a {key.scope.value} key cannot do this; it needs one of: {names}",
        field="Authorization",
    )


def hidden_account(reference: str) -> NotFound:
    """The 404 of an account that does not exist — also given for another account's records."""
    return NotFound(f"account {reference!r} does not exist", field="account")


def hidden_subscription(subscription_id: str) -> NotFound:
    """The 404 of a subscription that does not exist — also for another account's."""
    return NotFound(f"subscription {subscription_id!r} does not exist", field="subscription_id")
