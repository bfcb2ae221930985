"""Grants and overrides on the in-memory store: ids, ending and withdrawing, committed by id."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tierwise.errors import InvalidInput, NotFound
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .conftest import at

Open = Callable[..., str]


def test_entries_get_ids_and_end_or_withdraw_by_id(ledger: Ledger, open_subscription: Open) -> None:
    # given Team × 5 (projects 50, sso off) with two grants and a future override
    sub = open_subscription("team", seats=5)
    account = ledger.history(sub)[0].account_id

    def grant(feature: str, value: int | bool) -> int:
        receipt = ledger.handle(
            c.GrantEntitlement(
                at=at("2026-03-11"),
                subscription_id=sub,
                feature=feature,
                value=value,
                starts=at("2026-03-11"),
                ends=at("2026-04-11"),
                reason="pilot",
            )
        )
        return int(receipt.data["grant"]["id"])

    projects, sso = grant("projects", 10), grant("sso", True)
    later = ledger.handle(
        c.OverrideEntitlement(
            at=at("2026-03-11"),
            subscription_id=sub,
            feature="projects",
            value=5,
            starts=at("2026-06-01"),
            reason="fair use",
        )
    ).data["override"]["id"]
    assert len({projects, sso, later}) == 3

    # when the projects grant ends and the override is withdrawn on 2026-03-20
    ledger.handle(c.EndEntitlement(at=at("2026-03-20"), subscription_id=sub, entry_id=projects))
    ledger.handle(c.EndEntitlement(at=at("2026-03-20"), subscription_id=sub, entry_id=later))

    # then only the sso grant still counts; the ended grant is kept with its new end
    values = ledger.entitlements(account, at("2026-06-02")).entitlements
    assert values["projects"].value == 50
    now = ledger.entitlements(account, at("2026-03-21")).entitlements
    assert (now["projects"].value, now["sso"].value) == (50, True)
    listed = ledger.grants(account, at("2026-03-21"), ended=True)
    assert [(e["id"], e["status"]) for e in listed] == [(projects, "ended"), (sso, "active")]
    with pytest.raises(NotFound):
        ledger.handle(c.EndEntitlement(at=at("2026-03-22"), subscription_id=sub, entry_id=later))


def test_a_value_the_feature_does_not_take_is_refused(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    sub = open_subscription("team", seats=5)

    # when / then: sso is a boolean feature; a number would break every later resolution
    with pytest.raises(InvalidInput) as refused:
        ledger.handle(
            c.OverrideEntitlement(
                at=at("2026-03-11"), subscription_id=sub, feature="sso", value=3, reason="x"
            )
        )
    assert refused.value.field == "value"
    assert [e.transition for e in ledger.history(sub)] == ["create"]
