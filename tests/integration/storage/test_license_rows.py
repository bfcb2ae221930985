"""The bulk reader's license rows (SQLite and PostgreSQL): a free plan has no paid contract term,
and a subscription bought as a bundle reaches the decisions' quotes as one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from tierwise.adapters.sql.ledger_reader import read_ledger
from tierwise.catalog.versions import Catalog
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _open(ledger: Ledger, name: str, **fields: object) -> str:
    account = ledger.handle(
        c.CreateAccount(at=at("2026-03-10"), external_id=name, name=name, currency="USD")
    ).subject_id
    ledger.handle(c.CreateSubscription(at=at("2026-03-10"), account=account, **fields))  # type: ignore[arg-type]
    return account


def test_a_free_plan_is_not_a_paid_contract_and_a_bundle_is_read_as_one(
    ledger: Ledger, engine: Engine, catalog: Catalog
) -> None:
    # given a Free account (0.00 a month), a Team × 3 one (3 × 12.00 = 36.00 a month) and Team ×
    # 3 with both add-ons bought as the agency studio
    free = _open(ledger, "free", plan="free")
    team = _open(ledger, "team", plan="team", seats=3)
    studio = _open(
        ledger,
        "studio",
        plan="team",
        seats=3,
        add_ons=("automation_pack", "priority_support"),
        bundle="agency_studio",
    )

    # when the ledger is read for the signals
    read = read_ledger(engine, catalog, at("2026-12-01"))

    # then only the paying accounts have a contract to renew
    paid = {row.account_id: row.paid for row in read.licenses}
    assert paid == {free: False, team: True, studio: True}
    # and the bundle reaches the quotes the decisions make
    assert read.records[studio].subscription.bundle == "agency_studio"
    assert read.records[team].subscription.bundle is None
