"""Gauges: the current value of a limit feature for one account (projects in use, guests invited).

A limit feature ("up to 10 projects") is checked against how much the account uses *now*, which
the product knows and tierwise does not count from events. The product reports it with
``PUT /v1/accounts/{id}/gauges/{feature}``; the value replaces the previous one (last write
wins, as a gauge reading does), and entitlement checks and signals can read it back.

Only features the catalog declares as ``limit`` take a gauge: a metered feature is counted from
its events, and a boolean feature has no quantity.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from tierwise.catalog.model import FeatureKind
from tierwise.catalog.versions import Catalog
from tierwise.errors import InvalidInput

__all__ = ["MAX_GAUGE", "Gauge", "GaugeRepository", "Gauges"]

#: The largest value a gauge takes (the entitlement checks' own bound).
MAX_GAUGE = 10**15


@dataclass(frozen=True, slots=True)
class Gauge:
    """``feature`` of ``account_id`` stood at ``value`` when it was last set, at ``updated_at``."""

    account_id: str
    feature: str
    value: int
    updated_at: dt.datetime


class GaugeRepository(abc.ABC):
    """Where gauges are kept. Each call is its own transaction."""

    @abc.abstractmethod
    def put(self, gauge: Gauge) -> None:
        """Store ``gauge``, replacing the account's previous value of the feature."""

    @abc.abstractmethod
    def get(self, account_id: str, feature: str) -> Gauge | None: ...

    @abc.abstractmethod
    def for_account(self, account_id: str) -> list[Gauge]:
        """The account's gauges, by feature key."""


class Gauges:
    """Sets and reads gauges, refusing features that are not ``limit`` features of the catalog."""

    def __init__(self, repository: GaugeRepository, catalog: Callable[[], Catalog]) -> None:
        self._repository = repository
        self._catalog = catalog

    def set(self, account_id: str, feature: str, value: int, at: dt.datetime) -> Gauge:
        """Record that the account's ``feature`` now stands at ``value`` (an account id)."""
        self.require_limit_feature(feature)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GAUGE:
            raise InvalidInput(f"value must be an integer from 0 to {MAX_GAUGE}", field="value")
        gauge = Gauge(account_id=account_id, feature=feature, value=value, updated_at=at)
        self._repository.put(gauge)
        return gauge

    def get(self, account_id: str, feature: str) -> Gauge | None:
        self.require_limit_feature(feature)
        return self._repository.get(account_id, feature)

    def for_account(self, account_id: str) -> list[Gauge]:
        return self._repository.for_account(account_id)

    def require_limit_feature(self, feature: str) -> None:
        """Refuse (naming ``feature``) a key the catalog does not declare as a limit feature.

        Features do not change between catalog versions (only prices do), so the latest version
        decides.
        """
        features = self._catalog().latest.features
        known = features.get(feature)
        if known is None:
            raise InvalidInput(f"the catalog has no feature {feature!r}", field="feature")
        if known.kind is not FeatureKind.LIMIT:
            limits = ", ".join(k for k, f in features.items() if f.kind is FeatureKind.LIMIT)
            raise InvalidInput(
                f"{feature!r} is a {known.kind.value} feature; gauges are set on limit features "
                f"only ({limits or 'none in this catalog'})",
                field="feature",
            )
