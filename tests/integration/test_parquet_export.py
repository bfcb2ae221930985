"""The event store's Parquet export on a real DuckDB store: only changed months are rewritten,
each swapped in whole, and the dataset read back is the store's events."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tierwise.adapters.event_store import EventStore
from tierwise.adapters.parquet_export import MANIFEST, ParquetExport
from tierwise.errors import InvalidInput
from tierwise.usage.events import UsageEvent

RECEIVED = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)


def _event(id_: str, year: int, month: int, day: int = 10, **properties: object) -> UsageEvent:
    return UsageEvent(
        source="app",
        id=id_,
        type="api.call",
        account="acme",
        subject="u-1",
        time=dt.datetime(year, month, day, 9, 30, tzinfo=dt.UTC),
        properties=properties,  # type: ignore[arg-type]
        received_at=RECEIVED,
    )


def _files(target: Path) -> dict[str, tuple[int, int]]:
    """Each month's file by month, as (inode, mtime in ns): a rewrite replaces the file, which
    gives it a new inode (and a new mtime), so an unchanged pair means it was not written."""
    found: dict[str, tuple[int, int]] = {}
    for path in sorted(target.glob("month=*/*.parquet")):
        stat = path.stat()
        found[path.parent.name.removeprefix("month=")] = (stat.st_ino, stat.st_mtime_ns)
    return found


def _read_back(target: Path) -> list[dict[str, object]]:
    """The export as pyarrow reads a Hive-partitioned directory, in the store's event order."""
    table = ds.dataset(target, format="parquet", partitioning="hive").to_table()
    rows: list[dict[str, object]] = table.to_pylist()
    return sorted(rows, key=lambda row: (row["time"], row["source"], row["id"]))


