"""Two threads against one subscription: exactly one change is applied, never both, never half."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from tierwise.errors import ConcurrentChange, SeatsOutOfRange, TierwiseError
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger
from tierwise.services.receipts import Receipt

from .consistency import assert_consistent

AT = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)


def _open(ledger: Ledger, seats: int) -> str:
    start = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    account = ledger.handle(
        c.CreateAccount(at=start, external_id="crm-race", name="Race", currency="USD")
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(at=start, account=account, plan="team", seats=seats)
    ).subject_id


def _race(*commands: Callable[[], Receipt]) -> list[Receipt | TierwiseError]:
    """Run the commands in threads released at the same instant; results in order."""
    barrier = threading.Barrier(len(commands))
    results: list[Receipt | TierwiseError | None] = [None] * len(commands)

    def run(index: int, command: Callable[[], Receipt]) -> None:
        barrier.wait()
        try:
            results[index] = command()
        except TierwiseError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(commands)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_two_changes_from_the_same_version_one_wins(ledger: Ledger, engine: Engine) -> None:
    # given a subscription at version 1 that two clients read
    sub_id = _open(ledger, seats=5)

    # when both send a change based on version 1 at the same time
    results = _race(
        lambda: ledger.handle(
            c.ChangeSubscription(at=AT, subscription_id=sub_id, seats=8, expected_version=1)
        ),
        lambda: ledger.handle(
            c.ChangeSubscription(at=AT, subscription_id=sub_id, seats=12, expected_version=1)
        ),
    )

    # then exactly one is applied and the other is a conflict
    won = [r for r in results if isinstance(r, Receipt)]
    lost = [r for r in results if isinstance(r, TierwiseError)]
    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], ConcurrentChange)
    assert lost[0].code == "concurrent_change"
    seats = won[0].data["subscription"]["terms"]["seats"]
    assert ledger.history(sub_id)[0].after["terms"]["seats"] == seats
    assert [e.version for e in ledger.history(sub_id)] == [2, 1]
    assert_consistent(engine)


def test_the_last_free_seat_is_taken_once(ledger: Ledger, engine: Engine) -> None:
    # given Team × 3 with two seats taken
    sub_id = _open(ledger, seats=3)
    for user in ("a", "b"):
        ledger.handle(c.AssignSeat(at=AT, subscription_id=sub_id, user=user))

    # when two people are assigned the last seat at the same time
    results = _race(
        lambda: ledger.handle(c.AssignSeat(at=AT, subscription_id=sub_id, user="c")),
        lambda: ledger.handle(c.AssignSeat(at=AT, subscription_id=sub_id, user="d")),
    )

    # then one got it; the other was refused (full, or lost the race) and left no trace
    won = [r for r in results if isinstance(r, Receipt)]
    lost = [r for r in results if isinstance(r, TierwiseError)]
    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], ConcurrentChange | SeatsOutOfRange)
    page = ledger.account_page("crm-race", AT)
    assert len([s for s in page["subscriptions"][0]["seats"] if s["status"] == "assigned"]) == 3
    assert_consistent(engine)
