"""Idempotency keys on the service layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tierwise.errors import IdempotencyKeyReused
from tierwise.services.commands import ChangeSubscription, CreateAccount
from tierwise.services.ledger import Ledger
from tierwise.testing.ledger import MemoryStore

Open = Callable[..., str]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_same_key_same_input_returns_the_first_result_once(
    ledger: Ledger, store: MemoryStore, open_subscription: Open
) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    change = ChangeSubscription(
        at=at("2026-03-20"), subscription_id=sub_id, seats=8, idempotency_key="k-1"
    )

    # when the request is sent three times, the retries a little later
    first = ledger.handle(change)
    again = ledger.handle(ChangeSubscription(**{**change.__dict__, "at": at("2026-03-21")}))
    third = ledger.handle(change)

    # then one change was made; replays carry the first receipt
    assert not first.replayed
    assert again.replayed
    assert third.replayed
    assert again.data == first.data
    assert again.version == first.version
    assert [e.transition for e in ledger.history(sub_id)] == ["change", "create"]
    assert len(store.tables.outbox) == 2


def test_same_key_other_input_is_refused(ledger: Ledger, open_subscription: Open) -> None:
    # given
    sub_id = open_subscription("team", seats=5)
    ledger.handle(
        ChangeSubscription(
            at=at("2026-03-20"), subscription_id=sub_id, seats=8, idempotency_key="k"
        )
    )

    # when / then
    with pytest.raises(IdempotencyKeyReused) as caught:
        ledger.handle(
            ChangeSubscription(
                at=at("2026-03-20"), subscription_id=sub_id, seats=9, idempotency_key="k"
            )
        )
    assert caught.value.code == "idempotency_key_reused"
    assert ledger.history(sub_id, limit=1)[0].after["terms"]["seats"] == 8


def test_account_creation_is_idempotent_too(ledger: Ledger) -> None:
    # given
    command = CreateAccount(
        at=at("2026-03-01"), external_id="crm-9", name="Globex", currency="EUR", idempotency_key="a"
    )

    # when
    first = ledger.handle(command)
    second = ledger.handle(command)

    # then
    assert second.subject_id == first.subject_id
    assert len(ledger.list_accounts()) == 1
