"""Whatever sequence of commands runs, history, outbox and versions stay in step."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.catalog.model import BillingInterval
from tierwise.catalog.versions import Catalog
from tierwise.errors import TierwiseError
from tierwise.services import commands as c
from tierwise.services.context import LedgerContext
from tierwise.services.ledger import Ledger
from tierwise.testing.ledger import MemoryStore

START = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)

ACTIONS = st.sampled_from(
    [
        ("change", {"seats": 7}),
        ("change", {"plan": "business"}),
        ("change", {"plan": "team"}),
        ("change", {"interval": BillingInterval.YEAR}),
        ("undo", {}),
        ("trial", {"plan": "enterprise"}),
        ("revert", {}),
        ("convert", {"seats": 25}),
        ("suspend", {}),
        ("reinstate", {}),
        ("revoke", {}),
        ("restore", {}),
        ("cancel_later", {}),
        ("assign", {}),
        ("tick", {}),
    ]
)


def _command(
    name: str, fields: dict[str, Any], sub_id: str, when: dt.datetime, n: int
) -> c.Command:
    base: dict[str, Any] = {"at": when, "subscription_id": sub_id}
    makers: dict[str, Callable[[], c.Command]] = {
        "change": lambda: c.ChangeSubscription(**base, **fields),
        "undo": lambda: c.UndoScheduledChange(**base),
        "trial": lambda: c.StartTrial(**base, plan="enterprise"),
        "revert": lambda: c.RevertTrial(**base),
        "convert": lambda: c.ConvertTrial(**base, seats=25),
        "suspend": lambda: c.SuspendSubscription(**base, reason="test"),
        "reinstate": lambda: c.ReinstateSubscription(**base),
        "revoke": lambda: c.RevokeSubscription(**base, reason="test"),
        "restore": lambda: c.RestoreSubscription(**base),
        "cancel_later": lambda: c.CancelSubscription(**base, at_period_end=True),
        "assign": lambda: c.AssignSeat(**base, user=f"user{n}"),
        "tick": lambda: c.Tick(at=when),
    }
    return makers[name]()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(ACTIONS, st.integers(min_value=0, max_value=20)), min_size=1, max_size=12
    )
)
def test_history_outbox_and_version_agree(catalog: Catalog, steps) -> None:
    # given
    store = MemoryStore()
    counter = itertools.count(1)
    ledger = Ledger(
        store.unit_of_work, LedgerContext(catalog, new_id=lambda p: f"{p}_{next(counter)}")
    )
    account = ledger.handle(
        c.CreateAccount(at=START, external_id="x", name="X", currency="USD")
    ).subject_id
    sub_id = ledger.handle(
        c.CreateSubscription(at=START, account=account, plan="team", seats=5)
    ).subject_id

    # when every step runs (refusals are fine), days apart
    when = START
    for n, ((name, fields), days) in enumerate(steps):
        when += dt.timedelta(days=days, hours=1)
        with contextlib.suppress(TierwiseError):
            ledger.handle(_command(name, fields, sub_id, when, n))

    # then versions 1..v are each recorded once, with one event each in the outbox
    history = sorted(e.version for e in store.tables.history)
    assert history == list(range(1, len(history) + 1))
    assert int(str(store.tables.subscriptions[sub_id]["version"])) == history[-1]
    assert sorted(m.version or 0 for m in store.tables.outbox) == history
    latest = max(store.tables.history, key=lambda e: e.version)
    assert latest.after == store.tables.subscriptions[sub_id]
