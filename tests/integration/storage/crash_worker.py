"""A process that applies a stream of transitions until it is killed (see test_crash.py).

Usage: python crash_worker.py DATABASE_URL SUBSCRIPTION_ID START_INDEX
Prints the index of every committed transition, one per line, flushed at once.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.sql import SqlUnitOfWork, create_ledger_engine
from tierwise.services import commands as c
from tierwise.services.context import LedgerContext
from tierwise.services.ledger import Ledger

CATALOG = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
START = dt.datetime(2026, 3, 10, 1, tzinfo=dt.UTC)


def main() -> None:
    url, sub_id, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = create_ledger_engine(url)
    ledger = Ledger(lambda: SqlUnitOfWork(engine), LedgerContext(load_catalog_path(CATALOG)))
    index = first
    while True:
        # seats 5, 6, 7, 5, 6, 7...: every step is an immediate, priced change
        when = START + dt.timedelta(seconds=index)
        ledger.handle(
            c.ChangeSubscription(
                at=when,
                subscription_id=sub_id,
                seats=5 + (index % 3 + 1) % 3,
                idempotency_key=f"stream-{index}",
            )
        )
        print(index, flush=True)
        index += 1


if __name__ == "__main__":
    main()
