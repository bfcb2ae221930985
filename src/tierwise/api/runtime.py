"""What the API's routes work with, built once per app by :func:`build_runtime` (via bootstrap)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Engine

from tierwise import bootstrap
from tierwise.adapters.crypto import SigningKey
from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.api.auth import Authenticator
from tierwise.api.check_cache import CheckCache
from tierwise.api.offer_desk import OfferDesk
from tierwise.api.rate_limits import RateLimiter
from tierwise.api.records import Records
from tierwise.config import Settings
from tierwise.services.api_keys import ApiKeys
from tierwise.services.ledger import Ledger
from tierwise.services.ports import UnitOfWork

__all__ = ["ApiOptions", "ApiRuntime", "build_runtime", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """Tuning of one API process (tests shorten the windows).

    ``key_cache_seconds``: how long a verified key is remembered (a revocation made elsewhere is
    seen within it); ``snapshot_max_age``: how long a resolved entitlement snapshot answers plain
    "allowed" checks before it is resolved again; ``clock``: the time of each request.
    """

    key_cache_seconds: float = 2.0
    snapshot_max_age: float = 1.0
    clock: Callable[[], dt.datetime] = field(default=utc_now)


@dataclass(slots=True)
class ApiRuntime:
    settings: Settings
    engine: Engine
    ledger: Ledger
    records: Records
    keys: ApiKeys
    authenticator: Authenticator
    checks: CheckCache
    offers: OfferDesk
    clock: Callable[[], dt.datetime]
    signing_key: Callable[[], SigningKey]


def build_runtime(settings: Settings, options: ApiOptions) -> ApiRuntime:
    """Engine (migrated on first use for the embedded default), ledger, keys and caches."""
    engine = bootstrap.ledger_engine(settings)
    catalog = bootstrap.load_catalog(None, settings)
    ledger = bootstrap.build_ledger(catalog, settings=settings, engine=engine)

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    records = Records(unit_of_work)
    keys = bootstrap.build_api_keys(settings, engine=engine)
    authenticator = Authenticator(
        keys,
        RateLimiter(),
        default_rate=settings.api_rate_limit,
        cache_seconds=options.key_cache_seconds,
    )

    offers = OfferDesk(
        lambda: bootstrap.build_decisions(catalog, settings, engine=engine), clock=options.clock
    )

    @cache
    def signing_key() -> SigningKey:  # made or read on the first license issued, not at start
        return bootstrap.license_signing_key(settings)

    return ApiRuntime(
        settings=settings,
        engine=engine,
        ledger=ledger,
        records=records,
        keys=keys,
        authenticator=authenticator,
        # a paywall hit recorded by a check re-evaluates the account's offers on the write path
        checks=CheckCache(
            ledger, records, max_age=options.snapshot_max_age, on_signal=offers.signalled
        ),
        offers=offers,
        clock=options.clock,
        signing_key=signing_key,
    )
