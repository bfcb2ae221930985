"""Grants and overrides on real storage (SQLite and PostgreSQL): ids, ending, withdrawing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from tierwise.errors import NotFound, TransitionNotAllowed
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .consistency import assert_consistent


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_ending_a_running_grant_closes_it_and_a_future_override_is_withdrawn(
    ledger: Ledger, engine: Engine
) -> None:
    # given Team × 5 (projects 50) with a running grant of +10 and an override to 5 from May
    account = ledger.handle(
        c.CreateAccount(at=at("2026-03-10"), external_id="crm-1", name="Acme", currency="USD")
    ).subject_id
    sub = ledger.handle(
        c.CreateSubscription(at=at("2026-03-10"), account=account, plan="team", seats=5)
    ).subject_id
    grant = ledger.handle(
        c.GrantEntitlement(
            at=at("2026-03-11"),
            subscription_id=sub,
            feature="projects",
            value=10,
            starts=at("2026-03-11"),
            ends=at("2026-04-11"),
            reason="migration help",
        )
    ).data["grant"]
    later = ledger.handle(
        c.OverrideEntitlement(
            at=at("2026-03-11"),
            subscription_id=sub,
            feature="projects",
            value=5,
            starts=at("2026-05-01"),
            reason="fair use",
        )
    ).data["override"]
    assert ledger.entitlements(account, at("2026-03-20")).entitlements["projects"].value == 60

    # when both are ended on 2026-03-25
    ledger.handle(c.EndEntitlement(at=at("2026-03-25"), subscription_id=sub, entry_id=grant["id"]))
    ledger.handle(c.EndEntitlement(at=at("2026-03-25"), subscription_id=sub, entry_id=later["id"]))

    # then the grant ends that moment (kept, with its new end) and the override is gone
    listed = ledger.grants(account, at("2026-03-26"), ended=True)
    assert [(e["id"], e["ends"], e["status"]) for e in listed] == [
        (grant["id"], "2026-03-25T00:00:00+00:00", "ended")
    ]
    assert ledger.entitlements(account, at("2026-03-26")).entitlements["projects"].value == 50
    assert ledger.entitlements(account, at("2026-05-02")).entitlements["projects"].value == 50
    assert [e.transition for e in ledger.history(sub)][:2] == ["override.end", "grant.end"]
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(
            c.EndEntitlement(at=at("2026-03-26"), subscription_id=sub, entry_id=grant["id"])
        )
    with pytest.raises(NotFound):
        ledger.handle(
            c.EndEntitlement(at=at("2026-03-26"), subscription_id=sub, entry_id=later["id"])
        )
    assert assert_consistent(engine) == len(ledger.history(sub, limit=100))
