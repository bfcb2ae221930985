"""Renewals are priced: the new term's quote (loyalty, term, prepay), the price lock to term end.

The example catalog sells Team at 12 USD a seat a month (yearly 120) under version 2026.1 and at
14 USD (yearly 140) under 2026.7, effective 2026-07-01. Discounts: 6 % for a 2-year term, 10 %
for 3 years, 5 % loyalty for a renewal of 2 years or more; approval above 20 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tierwise.catalog.model import BillingInterval
from tierwise.errors import InvalidInput, TransitionNotAllowed
from tierwise.services.commands import (
    CancelSubscription,
    ChangeSubscription,
    RenewSubscription,
    Tick,
)
from tierwise.services.ledger import Ledger

from .conftest import at

Open = Callable[..., str]


def subscription(ledger: Ledger, sub_id: str) -> dict[str, Any]:
    return ledger.history(sub_id, limit=1)[0].after


def policies(quote: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d["policy"], d["percent"], d["amount"]) for d in quote["discounts"]]


def test_renewing_in_force_commits_the_next_term_at_the_current_catalog_price(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 monthly from 2026-03-10 under 2026.1, term to 2027-03-10
    sub_id = open_subscription("team", seats=5)

    # when renewed for 2 years on 2026-11-20
    receipt = ledger.handle(
        RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=2)
    )

    # then the next term 2027-03-10 .. 2029-03-10 is priced under 2026.7 (in effect that day):
    # 5 × 14.00 = 70.00 a month; 6 % term = 4.20, 5 % loyalty = 3.50; 70.00 − 7.70 = 62.30
    quote = receipt.data["quote"]
    assert receipt.command == "renew.schedule"
    assert (quote["timing"], quote["effective_at"]) == ("end_of_term", "2027-03-10T00:00:00+00:00")
    assert (quote["due_now"], quote["lines"]) == ("0.00", [])
    assert quote["recurring"]["before_discounts"] == "70.00"
    assert quote["recurring"]["per_period"] == "62.30"
    assert policies(quote) == [("term_years", "6", "4.20"), ("loyalty", "5", "3.50")]
    assert (quote["combined_discount_percent"], quote["needs_approval"]) == ("11", False)
    # each contract year: 12 × 62.30 = 747.60
    assert [(y["start"], y["amount"]) for y in quote["price_path"]] == [
        ("2027-03-10", "747.60"),
        ("2028-03-10", "747.60"),
    ]
    assert quote["catalog_version"] == "2026.7"
    assert quote["renewal"] == {
        "term_start": "2027-03-10",
        "term_end": "2029-03-10",
        "term_years": 2,
        "previous_catalog_version": "2026.1",
        "price_change": True,
    }
    # and the current term keeps its lock and its dates until it ends
    now = subscription(ledger, sub_id)
    assert (now["term_end"], now["catalog_version"], now["terms"]["term_years"]) == (
        "2027-03-10",
        "2026.1",
        1,
    )
    assert now["renewal"]["term_years"] == 2
    entry = ledger.history(sub_id, limit=1)[0]
    assert (entry.transition, entry.quote) == ("renew.schedule", quote)


def test_the_price_lock_holds_to_term_end_and_the_renewed_term_prices_later_changes(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given a 2-year renewal committed for Team × 5 (monthly, term to 2027-03-10)
    sub_id = open_subscription("team", seats=5)
    ledger.handle(RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=2))

    # when a seat is added before the term ends (period 2026-12-10 .. 2027-01-10)
    seat = ledger.handle(
        ChangeSubscription(at=at("2026-12-10"), subscription_id=sub_id, seats=6)
    ).data["quote"]

    # then it is priced under the lock, 2026.1: −60.00 for 5 seats, +72.00 for 6, whole period
    assert [line["amount"] for line in seat["lines"]] == ["-60.00", "72.00"]
    assert (seat["due_now"], seat["catalog_version"]) == ("12.00", "2026.1")

    # when the term ends
    ledger.handle(Tick(at=at("2027-03-10T00:00:01")))

    # then the committed renewal starts, priced for the terms as they are then (6 seats):
    # 6 × 14.00 = 84.00; 6 % = 5.04, 5 % = 4.20; 84.00 − 9.24 = 74.76 a month
    renewal = next(e for e in ledger.history(sub_id) if e.transition == "renew")
    assert renewal.actor == "tierwise:tick"
    assert renewal.quote is not None
    assert renewal.quote["recurring"]["per_period"] == "74.76"
    assert renewal.after["catalog_version"] == "2026.7"
    assert (renewal.after["term_start"], renewal.after["term_end"]) == ("2027-03-10", "2029-03-10")
    assert (renewal.after["terms"]["term_years"], renewal.after["renewals"]) == (2, 1)
    assert renewal.after["renewal"] is None

    # and a change in the renewed term is priced under 2026.7 with the loyalty discount:
    # 7 seats = 98.00 − 5.88 − 4.90 = 87.22; whole period 2027-03-10 .. 04-10: 87.22 − 74.76
    more = ledger.handle(
        ChangeSubscription(at=at("2027-03-10T12:00"), subscription_id=sub_id, seats=7)
    ).data["quote"]
    assert [line["amount"] for line in more["lines"]] == ["-74.76", "87.22"]
    assert more["due_now"] == "12.46"
    assert ("loyalty", "5", "4.90") in policies(more)


def test_automatic_renewal_is_priced_under_the_catalog_in_effect_at_term_end(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 billed yearly, a 2-year term from 2026-03-10 (under 2026.1), auto-renewing
    sub_id = open_subscription(
        "team", seats=5, interval=BillingInterval.YEAR, term_years=2, when="2026-03-10"
    )

    # when tick passes the term end 2028-03-10
    ledger.handle(Tick(at=at("2028-03-10T00:00:01")))

    # then the new 2-year term is priced under 2026.7 as a renewal: 12 × 14 × 5 = 840.00 before
    # discounts; yearly price 5 × 140 = 700.00 (prepay saving 140.00); 6 % of 700 = 42.00,
    # 5 % loyalty = 35.00; 700.00 − 77.00 = 623.00 a year
    renewal = next(e for e in ledger.history(sub_id) if e.transition == "renew")
    assert renewal.reason == "contract term renewed automatically"
    assert renewal.quote is not None
    quote = renewal.quote
    assert (quote["recurring"]["before_discounts"], quote["recurring"]["per_period"]) == (
        "840.00",
        "623.00",
    )
    assert policies(quote) == [
        ("annual_prepay", "16.67", "140.00"),
        ("term_years", "6", "42.00"),
        ("loyalty", "5", "35.00"),
    ]
    assert renewal.after["catalog_version"] == "2026.7"
    assert renewal.after["term_end"] == "2030-03-10"


def test_a_one_year_renewal_earns_no_loyalty_discount(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 monthly, one-year term
    sub_id = open_subscription("team", seats=5)

    # when it renews for one year (the loyalty needs 2 years or more)
    quote = ledger.handle(RenewSubscription(at=at("2027-01-05"), subscription_id=sub_id)).data[
        "quote"
    ]

    # then only the new catalog price applies: 5 × 14.00 = 70.00, no discount
    assert (quote["recurring"]["per_period"], quote["discounts"]) == ("70.00", [])
    assert quote["renewal"]["term_years"] == 1


def test_an_expired_subscription_renews_at_once_and_pays_its_first_period(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given Team × 5 monthly, not auto-renewing, expired at 2027-03-10
    sub_id = open_subscription("team", seats=5, auto_renew=False)
    ledger.handle(Tick(at=at("2027-03-10")))
    assert subscription(ledger, sub_id)["status"] == "expired"

    # when renewed for 2 years on 2027-04-02
    receipt = ledger.handle(
        RenewSubscription(at=at("2027-04-02"), subscription_id=sub_id, term_years=2)
    )

    # then the first period 2027-04-02 .. 05-02 is due now: 70.00 − 4.20 − 3.50 = 62.30
    quote = receipt.data["quote"]
    assert (receipt.command, quote["timing"]) == ("renew", "immediate")
    assert [(line["item"], line["amount"]) for line in quote["lines"]] == [("plan:team", "62.30")]
    assert (quote["due_now"], quote["net"]) == ("62.30", "62.30")
    now = receipt.data["subscription"]
    assert (now["status"], now["catalog_version"], now["renewals"]) == ("active", "2026.7", 1)
    assert (now["term_start"], now["term_end"], now["period_end"]) == (
        "2027-04-02",
        "2029-04-02",
        "2027-05-02",
    )


def test_renewing_again_replaces_the_commitment_and_cancel_drops_it(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given a 3-year renewal committed, then replaced by a 2-year one
    sub_id = open_subscription("team", seats=5)
    three = ledger.handle(
        RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=3)
    ).data["quote"]
    ledger.handle(RenewSubscription(at=at("2026-11-21"), subscription_id=sub_id, term_years=2))

    # then the last one counts (3 years: 10 % + 5 % of 70.00 = 10.50 off → 59.50)
    assert three["recurring"]["per_period"] == "59.50"
    assert subscription(ledger, sub_id)["renewal"]["term_years"] == 2

    # when canceled at the period end before the term ends, then nothing renews
    ledger.handle(
        CancelSubscription(at=at("2027-02-01"), subscription_id=sub_id, at_period_end=True)
    )
    ledger.handle(Tick(at=at("2027-03-11")))
    now = subscription(ledger, sub_id)
    assert (now["status"], now["renewal"], now["term_end"]) == ("canceled", None, "2027-03-10")


def test_renewal_refusals_change_nothing(ledger: Ledger, open_subscription: Open) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    ledger.handle(CancelSubscription(at=at("2026-04-01"), subscription_id=sub_id))
    before = ledger.history(sub_id)

    # when / then
    with pytest.raises(InvalidInput) as bad_term:
        ledger.handle(RenewSubscription(at=at("2026-04-02"), subscription_id=sub_id, term_years=0))
    assert bad_term.value.field == "term_years"
    with pytest.raises(TransitionNotAllowed):
        ledger.handle(RenewSubscription(at=at("2026-04-02"), subscription_id=sub_id))
    assert ledger.history(sub_id) == before


def test_a_renewal_replayed_by_its_key_returns_the_first_quote(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    command = RenewSubscription(
        at=at("2026-11-20"), subscription_id=sub_id, term_years=2, idempotency_key="renew-1"
    )

    # when
    first = ledger.handle(command)
    again = ledger.handle(command)

    # then
    assert again.replayed
    assert again.data["quote"] == first.data["quote"]
    transitions = [e.transition for e in ledger.history(sub_id)]
    assert transitions.count("renew.schedule") == 1


def test_a_change_that_starts_a_new_term_replaces_the_committed_renewal(
    ledger: Ledger, open_subscription: Open
) -> None:
    # given a 2-year renewal committed for a one-year Team term (to 2027-03-10)
    sub_id = open_subscription("team", seats=5)
    ledger.handle(RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=2))

    # when the term itself is changed to 3 years now (a new term starts on the change day)
    receipt = ledger.handle(
        ChangeSubscription(at=at("2026-12-15"), subscription_id=sub_id, term_years=3)
    )

    # then the new 3-year term stands on its own and nothing is left to renew on 2027-03-10
    now = receipt.data["subscription"]
    assert (now["term_start"], now["term_end"], now["renewal"]) == (
        "2026-12-15",
        "2029-12-15",
        None,
    )
    ledger.handle(Tick(at=at("2027-03-11")))
    assert "renew" not in [e.transition for e in ledger.history(sub_id)]
