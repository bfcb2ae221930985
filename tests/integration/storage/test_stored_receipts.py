"""Receipts under idempotency keys: data kept once, in the history entry, replayed whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from tierwise.adapters.sql import tables as t
from tierwise.services import commands as c
from tierwise.services.idempotency import fingerprint
from tierwise.services.ledger import Ledger

_AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def _opened(ledger: Ledger, key: str | None = None) -> str:
    account = ledger.handle(
        c.CreateAccount(at=_AT, external_id="crm-1", name="Acme", currency="USD")
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(at=_AT, account=account, plan="team", seats=5, idempotency_key=key)
    ).subject_id


def _stored_receipt(engine: Engine, key: str) -> dict[str, Any]:
    with engine.connect() as db:
        query = select(t.idempotency_keys.c.receipt).where(t.idempotency_keys.c.key == key)
        return dict(db.execute(query).scalar_one())


def test_a_change_receipt_is_stored_by_reference_and_replayed_whole(
    ledger: Ledger, engine: Engine
) -> None:
    # given a seat change made under a key
    sub_id = _opened(ledger)
    change = c.ChangeSubscription(
        at=_AT + dt.timedelta(days=1), subscription_id=sub_id, seats=6, idempotency_key="k-1"
    )
    first = ledger.handle(change)
    # when the key's row is read, and the request is repeated
    stored = _stored_receipt(engine, "k-1")
    replay = ledger.handle(change)
    # then the row holds no copy of the data, and the replay carries all of it
    assert stored == {
        "command": "change",
        "subject_id": sub_id,
        "version": 2,
        "replayed": False,
        "data_in_history": True,
    }
    assert replay.replayed
    assert (replay.command, replay.subject_id, replay.version) == ("change", sub_id, 2)
    assert replay.data == first.data
    assert replay.data["subscription"]["terms"]["seats"] == 6


def test_a_receipt_that_is_not_a_history_entry_is_stored_whole(
    ledger: Ledger, engine: Engine
) -> None:
    # given a subscription opened under a key (its receipt is a fresh snapshot, not the entry)
    sub_id = _opened(ledger, key="open-1")
    # when the key's row is read
    stored = _stored_receipt(engine, "open-1")
    # then the receipt is there whole, as before
    assert "data_in_history" not in stored
    assert stored["data"]["subscription"]["id"] == sub_id


def test_a_receipt_stored_whole_by_an_earlier_version_replays_as_stored(
    ledger: Ledger, engine: Engine
) -> None:
    # given a key stored whole, as earlier versions stored every receipt
    sub_id = _opened(ledger)
    change = c.ChangeSubscription(
        at=_AT + dt.timedelta(days=1), subscription_id=sub_id, seats=6, idempotency_key="old-1"
    )
    receipt = {
        "command": "change",
        "subject_id": sub_id,
        "version": 2,
        "data": {"subscription": {"seats": "as stored"}, "quote": None},
        "replayed": False,
    }
    with engine.begin() as db:
        db.execute(
            insert(t.idempotency_keys),
            {
                "key": "old-1",
                "command": "ChangeSubscription",
                "fingerprint": fingerprint(change),
                "receipt": receipt,
                "at": _AT,
            },
        )
    # when the request is repeated
    replay = ledger.handle(change)
    # then the stored receipt answers, and nothing else ran
    assert replay.replayed
    assert replay.data == receipt["data"]
    assert [entry.version for entry in ledger.history(sub_id)] == [1]


def test_a_missing_history_entry_is_an_error_not_an_empty_receipt(
    ledger: Ledger, engine: Engine
) -> None:
    # given a change under a key whose history entry was then deleted by hand
    sub_id = _opened(ledger)
    change = c.ChangeSubscription(
        at=_AT + dt.timedelta(days=1), subscription_id=sub_id, seats=6, idempotency_key="k-2"
    )
    ledger.handle(change)
    with engine.begin() as db:
        db.execute(delete(t.history).where(t.history.c.version == 2))
    # when the request is repeated, then the replay fails loudly
    with pytest.raises(RuntimeError, match="history entry"):
        ledger.handle(change)
