"""The writer's key index: exactly once whatever the hashes say, and whoever wrote the rows."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.adapters.event_import import import_events
from tierwise.adapters.event_keys import KeyIndex, key_hashes
from tierwise.adapters.event_store import AppendResult, EventStore, events_table
from tierwise.usage.events import UsageEvent

RECEIVED = dt.datetime(2025, 4, 2, 8, 0, tzinfo=dt.UTC)


def _event(id_: str, *, source: str = "app", n: int = 0) -> UsageEvent:
    return UsageEvent(
        source=source,
        id=id_,
        type="api.call",
        account="acme",
        subject="u-1",
        time=dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC),
        properties={"n": n},
        received_at=RECEIVED,
    )


def _hashes(values: list[int]) -> npt.NDArray[np.uint64]:
    return np.array(values, dtype=np.uint64)


def test_the_index_lists_every_rowid_stored_under_a_hash_before_and_after_folding() -> None:
    # given two stored keys that share the hash 7 (rowids 0 and 5), and one with hash 9
    index = KeyIndex(_hashes([7, 9]), np.array([0, 1], dtype=np.int64))
    index.add(_hashes([7]), np.array([5], dtype=np.int64))

    # when
    recent = {p: sorted(rows) for p, rows in index.candidates(_hashes([9, 3, 7])).items()}
    hashes, rows = index.entries()  # folds the recent key into the sorted arrays
    folded = {p: sorted(rows) for p, rows in index.candidates(_hashes([9, 3, 7])).items()}

    # then position 1 (hash 3) is unknown; position 2 (hash 7) has both rowids
    assert recent == {0: [1], 2: [0, 5]}
    assert folded == {0: [1], 2: [0, 5]}
    assert hashes.tolist() == [7, 7, 9]
    assert sorted(rows.tolist()) == [0, 1, 5]
    assert index.count == 3
    assert index.next_row == 6


def test_a_new_key_whose_hash_points_at_another_stored_row_is_stored(tmp_path: Path) -> None:
    # given a stored event, and an index entry that claims the hash of a *new* key for its row
    # (what a 64-bit hash collision looks like to the store)
    with EventStore.open(tmp_path) as store:
        store.append([_event("stored")])
        newcomer = events_table([_event("newcomer")])
        with store.reader() as con:
            con.register("batch", newcomer)
            colliding = key_hashes(con, "batch")
        assert store._keys is not None
        store._keys.add(colliding, np.array([0], dtype=np.int64))

        # when
        first = store.append([_event("newcomer")])
        retry = store.append([_event("newcomer")])

        # then the collision did not make it a duplicate; its retry is one
        assert first == AppendResult(inserted=1, duplicates=0)
        assert retry == AppendResult(inserted=0, duplicates=1)
        assert sorted(e.id for e in store.events()) == ["newcomer", "stored"]


def test_rows_written_by_an_import_after_the_index_was_built_count_as_stored(
    tmp_path: Path,
) -> None:
    # given an index built by an append, then two events imported by bulk SQL
    csv = tmp_path / "events.csv"
    csv.write_text(
        "source,id,type,time\napp,i1,api.call,2025-03-10T09:00:00Z\n"
        "app,i2,api.call,2025-03-10T09:00:00Z\n"
    )
    with EventStore.open(tmp_path / "data") as store:
        store.append([_event("a1")])
        import_events(store, [csv], received_at=RECEIVED)

        # when
        result = store.append([_event("i2"), _event("a1"), _event("a2")])

        # then
        assert result == AppendResult(inserted=1, duplicates=2)
        assert store.count() == 4


def test_rows_deleted_by_hand_are_forgotten_by_the_index(tmp_path: Path) -> None:
    # given two stored events, one of them deleted outside the store's appends
    with EventStore.open(tmp_path) as store:
        store.append([_event("e1"), _event("e2")])
        with store.writer() as con:
            con.execute("DELETE FROM usage_events WHERE id = 'e1'")

        # when
        result = store.append([_event("e1"), _event("e2")])

        # then e1 is new again, e2 still a duplicate
        assert result == AppendResult(inserted=1, duplicates=1)


def test_a_reopened_store_rebuilds_the_index_from_the_table(tmp_path: Path) -> None:
    # given events stored by an earlier process
    with EventStore.open(tmp_path) as store:
        store.append([_event(f"e{i}") for i in range(3)])

    # when
    with EventStore.open(tmp_path) as store:
        indexed = store.index_keys()
        result = store.append([_event("e2"), _event("e3")])

    # then
    assert indexed == 3
    assert result == AppendResult(inserted=1, duplicates=1)


_batches = st.lists(
    st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 12)), max_size=12),
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@given(batches=_batches)
def test_appends_count_each_key_once_like_a_set(batches: list[list[tuple[str, int]]]) -> None:
    # given a model: the set of keys seen so far
    seen: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as directory, EventStore.open(Path(directory)) as store:
        for batch in batches:
            keys = [(source, f"e{number}") for source, number in batch]
            new = {key for key in keys if key not in seen}

            # when
            result = store.append([_event(id_, source=source) for source, id_ in keys])

            # then every key not seen before is inserted once, everything else is a duplicate
            assert result == AppendResult(inserted=len(new), duplicates=len(keys) - len(new))
            seen |= new
        stored = {(e.source, e.id) for e in store.events()}
        assert stored == seen


def _reference_candidates(stored: list[tuple[int, int]], probes: list[int]) -> dict[int, list[int]]:
    """What ``candidates`` must answer, by a plain scan: every rowid stored under each hash."""
    return {
        position: sorted(row for value, row in stored if value == probe)
        for position, probe in enumerate(probes)
        if any(value == probe for value, _ in stored)
    }


# hashes spread over the whole 64-bit range and crowded at both ends (bucket edges), with repeats
_hash_values = st.one_of(
    st.integers(0, 2**64 - 1),
    st.integers(0, 40),
    st.integers(2**64 - 40, 2**64 - 1),
    st.sampled_from([2**63 - 1, 2**63, 2**60, 3 * 2**60]),
)


@settings(max_examples=200, deadline=None)
@given(
    stored=st.lists(_hash_values, max_size=300),
    recent=st.lists(_hash_values, max_size=20),
    extra=st.lists(_hash_values, max_size=30),
)
def test_probes_find_exactly_the_rowids_a_plain_scan_finds(
    stored: list[int], recent: list[int], extra: list[int]
) -> None:
    # given an index built from stored keys (rowids 0..n-1), then recent keys added after it
    index = KeyIndex(_hashes(stored), np.arange(len(stored), dtype=np.int64))
    first_recent = len(stored)
    index.add(_hashes(recent), np.arange(first_recent, first_recent + len(recent), dtype=np.int64))
    pairs = list(zip(stored + recent, range(len(stored) + len(recent)), strict=True))
    probes = stored[::3] + recent + extra

    # when
    found = {p: sorted(rows) for p, rows in index.candidates(_hashes(probes)).items()}
    index.entries()  # fold the recent keys into the sorted arrays and rebuild the directory
    folded = {p: sorted(rows) for p, rows in index.candidates(_hashes(probes)).items()}

    # then both before and after folding, exactly the plain scan's answer
    expected = _reference_candidates(pairs, probes)
    assert found == expected
    assert folded == expected
