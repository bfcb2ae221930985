"""The row mappers: what the bulk writer stores reads back as what the repositories stored.

The repositories of a unit of work and the bulk writer (``ledger_bulk``) share one set of row
mappers (``adapters/sql/rows.py``); the bulk reader (``ledger_reader``) reads with them too. A
ledger built through the commands is read back, written in bulk into a fresh database, and read
again: every object must come back equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.sql import (
    SqlUnitOfWork,
    create_ledger_engine,
    sqlite_url,
    upgrade_database,
)
from tierwise.adapters.sql.ledger_bulk import LedgerRows, write_ledger
from tierwise.adapters.sql.ledger_reader import read_ledger
from tierwise.licensing.accounts import Account
from tierwise.licensing.entitlement_sources import Grant, Override
from tierwise.licensing.events import DomainEvent
from tierwise.licensing.history import HistoryEntry
from tierwise.licensing.seats import Seat
from tierwise.licensing.subscriptions import Subscription
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger
from tierwise.services.ports import SignalRecord

from .conftest import EXAMPLE_CATALOG


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Stored:
    """Everything the repositories read back for one account and its subscription."""

    account: Account
    subscription: dict[str, object]  # its snapshot: a Subscription compares by identity
    seats: list[Seat]
    history: list[HistoryEntry]
    outbox: list[tuple[DomainEvent, int | None]]
    grants: list[Grant]
    overrides: list[Override]
    signals: list[SignalRecord]


def _read(engine: Engine, account_id: str, subscription_id: str) -> Stored:
    with SqlUnitOfWork(engine) as uow:
        account = uow.accounts.get(account_id)
        subscription = uow.subscriptions.get(subscription_id)
        assert account is not None
        assert subscription is not None
        return Stored(
            account=account,
            subscription=subscription.snapshot(),
            seats=uow.seats.for_subscription(subscription_id),
            history=uow.history.for_subscription(subscription_id),
            outbox=[(m.event, m.version) for m in uow.outbox.pending(limit=1000)],
            grants=uow.grants.grants(account_id),
            overrides=uow.grants.overrides(account_id),
            signals=uow.signals.for_account(account_id),
        )


def _build(ledger: Ledger, engine: Engine) -> tuple[str, str]:
    """An account with attributes; a subscription in trial with an add-on, settings, a seat, a
    grant, an override; one recorded signal."""
    account_id = ledger.handle(
        c.CreateAccount(
            at=at("2026-03-10"),
            external_id="crm-rows",
            name="Acme",
            currency="USD",
            industry="agency",
            company_size=40,
            attributes={"crm_tier": "gold"},
        )
    ).subject_id
    sub_id = ledger.handle(
        c.CreateSubscription(
            at=at("2026-03-10"),
            account=account_id,
            plan="team",
            seats=5,
            add_ons=("automation_pack",),
            settings={"sso_domain": "acme.test"},
        )
    ).subject_id
    ledger.handle(c.AssignSeat(at=at("2026-03-11"), subscription_id=sub_id, user="ana"))
    ledger.handle(c.StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="business"))
    ledger.handle(
        c.GrantEntitlement(
            at=at("2026-03-12"),
            subscription_id=sub_id,
            feature="api_calls",
            value=5000,
            starts=at("2026-03-12"),
            ends=at("2026-06-01"),
            reason="launch push",
        )
    )
    ledger.handle(
        c.OverrideEntitlement(
            at=at("2026-03-12"),
            subscription_id=sub_id,
            feature="projects",
            value=50,
            reason="negotiated",
        )
    )
    with SqlUnitOfWork(engine) as uow:
        uow.signals.record(
            SignalRecord(account_id, "projects", "soft_limit", at("2026-03-13"), {"used": 45})
        )
        uow.commit()
    return account_id, sub_id


def test_bulk_written_rows_read_back_equal(ledger: Ledger, engine: Engine, tmp_path: Path) -> None:
    # given a ledger written command by command, as its repositories read it
    account_id, sub_id = _build(ledger, engine)
    stored = _read(engine, account_id, sub_id)
    assert stored.subscription["trial"] is not None
    assert stored.seats
    assert stored.grants
    assert stored.overrides
    assert stored.signals
    # when the same objects are written in bulk into a fresh database
    copy = create_ledger_engine(sqlite_url(tmp_path / "copy"))
    upgrade_database(copy)
    written = write_ledger(
        copy,
        LedgerRows(
            accounts=[stored.account],
            subscriptions=[Subscription.from_snapshot(stored.subscription)],
            seats=stored.seats,
            history=list(reversed(stored.history)),
            outbox=stored.outbox,
            signals=stored.signals,
            grants=[(account_id, g) for g in stored.grants],
            overrides=[(account_id, o) for o in stored.overrides],
        ),
    )
    # then every object reads back equal, and the bulk reader sees the subscription in force
    assert written["history"] == len(stored.history)
    assert _read(copy, account_id, sub_id) == stored
    catalog = load_catalog_path(EXAMPLE_CATALOG)
    read = read_ledger(copy, catalog, at("2026-03-14"))
    assert read.records[account_id].subscription_id == sub_id
    copy.dispose()
