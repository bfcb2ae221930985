"""Priced renewals on real storage (SQLite and PostgreSQL): commit, term end, restart.

Team: 12 USD a seat a month under 2026.1, 14 USD under 2026.7 (from 2026-07-01); 6 % off a
2-year term, 5 % loyalty for a renewal of 2 years or more.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from tierwise.adapters.sql import tables as t
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .consistency import assert_consistent


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _open(ledger: Ledger, *, auto_renew: bool = True) -> str:
    account = ledger.handle(
        c.CreateAccount(at=at("2026-03-10"), external_id="crm-1", name="Acme", currency="USD")
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(
            at=at("2026-03-10"), account=account, plan="team", seats=5, auto_renew=auto_renew
        )
    ).subject_id


def test_a_committed_renewal_is_stored_and_carried_out_at_term_end(
    ledger: Ledger, engine: Engine
) -> None:
    # given Team × 5 monthly from 2026-03-10 (term to 2027-03-10) under 2026.1
    sub_id = _open(ledger)

    # when a 2-year renewal is committed, then tick passes the term end
    committed = ledger.handle(
        c.RenewSubscription(at=at("2026-11-20"), subscription_id=sub_id, term_years=2)
    )
    with engine.connect() as db:
        columns = t.subscriptions.c
        stored = db.execute(select(columns.renewal, columns.renewals, columns.term_end)).one()
    ledger.handle(c.Tick(at=at("2027-03-10T00:00:01")))

    # then the commitment was stored as it was quoted: 5 × 14.00 = 70.00 − 4.20 (6 %) − 3.50
    # (5 % loyalty) = 62.30 a month from 2027-03-10, under 2026.7
    quote = committed.data["quote"]
    assert quote["recurring"]["per_period"] == "62.30"
    assert stored.renewal["term_years"] == 2
    assert stored.renewal["quote"] == quote
    assert (stored.renewals, stored.term_end) == (0, dt.date(2027, 3, 10))
    history = ledger.history(sub_id)
    renewal = next(e for e in history if e.transition == "renew")
    assert renewal.quote is not None
    assert renewal.quote["recurring"]["per_period"] == "62.30"
    assert renewal.after["catalog_version"] == "2026.7"
    assert (renewal.after["term_end"], renewal.after["renewals"]) == ("2029-03-10", 1)
    scheduled = next(e for e in history if e.transition == "renew.schedule")
    assert scheduled.quote == quote
    assert assert_consistent(engine) == len(history)


def test_an_expired_subscription_renews_with_its_first_period_due(
    ledger: Ledger, engine: Engine
) -> None:
    # given Team × 5 monthly that expired at 2027-03-10
    sub_id = _open(ledger, auto_renew=False)
    ledger.handle(c.Tick(at=at("2027-03-10")))

    # when renewed on 2027-04-02 for one year
    receipt = ledger.handle(c.RenewSubscription(at=at("2027-04-02"), subscription_id=sub_id))

    # then 5 × 14.00 = 70.00 is due now for 2027-04-02 .. 05-02 (one year: no loyalty)
    quote = receipt.data["quote"]
    assert (quote["timing"], quote["due_now"], quote["discounts"]) == ("immediate", "70.00", [])
    assert ledger.history(sub_id, limit=1)[0].quote == quote
    assert receipt.data["subscription"]["catalog_version"] == "2026.7"
    assert assert_consistent(engine) == len(ledger.history(sub_id, limit=100))
