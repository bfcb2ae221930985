"""The real-time live read (SQLite and PostgreSQL): the account record it builds from a few
columns of the subscription in force is the one the bulk reader builds from the whole decoded
subscription, for every kind of subscription, by id and by external id."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from tierwise.adapters.sql.ledger_reader import IN_FORCE_STATUSES, SqlLiveCounters, read_ledger
from tierwise.catalog.model import BillingInterval
from tierwise.catalog.versions import Catalog
from tierwise.licensing import subscriptions
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _account(ledger: Ledger, name: str) -> str:
    return ledger.handle(
        c.CreateAccount(at=at("2026-03-10"), external_id=name, name=name, currency="USD")
    ).subject_id


def _subscribe(ledger: Ledger, account: str, **fields: object) -> str:
    return ledger.handle(
        c.CreateSubscription(at=at("2026-03-10"), account=account, **fields)  # type: ignore[arg-type]
    ).subject_id


def test_the_in_force_statuses_are_the_subscriptions_own() -> None:
    assert frozenset(IN_FORCE_STATUSES) == subscriptions._IN_FORCE


def test_the_live_record_is_the_bulk_readers_record(
    ledger: Ledger, engine: Engine, catalog: Catalog
) -> None:
    # given accounts with a bundle and add-ons, a yearly three-year term, a running trial, a
    # suspended subscription, a first subscription canceled and a second one in force, and
    # a subscription revoked (nothing in force)
    studio = _account(ledger, "studio")
    _subscribe(
        ledger,
        studio,
        plan="team",
        seats=3,
        add_ons=("priority_support", "automation_pack"),
        bundle="agency_studio",
    )
    yearly = _account(ledger, "yearly")
    _subscribe(ledger, yearly, plan="team", seats=5, interval=BillingInterval.YEAR, term_years=3)
    trial = _account(ledger, "trial")
    trial_sub = _subscribe(ledger, trial, plan="team", seats=3)
    ledger.handle(c.StartTrial(at=at("2026-03-11"), subscription_id=trial_sub, plan="business"))
    suspended = _account(ledger, "suspended")
    suspended_sub = _subscribe(ledger, suspended, plan="team", seats=3)
    ledger.handle(
        c.SuspendSubscription(at=at("2026-03-11"), subscription_id=suspended_sub, reason="unpaid")
    )
    second = _account(ledger, "second")
    first_sub = _subscribe(ledger, second, plan="team", seats=3)
    ledger.handle(c.CancelSubscription(at=at("2026-03-11"), subscription_id=first_sub))
    _subscribe(ledger, second, plan="business", seats=6)
    revoked = _account(ledger, "revoked")
    revoked_sub = _subscribe(ledger, revoked, plan="team", seats=3)
    ledger.handle(
        c.RevokeSubscription(at=at("2026-03-11"), subscription_id=revoked_sub, reason="test")
    )
    in_force = [studio, yearly, trial, suspended, second]

    # when both readers read them
    bulk = read_ledger(engine, catalog, at("2026-03-12")).records
    live = SqlLiveCounters(engine)
    by_id = {account: live.account(account, SINCE) for account in [*in_force, revoked]}
    by_name = {account: live.account(bulk[account].external_id, SINCE) for account in in_force}

    # then the live records are the bulk reader's, whichever way the account is named
    assert sorted(bulk) == sorted(in_force)
    for account in in_force:
        found, named = by_id[account], by_name[account]
        assert found is not None
        assert named is not None
        assert found.record == named.record == bulk[account]
    # and the second subscription is the one read for the account whose first was canceled
    second_found = by_id[second]
    assert second_found is not None
    assert second_found.record.subscription.plan == "business"
    # and an account with nothing in force has no live view
    assert by_id[revoked] is None
