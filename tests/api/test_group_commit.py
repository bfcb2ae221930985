"""Group commit: concurrent ingest requests share one store write, each answered with its own
result only after that write; a failing group falls back to one write per batch; and a store
write of several batches counts keys as if they were appended one after the other."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from tierwise.adapters.event_store import AppendResult, EventStore, events_table
from tierwise.api.group_commit import GroupCommit
from tierwise.usage.events import UsageEvent


class Recorder:
    """A write that records the groups it was given; refuses any batch named ``"bad"``."""

    def __init__(self, *, gate: threading.Event | None = None) -> None:
        self.groups: list[list[str]] = []
        self.gate = gate

    def __call__(self, batches: Sequence[str]) -> list[str]:
        if self.gate is not None:
            self.gate.wait(5)
        self.groups.append(list(batches))
        if "bad" in batches:
            raise ValueError("bad batch")
        return [f"stored {batch}" for batch in batches]


def test_batches_submitted_while_a_write_runs_are_written_together_in_order() -> None:
    # given a write held open until released, so that the next batches queue behind it
    gate = threading.Event()
    write = Recorder(gate=gate)
    commits: GroupCommit[str, str] = GroupCommit(write, window=0)

    async def scenario() -> list[str]:
        first = asyncio.ensure_future(commits.submit("a"))
        await asyncio.sleep(0.05)  # "a" is being written
        later = [asyncio.ensure_future(commits.submit(name)) for name in ("b", "c", "d")]
        await asyncio.sleep(0.05)
        gate.set()
        return list(await asyncio.gather(first, *later))

    # when
    answers = asyncio.run(scenario())

    # then "a" alone, then b, c and d in one write, each answered with its own result
    assert write.groups == [["a"], ["b", "c", "d"]]
    assert answers == ["stored a", "stored b", "stored c", "stored d"]
    assert (commits.writes, commits.batches) == (2, 4)


def test_a_failing_group_is_written_batch_by_batch_and_fails_only_the_bad_batch() -> None:
    # given "ok1", "bad" and "ok2" queued behind a write in progress
    gate = threading.Event()
    write = Recorder(gate=gate)
    commits: GroupCommit[str, str] = GroupCommit(write, window=0)

    async def scenario() -> list[object]:
        first = asyncio.ensure_future(commits.submit("first"))
        await asyncio.sleep(0.05)
        later = [asyncio.ensure_future(commits.submit(n)) for n in ("ok1", "bad", "ok2")]
        await asyncio.sleep(0.05)
        gate.set()
        return list(await asyncio.gather(first, *later, return_exceptions=True))

    # when
    answers = asyncio.run(scenario())

    # then the group's write failed, each batch was written again on its own, and only the bad
    # batch's request failed
    assert write.groups == [["first"], ["ok1", "bad", "ok2"], ["ok1"], ["bad"], ["ok2"]]
    assert answers[0] == "stored first"
    assert answers[1] == "stored ok1"
    assert isinstance(answers[2], ValueError)
    assert answers[3] == "stored ok2"


def test_a_write_waits_for_a_request_still_being_read_within_the_window() -> None:
    # given a request that is still being read when another batch is submitted
    write = Recorder()
    commits: GroupCommit[str, str] = GroupCommit(write, window=2.0)

    async def scenario() -> list[str]:
        async def slow_request() -> str:
            with commits.receiving():
                await asyncio.sleep(0.1)  # its body is still arriving
            return await commits.submit("slow")

        slow = asyncio.ensure_future(slow_request())
        await asyncio.sleep(0.01)
        fast = asyncio.ensure_future(commits.submit("fast"))
        return list(await asyncio.gather(fast, slow))

    # when
    answers = asyncio.run(scenario())

    # then both went into one write (the window, 2 s, was not used up: 0.1 s sufficed)
    assert write.groups == [["fast", "slow"]]
    assert answers == ["stored fast", "stored slow"]


def test_a_write_does_not_wait_past_the_window() -> None:
    # given a request being read for longer than the window
    write = Recorder()
    commits: GroupCommit[str, str] = GroupCommit(write, window=0.02)

    async def scenario() -> str:
        hold = asyncio.Event()

        async def stalled() -> None:
            with commits.receiving():
                await hold.wait()

        reader = asyncio.ensure_future(stalled())
        await asyncio.sleep(0)
        answer = await asyncio.wait_for(commits.submit("fast"), 1.0)
        hold.set()
        await reader
        return answer

    # when / then the batch is written on its own once the window passed
    assert asyncio.run(scenario()) == "stored fast"
    assert write.groups == [["fast"]]


def test_a_caller_that_goes_away_does_not_cancel_the_write() -> None:
    # given a write held open, and a caller cancelled while it waits for it
    gate = threading.Event()
    write = Recorder(gate=gate)
    commits: GroupCommit[str, str] = GroupCommit(write, window=0)

    async def scenario() -> str:
        gone = asyncio.ensure_future(commits.submit("gone"))
        await asyncio.sleep(0.05)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        gate.set()
        return await commits.submit("next")

    # when
    answer = asyncio.run(scenario())

    # then the cancelled caller's batch was still written, then the next one
    assert write.groups == [["gone"], ["next"]]
    assert answer == "stored next"


def _event(id_: str) -> UsageEvent:
    return UsageEvent(
        source="app",
        id=id_,
        type="api.call",
        account="acme",
        subject=None,
        time=dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC),
        properties={},
        received_at=dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC),
    )


def test_a_store_write_of_several_batches_counts_like_appends_in_order(tmp_path: Path) -> None:
    # given "s1" already stored
    with EventStore.open(tmp_path) as store:
        store.append([_event("s1")])
        batches = [
            events_table([_event("a1"), _event("s1"), _event("a1")]),  # new, stored, repeated
            events_table([]),
            events_table([_event("a1"), _event("b1")]),  # a1 came with the first batch
        ]

        # when
        results = store.append_tables(batches)

        # then each batch is counted as if appended after the one before it
        assert results == [
            AppendResult(inserted=1, duplicates=2),
            AppendResult(inserted=0, duplicates=0),
            AppendResult(inserted=1, duplicates=1),
        ]
        assert sorted(event.id for event in store.events()) == ["a1", "b1", "s1"]
        assert store.append_tables([events_table([_event("b1"), _event("c1")])]) == [
            AppendResult(inserted=1, duplicates=1)
        ]