def _as_rows(events: list[UsageEvent]) -> list[dict[str, object]]:
    return [
        {
            "source": e.source,
            "id": e.id,
            "type": e.type,
            "account": e.account,
            "subject": e.subject,
            "time": e.time,
            "properties": json.dumps(dict(e.properties), separators=(",", ":")),
            "received_at": e.received_at,
            "month": e.time.strftime("%Y-%m"),
        }
        for e in events
    ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore.open(tmp_path / "data") as opened:
        opened.append(
            [
                _event("feb-1", 2025, 2, n=1),
                _event("feb-2", 2025, 2, 28, n=2),
                _event("mar-1", 2025, 3, n=3),
                _event("apr-1", 2025, 4, 1, n=4),
            ]
        )
        yield opened


def test_first_export_writes_every_month_and_reads_back_as_the_store(
    store: EventStore, tmp_path: Path
) -> None:
    # given
    target = tmp_path / "export"

    # when
    report = store.export_parquet_report(target)

    # then: 4 events in three months, all written, one file per month beside the manifest
    assert report == ParquetExport(
        events=4,
        months=3,
        rewritten=("2025-02", "2025-03", "2025-04"),
        removed=(),
        full=True,
    )
    assert sorted(p.name for p in target.iterdir()) == [
        MANIFEST,
        "month=2025-02",
        "month=2025-03",
        "month=2025-04",
    ]
    assert _read_back(target) == _as_rows(store.events())


def test_a_second_export_without_new_events_rewrites_nothing(
    store: EventStore, tmp_path: Path
) -> None:
    # given
    target = tmp_path / "export"
    store.export_parquet(target)
    before = _files(target)

    # when
    report = store.export_parquet_report(target)

    # then
    assert report == ParquetExport(events=4, months=3, rewritten=(), removed=(), full=False)
    assert _files(target) == before


def test_a_late_event_for_an_old_month_rewrites_only_that_month(
    store: EventStore, tmp_path: Path
) -> None:
    # given: an export, then an event for February arriving after April's
    target = tmp_path / "export"
    store.export_parquet(target)
    before = _files(target)
    store.append([_event("feb-late", 2025, 2, 15, n=5)])

    # when
    written = store.export_parquet(target)
    after = _files(target)

    # then: 5 events in the export; February's file is new, March's and April's untouched
    assert written == 5
    assert after["2025-02"] != before["2025-02"]
    assert {m: after[m] for m in ("2025-03", "2025-04")} == {
        m: before[m] for m in ("2025-03", "2025-04")
    }
    assert _read_back(target) == _as_rows(store.events())


def test_a_new_month_is_added_without_touching_the_others(
    store: EventStore, tmp_path: Path
) -> None:
    # given
    target = tmp_path / "export"
    store.export_parquet(target)
    before = _files(target)
    store.append([_event("may-1", 2025, 5), _event("may-2", 2025, 5, 31)])

    # when
    report = store.export_parquet_report(target)

    # then
    assert report == ParquetExport(
        events=6, months=4, rewritten=("2025-05",), removed=(), full=False
    )
    assert {m: v for m, v in _files(target).items() if m != "2025-05"} == before
    assert _read_back(target) == _as_rows(store.events())


def test_a_replaced_store_rewrites_everything_and_drops_months_it_lacks(tmp_path: Path) -> None:
    # given: an export of one store, then a new store at the same path with other events
    data, target = tmp_path / "data", tmp_path / "export"
    with EventStore.open(data) as first:
        first.append([_event("a", 2025, 2), _event("b", 2025, 3)])
        first.export_parquet(target)
    shutil.rmtree(data)
    with EventStore.open(data) as second:
        second.append([_event("x", 2025, 3), _event("y", 2025, 4)])

        # when
        report = second.export_parquet_report(target)

        # then: March has as many events as before but other ones, so it is rewritten too
        assert report.rewritten == ("2025-03", "2025-04")
        assert report.removed == ("2025-02",)
        assert sorted(_files(target)) == ["2025-03", "2025-04"]
        assert _read_back(target) == _as_rows(second.events())


def test_an_export_of_another_store_is_rebuilt_whole(store: EventStore, tmp_path: Path) -> None:
    # given: the directory was last exported from a store elsewhere
    target = tmp_path / "export"
    with EventStore.open(tmp_path / "elsewhere") as other:
        other.append([_event("feb-1", 2025, 2, n=1)])
        other.export_parquet(target)

    # when
    report = store.export_parquet_report(target)

    # then
    assert report.full
    assert report.rewritten == ("2025-02", "2025-03", "2025-04")
    assert _read_back(target) == _as_rows(store.events())


def test_an_export_without_manifest_or_with_a_deleted_month_is_repaired(
    store: EventStore, tmp_path: Path
) -> None:
    # given: an export whose March file was deleted by hand
    target = tmp_path / "export"
    store.export_parquet(target)
    (target / "month=2025-03" / "data_0.parquet").unlink()

    # when / then: only March comes back
    assert store.export_parquet_report(target).rewritten == ("2025-03",)
    assert _read_back(target) == _as_rows(store.events())

    # given: the manifest deleted (as an export written before manifests)
    (target / MANIFEST).unlink()

    # when / then: everything is rewritten
    assert store.export_parquet_report(target).full
    assert _read_back(target) == _as_rows(store.events())


def test_an_empty_store_exports_an_empty_dataset(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "data") as store:
        report = store.export_parquet_report(tmp_path / "export")
    assert report == ParquetExport(events=0, months=0, rewritten=(), removed=(), full=True)
    assert [p.name for p in (tmp_path / "export").iterdir()] == [MANIFEST]


def test_a_directory_that_is_not_an_export_is_not_replaced(
    store: EventStore, tmp_path: Path
) -> None:
    # given: a directory with someone's file in it
    target = tmp_path / "notes"
    target.mkdir()
    (target / "todo.txt").write_text("keep me", encoding="utf-8")

    # when
    with pytest.raises(InvalidInput) as caught:
        store.export_parquet(target)

    # then
    assert caught.value.field == "directory"
    assert (target / "todo.txt").read_text(encoding="utf-8") == "keep me"


def test_months_are_utc_calendar_months_either_side_of_1970(tmp_path: Path) -> None:
    # given: the last microsecond of 1969 and the first of 1970 (a day number computed by
    # truncating division would put both in day 0 and so in one month)
    late = dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    early = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    events = [
        UsageEvent(
            source="app", id=name, type="t", account=None, subject=None,
            time=moment, properties={}, received_at=RECEIVED,
        )
        for name, moment in (("late", late), ("early", early))
    ]  # fmt: skip
    with EventStore.open(tmp_path / "data") as store:
        store.append(events)

        # when
        report = store.export_parquet_report(tmp_path / "export")

        # then
        assert report.rewritten == ("1969-12", "1970-01")
        rows = _read_back(tmp_path / "export")
        assert [(r["id"], r["month"]) for r in rows] == [("late", "1969-12"), ("early", "1970-01")]
        assert pa.array([r["time"] for r in rows]).to_pylist() == [late, early]


def test_two_exports_of_one_directory_at_once_are_serialised(
    store: EventStore, tmp_path: Path
) -> None:
    # given: a late event, and two threads exporting to the same directory at the same time
    # (without the lock, each run's clean-up of stale staging directories deletes the other's)
    target = tmp_path / "export"
    store.export_parquet(target)
    store.append([_event("mar-late", 2025, 3, 2, n=6)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: store.export_parquet_report(target), range(2)))

    # then: one of them rewrote March, the other found nothing left to do
    assert sorted(r.rewritten for r in reports) == [(), ("2025-03",)]
    assert _read_back(target) == _as_rows(store.events())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export.")] == [".export.lock"]
