"""What the API's routes work with, built once per app by :func:`build_runtime` (via bootstrap)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Engine

from tierwise import bootstrap
from tierwise.adapters.crypto import SigningKey
from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.api.auth import Authenticator
from tierwise.api.blocking import BlockingCalls
from tierwise.api.check_cache import CheckCache
from tierwise.api.offer_desk import OfferDesk
from tierwise.api.rate_limits import RateLimiter
from tierwise.api.records import Records
from tierwise.config import Settings
from tierwise.services.api_keys import ApiKeys
from tierwise.services.decisions import Decisions
from tierwise.services.ledger import Ledger
from tierwise.services.ports import UnitOfWork

__all__ = ["ApiOptions", "ApiRuntime", "build_runtime", "freeze_heap", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """Tuning of one API process (tests shorten the windows).

    ``key_cache_seconds``: how long a verified key is remembered (a revocation made elsewhere is
    seen within it); ``snapshot_max_age``: how long a resolved entitlement snapshot answers plain
    "allowed" checks before it is resolved again; ``clock``: the time of each request;
    ``freeze_heap``: :func:`freeze_heap` after start-up and after the offers' decisions service
    is built (the served app, :func:`~tierwise.api.app.create_app` without options, turns it on;
    a test process that builds many apps leaves its heap alone).
    """

    key_cache_seconds: float = 2.0
    snapshot_max_age: float = 1.0
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    freeze_heap: bool = False


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
    blocking: BlockingCalls


def freeze_heap() -> None:
    """Collect, then move every object alive now into the cycle collector's permanent
    generation (``gc.freeze``), so later full collections do not walk it again.

    A server process holds a few hundred thousand long-lived objects (the app, its schemas, the
    catalog, the decision rules and the analytics modules they import); a full collection walked
    them all, 60–140 ms of CPU during which every request waited. Called once the app has
    started and once the in-app offers' decisions service is built; objects made later are
    collected as usual.
    """
    gc.collect()
    gc.freeze()


def build_runtime(settings: Settings, options: ApiOptions) -> ApiRuntime:
    """Engine (migrated on first use for the embedded default), ledger, keys and caches."""
    engine = bootstrap.ledger_engine(settings)
    catalog = bootstrap.load_catalog(None, settings)
    ledger = bootstrap.build_ledger(catalog, settings=settings, engine=engine)

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    records = Records(unit_of_work)
    keys = bootstrap.build_api_keys(settings, engine=engine)
    # the hot paths' short reads run on the event loop from the embedded file (api/blocking.py)
    blocking = BlockingCalls(inline_reads=engine.dialect.name == "sqlite")
    authenticator = Authenticator(
        keys,
        RateLimiter(),
        default_rate=settings.api_rate_limit,
        cache_seconds=options.key_cache_seconds,
        blocking=blocking,
    )

    def decisions() -> Decisions:
        built = bootstrap.build_decisions(catalog, settings, engine=engine)
        if options.freeze_heap:  # the rules and the modules the build imported stay for good
            freeze_heap()
        return built

    offers = OfferDesk(decisions, clock=options.clock, blocking=blocking)

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
        blocking=blocking,
    )
