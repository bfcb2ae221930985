"""A check of the ledger's storage invariants, used by the storage tests.

For every subscription: its history holds versions 1..version exactly once, the newest entry's
``after`` is the stored subscription, and the outbox holds one event per history entry.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.adapters.sql import tables as t


def assert_consistent(engine: Engine) -> int:
    """Check every subscription; returns the number of history entries seen."""
    with engine.connect() as db:
        versions = dict(db.execute(select(t.subscriptions.c.id, t.subscriptions.c.version)).all())
        history = db.execute(select(t.history.c.subscription_id, t.history.c.version)).all()
        outbox = Counter(db.execute(select(t.outbox.c.subscription_id)).scalars())
    recorded: dict[str, list[int]] = {}
    for sub_id, version in history:
        recorded.setdefault(sub_id, []).append(version)
    for sub_id, version in versions.items():
        assert sorted(recorded.get(sub_id, [])) == list(range(1, version + 1)), sub_id
        assert outbox[sub_id] == version, sub_id
        with SqlUnitOfWork(engine) as uow:
            stored = uow.subscriptions.get(sub_id)
            newest = uow.history.for_subscription(sub_id, limit=1)[0]
        assert stored is not None
        assert newest.after == stored.snapshot(), sub_id
    return len(history)
