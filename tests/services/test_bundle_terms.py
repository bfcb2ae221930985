"""A subscription's bundle in its terms: kept through JSON, renewed only while the catalog still
sells it whole, ended with the discount when the parts renew one by one."""

from __future__ import annotations

import pytest

from tierwise.catalog.model import BillingInterval
from tierwise.catalog.versions import Catalog
from tierwise.errors import InvalidInput
from tierwise.licensing.terms import Terms
from tierwise.services.quoting import renewal_bundle

STUDIO = Terms(
    "team",
    BillingInterval.MONTH,
    5,
    ("priority_support", "automation_pack"),
    bundle="agency_studio",
)


def test_terms_keep_their_bundle_through_json_and_omit_it_without_one() -> None:
    assert Terms.from_dict(STUDIO.as_dict()) == STUDIO
    assert STUDIO.as_dict()["bundle"] == "agency_studio"
    assert "bundle" not in STUDIO.without_bundle().as_dict()
    assert STUDIO.with_changes(seats=8).bundle == "agency_studio"


def test_an_empty_bundle_name_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        Terms("team", BillingInterval.MONTH, 5, bundle=" ")
    assert refused.value.field == "bundle"


def test_a_renewal_keeps_the_bundle_only_while_the_version_sells_it_whole(
    catalog: Catalog,
) -> None:
    version = catalog.version("2026.7")
    assert renewal_bundle(version, STUDIO) == "agency_studio"
    assert renewal_bundle(version, STUDIO.without_bundle()) is None
    # a version without the bundle, or terms that lost a part, renew one by one
    assert renewal_bundle(version.model_copy(update={"bundles": {}}), STUDIO) is None
    assert renewal_bundle(version, STUDIO.with_changes(add_ons=("automation_pack",))) is None
    assert renewal_bundle(version, STUDIO.with_changes(plan="business")) is None
