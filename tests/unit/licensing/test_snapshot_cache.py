"""The snapshot cache: LRU by account, stale on a new version or a passed boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from tierwise.errors import InvalidInput
from tierwise.licensing.entitlements import (
    EntitlementSnapshot,
    EntitlementSources,
    Grant,
    resolve_entitlements,
)
from tierwise.licensing.snapshot_cache import SnapshotCache

from .entitlement_catalogs import NOW, small_catalog

DAY = dt.timedelta(days=1)


def snapshot_of(version: int, grants: tuple[Grant, ...] = ()) -> EntitlementSnapshot:
    sources = EntitlementSources(
        catalog=small_catalog(), plan="starter", version=version, grants=grants
    )
    return resolve_entitlements(sources, NOW)


def test_a_cached_snapshot_of_the_same_version_is_returned() -> None:
    # given
    cache = SnapshotCache()
    snapshot = snapshot_of(3)
    cache.put("acc_1", snapshot)
    # when / then
    assert cache.get("acc_1", 3) is snapshot
    assert cache.get("acc_2", 3) is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_new_subscription_version_makes_the_entry_stale_and_drops_it() -> None:
    # given
    cache = SnapshotCache()
    cache.put("acc_1", snapshot_of(3))
    # when
    stale = cache.get("acc_1", 4)
    # then
    assert stale is None
    assert len(cache) == 0


def test_a_passed_grant_boundary_makes_the_entry_stale() -> None:
    # given: a grant that ends tomorrow
    grant = Grant("projects", 10, NOW - DAY, NOW + DAY, "onboarding")
    cache = SnapshotCache()
    cache.put("acc_1", snapshot_of(1, (grant,)))
    # when / then
    assert cache.get("acc_1", 1, NOW + DAY - dt.timedelta(seconds=1)) is not None
    assert cache.get("acc_1", 1, NOW + DAY) is None


def test_the_least_recently_used_account_is_evicted_first() -> None:
    # given
    cache = SnapshotCache(capacity=2)
    cache.put("a", snapshot_of(1))
    cache.put("b", snapshot_of(1))
    assert cache.get("a", 1) is not None  # "a" is now the most recently used
    # when
    cache.put("c", snapshot_of(1))
    # then
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) is not None
    assert cache.get("c", 1) is not None


def test_invalidate_forgets_an_account() -> None:
    # given
    cache = SnapshotCache()
    cache.put("a", snapshot_of(1))
    # when
    cache.invalidate("a")
    cache.invalidate("never-cached")
    # then
    assert cache.get("a", 1) is None


def test_a_cache_holds_at_least_one_account() -> None:
    with pytest.raises(InvalidInput):
        SnapshotCache(capacity=0)
