"""A process killed with SIGKILL in the middle of a stream of transitions leaves no half.

After the kill, every transition is either entirely stored (subscription row, history entry,
outbox event, idempotency key) or not at all; a restarted process carries on from there.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from tierwise.adapters.sql import tables as t
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .consistency import assert_consistent

WORKER = Path(__file__).with_name("crash_worker.py")


def _run_then_kill(url: str, sub_id: str, first: int, wait_for: int) -> int:
    """Start the worker, let it commit ``wait_for`` transitions, SIGKILL it; last index seen."""
    with subprocess.Popen(
        [sys.executable, str(WORKER), url, sub_id, str(first)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    ) as worker:
        assert worker.stdout is not None
        assert worker.stderr is not None
        seen = first - 1
        deadline = time.monotonic() + 120
        while seen < first + wait_for - 1:
            line = worker.stdout.readline()
            assert line, worker.stderr.read()
            seen = int(line)
            assert time.monotonic() < deadline
        worker.send_signal(signal.SIGKILL)  # in the middle of the next transition, most likely
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    return seen


def test_sigkill_in_a_stream_of_transitions_leaves_the_ledger_consistent(
    ledger: Ledger, engine: Engine, database_url: str
) -> None:
    # given a subscription
    start = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    account = ledger.handle(
        c.CreateAccount(at=start, external_id="crm-crash", name="Crash", currency="USD")
    ).subject_id
    sub_id = ledger.handle(
        c.CreateSubscription(at=start, account=account, plan="team", seats=5)
    ).subject_id

    # when a worker is killed after 40 transitions, restarted where it stopped, killed again
    last = _run_then_kill(database_url, sub_id, first=0, wait_for=40)
    with engine.connect() as db:
        stored = db.execute(select(func.count()).select_from(t.idempotency_keys)).scalar_one()
    assert stored >= last + 1  # every printed transition was committed
    assert_consistent(engine)
    _run_then_kill(database_url, sub_id, first=stored, wait_for=20)

    # then history, subscription and outbox agree, and every stored key has its transition
    entries = assert_consistent(engine)
    with engine.connect() as db:
        keys = db.execute(select(func.count()).select_from(t.idempotency_keys)).scalar_one()
        keyed = db.execute(
            select(func.count())
            .select_from(t.history)
            .where(t.history.c.idempotency_key.is_not(None))
        ).scalar_one()
    assert keys == keyed == entries - 1  # all but the "create" entry came from the stream
    assert keys >= 60
