"""Subscriptions bought as a bundle, on real storage (SQLite and PostgreSQL).

The example catalog's agency studio bundle is Team + the automation pack + priority support at
15 % off every part. Team is 12 USD a seat a month under 2026.1 and 14 USD under 2026.7 (from
2026-07-01); the automation pack is 49 USD a month, priority support 99 USD a month.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.adapters.sql import tables as t
from tierwise.errors import InvalidInput
from tierwise.licensing.subscriptions import Subscription
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .consistency import assert_consistent

STUDIO = ("automation_pack", "priority_support")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _account(ledger: Ledger) -> str:
    return ledger.handle(
        c.CreateAccount(at=at("2026-03-10"), external_id="crm-1", name="Acme", currency="USD")
    ).subject_id


def _studio(ledger: Ledger, **fields: object) -> str:
    """Team × 5 monthly with both add-ons, bought as the agency studio from 2026-03-10."""
    return ledger.handle(
        c.CreateSubscription(
            at=at("2026-03-10"),
            account=_account(ledger),
            plan="team",
            seats=5,
            add_ons=STUDIO,
            bundle="agency_studio",
            **fields,  # type: ignore[arg-type]
        )
    ).subject_id


def _loaded(engine: Engine, sub_id: str) -> Subscription:
    with SqlUnitOfWork(engine) as uow:
        subscription = uow.subscriptions.get(sub_id)
    assert subscription is not None
    return subscription


def _stored_bundle(engine: Engine) -> str | None:
    with engine.connect() as db:
        value: str | None = db.execute(select(t.subscriptions.c.bundle)).scalar_one()
    return value


def test_a_subscription_bought_as_a_bundle_is_stored_with_it_and_pays_its_price(
    ledger: Ledger, engine: Engine
) -> None:
    # when Team × 5 + both add-ons are bought as the agency studio on 2026-03-10
    sub_id = _studio(ledger)

    # then the first month is 15 % off each part: 60.00 − 9.00 = 51.00, 49.00 − 7.35 = 41.65,
    # 99.00 − 14.85 = 84.15; due now 51.00 + 41.65 + 84.15 = 176.80
    created = ledger.history(sub_id)[0]
    assert created.quote is not None
    assert created.quote["due_now"] == "176.80"
    assert created.after["terms"]["bundle"] == "agency_studio"
    assert _stored_bundle(engine) == "agency_studio"
    assert _loaded(engine, sub_id).terms.bundle == "agency_studio"


def test_a_change_that_keeps_the_parts_keeps_the_bundle_discount(
    ledger: Ledger, engine: Engine
) -> None:
    # given the agency studio, Team × 5, from 2026-03-10
    sub_id = _studio(ledger)

    # when the seats go 5 -> 8 on 2026-03-25
    receipt = ledger.handle(
        c.ChangeSubscription(at=at("2026-03-25"), subscription_id=sub_id, seats=8)
    )

    # then the new month is 8 × 12.00 = 96.00 − 14.40 = 81.60, + 41.65 + 84.15 = 207.40
    # (bought one by one it would be 96.00 + 49.00 + 99.00 = 244.00)
    quote = receipt.data["quote"]
    assert quote["recurring"]["per_period"] == "207.40"
    assert quote["subscription_after"]["bundle"] == "agency_studio"
    change = ledger.history(sub_id, limit=1)[0]
    assert change.before is not None
    assert change.before["terms"]["bundle"] == change.after["terms"]["bundle"] == "agency_studio"
    assert _stored_bundle(engine) == "agency_studio"


def test_a_change_that_drops_a_part_ends_the_bundle(ledger: Ledger, engine: Engine) -> None:
    # given the agency studio, Team × 5, from 2026-03-10
    sub_id = _studio(ledger)

    # when priority support is removed on 2026-03-25 (same plan: at once)
    receipt = ledger.handle(
        c.ChangeSubscription(
            at=at("2026-03-25"), subscription_id=sub_id, remove=("priority_support",)
        )
    )

    # then the bundle ends with its discount: the new month is 60.00 + 49.00 = 109.00
    quote = receipt.data["quote"]
    assert quote["timing"] == "immediate"
    assert quote["recurring"]["per_period"] == "109.00"
    assert quote["subscription_after"]["bundle"] is None
    assert _stored_bundle(engine) is None
    assert _loaded(engine, sub_id).terms.bundle is None
    changed = ledger.history(sub_id, limit=1)[0]
    assert changed.before is not None
    assert changed.before["terms"]["bundle"] == "agency_studio"
    assert "bundle" not in changed.after["terms"]

    # and a later change is priced one by one: 8 × 12.00 + 49.00 = 145.00 a month
    later = ledger.handle(
        c.ChangeSubscription(at=at("2026-03-28"), subscription_id=sub_id, seats=8)
    )
    assert later.data["quote"]["recurring"]["per_period"] == "145.00"
    assert assert_consistent(engine) == len(ledger.history(sub_id, limit=100))


def test_a_change_to_a_bundle_adds_its_parts_and_stores_it(ledger: Ledger, engine: Engine) -> None:
    # given Team × 5 monthly bought one by one from 2026-03-10
    sub_id = ledger.handle(
        c.CreateSubscription(at=at("2026-03-10"), account=_account(ledger), plan="team", seats=5)
    ).subject_id

    # when the agency studio is bought on 2026-03-25
    receipt = ledger.handle(
        c.ChangeSubscription(at=at("2026-03-25"), subscription_id=sub_id, bundle="agency_studio")
    )

    # then both add-ons join and each part is 15 % off: 51.00 + 41.65 + 84.15 = 176.80 a month
    quote = receipt.data["quote"]
    assert quote["recurring"]["per_period"] == "176.80"
    terms = _loaded(engine, sub_id).terms
    assert (terms.plan, terms.add_ons, terms.bundle) == ("team", STUDIO, "agency_studio")
    assert _stored_bundle(engine) == "agency_studio"


def test_the_renewal_keeps_the_bundle_discount_under_the_new_prices(
    ledger: Ledger, engine: Engine
) -> None:
    # given the agency studio, Team × 5, from 2026-03-10 (term to 2027-03-10)
    sub_id = _studio(ledger)

    # when the term renews automatically at 2027-03-10, under 2026.7
    ledger.handle(c.Tick(at=at("2027-03-10T00:00:01")))

    # then the renewal month is 5 × 14.00 = 70.00 − 10.50 = 59.50, + 41.65 + 84.15 = 185.30
    # (one year: no loyalty; one by one it would be 70.00 + 49.00 + 99.00 = 218.00)
    renewal = next(e for e in ledger.history(sub_id) if e.transition == "renew")
    assert renewal.quote is not None
    assert renewal.quote["recurring"]["per_period"] == "185.30"
    assert renewal.after["terms"]["bundle"] == "agency_studio"
    assert _stored_bundle(engine) == "agency_studio"


def test_a_committed_renewal_is_priced_with_the_bundle(ledger: Ledger, engine: Engine) -> None:
    # given the agency studio, Team × 5, from 2026-03-10
    sub_id = _studio(ledger)

    # when a 2-year renewal is committed on 2026-11-20 (priced under 2026.7)
    receipt = ledger.handle(
        c.RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=2)
    )

    # then each part is 15 % off, 6 % off for the 2-year term and 5 % loyalty, all on the list
    # price: Team 70.00 − 10.50 − 4.20 − 3.50 = 51.80; pack 49.00 − 7.35 − 2.94 − 2.45 = 36.26;
    # support 99.00 − 14.85 − 5.94 − 4.95 = 73.26; a month 51.80 + 36.26 + 73.26 = 161.32
    quote = receipt.data["quote"]
    assert quote["recurring"]["per_period"] == "161.32"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bundle": "nope", "add_ons": STUDIO}, "unknown bundle 'nope'"),
        ({"bundle": "agency_studio", "add_ons": ("automation_pack",)}, "needs all its parts"),
        ({"bundle": "compliance_ready", "add_ons": STUDIO}, "needs all its parts"),
    ],
)
def test_a_bundle_whose_parts_are_not_the_terms_is_refused_naming_the_field(
    ledger: Ledger, engine: Engine, fields: dict[str, object], message: str
) -> None:
    account = _account(ledger)
    with pytest.raises(InvalidInput, match=message) as refused:
        ledger.handle(
            c.CreateSubscription(
                at=at("2026-03-10"),
                account=account,
                plan="team",
                seats=5,
                **fields,  # type: ignore[arg-type]
            )
        )
    assert refused.value.field == "bundle"
    with engine.connect() as db:
        assert db.execute(select(t.subscriptions.c.id)).first() is None
