"""The DuckDB event store: exactly-once appends, all-or-nothing batches, meter totals, imports."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tierwise.adapters.event_import import ColumnMapping, import_events
from tierwise.adapters.event_store import AppendResult, EventStore
from tierwise.catalog.model import Aggregation, Meter
from tierwise.errors import EventStoreUnavailable, InvalidEvent
from tierwise.usage.events import UsageEvent
from tierwise.usage.meters import MeterTotal, Window, measure_by_account

RECEIVED = dt.datetime(2025, 4, 2, 8, 0, tzinfo=dt.UTC)
MARCH = Window(dt.datetime(2025, 3, 1, tzinfo=dt.UTC), dt.datetime(2025, 4, 1, tzinfo=dt.UTC))
Q1 = Window(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 4, 1, tzinfo=dt.UTC))


def _event(
    id_: str,
    *,
    account: str | None = "acme",
    time: dt.datetime = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC),
    received_at: dt.datetime = RECEIVED,
    type_: str = "api.call",
    source: str = "app",
    **properties: object,
) -> UsageEvent:
    return UsageEvent(
        source=source,
        id=id_,
        type=type_,
        account=account,
        subject="u-1",
        time=time,
        properties=properties,  # type: ignore[arg-type]
        received_at=received_at,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore.open(tmp_path / "data") as opened:
        yield opened


def test_events_round_trip_unchanged(store: EventStore) -> None:
    # given
    event = _event("e1", n=3, tags=["a", "b"], nested={"x": 1.5}, note="ünïcode")

    # when
    store.append([event])

    # then
    assert store.events() == [event]


def test_duplicates_across_batches_are_stored_once(store: EventStore) -> None:
    # given
    first = [_event("e1"), _event("e2")]
    second = [_event("e2"), _event("e3"), _event("e1", source="other-app")]

    # when
    results = [store.append(first), store.append(second)]

    # then: ("app", "e2") was known; ("other-app", "e1") is another key
    assert results == [AppendResult(2, 0), AppendResult(2, 1)]
    assert store.count() == 4


def test_repeats_inside_one_batch_keep_the_first(store: EventStore) -> None:
    # given
    batch = [_event("e1", n=1), _event("e1", n=2), _event("e2"), _event("e1", n=3)]

    # when
    result = store.append(batch)

    # then
    assert result == AppendResult(inserted=2, duplicates=2)
    assert [dict(e.properties) for e in store.events() if e.id == "e1"] == [{"n": 1}]


def test_a_batch_that_fails_half_way_stores_nothing_and_its_retry_counts_once(
    store: EventStore,
) -> None:
    # given a producer stream that yields 50,000 good events (three staging chunks), then breaks
    good = [_event(f"e{i}") for i in range(50_000)]

    def broken_stream() -> Iterator[UsageEvent]:
        yield from good
        yield _event("late", time=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.max))
        yield UsageEvent(  # a bad row after good rows: refused while the batch is open
            source="app",
            id="",
            type="api.call",
            account="acme",
            subject=None,
            time=RECEIVED,
            received_at=RECEIVED,
        )

    # when
    with pytest.raises(InvalidEvent):
        store.append(broken_stream())

    # then nothing was stored, and the retry of the good part counts each event once
    assert store.count() == 0
    assert store.append(good) == AppendResult(50_000, 0)
    assert store.append(good) == AppendResult(0, 50_000)
    assert store.count() == 50_000


def test_meter_totals_match_the_pure_recomputation(store: EventStore) -> None:
    # given a mix of accounts, types, property shapes and times around the window
    events = [
        _event("a1", gb=2, user="x"),
        _event("a2", gb=2.5, user="y", time=dt.datetime(2025, 3, 31, 23, 59, tzinfo=dt.UTC)),
        _event("a3", gb="n/a", user="x"),
        _event("a4", gb=7, time=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)),  # outside
        _event("b1", account="globex", gb=10, user=None),
        _event("b2", account="globex", gb=-4, user="z"),
        _event("c1", account=None, gb=99),
        _event("d1", type_="automation.run", gb=1),
    ]
    store.append(events)

    for aggregation in Aggregation:
        meter = Meter(event="api.call", aggregation=aggregation, property="gb")

        # when
        stored = store.meter_totals(meter, MARCH)

        # then
        assert stored == measure_by_account(meter, events, MARCH), aggregation


def test_hand_computed_totals(store: EventStore) -> None:
    # given
    store.append(
        [
            _event("1", gb=2, time=dt.datetime(2025, 3, 2, tzinfo=dt.UTC)),
            _event("2", gb=5, time=dt.datetime(2025, 3, 9, tzinfo=dt.UTC)),
            _event("3", gb=3, time=dt.datetime(2025, 3, 20, tzinfo=dt.UTC)),
        ]
    )

    def total(aggregation: Aggregation) -> MeterTotal:
        meter = Meter(event="api.call", aggregation=aggregation, property="gb")
        return store.meter_totals(meter, MARCH)["acme"]

    # then
    assert total(Aggregation.COUNT) == MeterTotal(3, 3)
    assert total(Aggregation.SUM) == MeterTotal(10, 3)  # 2 + 5 + 3
    assert total(Aggregation.MAX) == MeterTotal(5, 3)
    assert total(Aggregation.LATEST) == MeterTotal(3, 3)  # 20 March
    assert total(Aggregation.UNIQUE_COUNT) == MeterTotal(3, 3)  # 2, 5, 3


def test_late_events_land_in_their_own_period(store: EventStore) -> None:
    # given two February events, one received on time and one received in April
    store.append([_event("f1", time=dt.datetime(2025, 2, 27, tzinfo=dt.UTC))])
    store.append(
        [
            _event("m1", time=dt.datetime(2025, 3, 3, tzinfo=dt.UTC)),
            _event(
                "f2",
                time=dt.datetime(2025, 2, 28, 23, 30, tzinfo=dt.UTC),
                received_at=dt.datetime(2025, 4, 3, tzinfo=dt.UTC),
            ),
        ]
    )

    # when
    totals = store.meter_totals_by_period(Meter(event="api.call"), Q1)

    # then February has both of its events; March only its own
    assert totals == {
        ("acme", dt.datetime(2025, 2, 1, tzinfo=dt.UTC)): MeterTotal(2, 2),
        ("acme", dt.datetime(2025, 3, 1, tzinfo=dt.UTC)): MeterTotal(1, 1),
    }


def test_a_second_writer_process_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    # given the store held open for writing by another process (a subprocess holds the lock)
    path = tmp_path / "data" / "events.duckdb"
    EventStore.open(tmp_path / "data").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ok"

        # when / then
        with pytest.raises(EventStoreUnavailable) as caught:
            EventStore.open(tmp_path / "data")
        assert "another process" in caught.value.message
    finally:
        holder.communicate("")


def test_export_parquet_is_readable_as_a_month_partitioned_dataset(
    store: EventStore, tmp_path: Path
) -> None:
    # given
    store.append(
        [
            _event("1", time=dt.datetime(2025, 2, 3, tzinfo=dt.UTC), n=1),
            _event("2", time=dt.datetime(2025, 3, 4, tzinfo=dt.UTC), n=2),
        ]
    )
    target = tmp_path / "export"

    # when: exported twice (the second export finds nothing changed and keeps the files)
    store.export_parquet(target)
    written = store.export_parquet(target)

    # then
    assert written == 2
    assert sorted(p.name for p in target.glob("month=*")) == ["month=2025-02", "month=2025-03"]
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT id, month, properties FROM read_parquet('{target}/*/*.parquet', "
            "hive_partitioning = true) ORDER BY id"
        )
        .fetchall()
    )
    assert [(r[0], r[1], json.loads(r[2])) for r in rows] == [
        ("1", "2025-02", {"n": 1}),
        ("2", "2025-03", {"n": 2}),
    ]


# -- bulk import ----------------------------------------------------------------------------------

_CSV = """id,source,type,account,subject,time,properties,region
c1,crm,api.call,acme,u1,2025-03-01T10:00:00Z,"{""n"": 2}",eu
c2,crm,api.call,acme,u2,2025-03-02 11:00:00,,us
,crm,api.call,acme,u1,2025-03-03T10:00:00Z,,eu
c4,crm,api.call,acme,u1,last tuesday,,eu
c5,crm,api.call,globex,u3,2025-03-04T10:00:00+02:00,[1],eu
c1,crm,api.call,acme,u1,2025-03-01T10:00:00Z,,eu
"""


def _write_csv(tmp_path: Path, text: str = _CSV) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_counts_inserted_duplicates_and_rejected_rows_with_reasons(
    store: EventStore, tmp_path: Path
) -> None:
    # given rows 3 (no id), 4 (bad time), 5 (properties not an object) are bad; row 6 repeats c1
    path = _write_csv(tmp_path)

    # when
    report = import_events(store, [path], received_at=RECEIVED)

    # then
    assert (report.rows, report.inserted, report.duplicates, report.rejected) == (6, 2, 1, 3)
    assert [(r.row, r.reason) for r in report.examples] == [
        (3, "missing id"),
        (4, "unparsable time"),
        (5, "properties is not a JSON object"),
    ]
    c1, c2 = store.events()
    assert dict(c1.properties) == {"n": 2, "region": "eu"}
    # a time without an offset is read as UTC
    assert c2.time == dt.datetime(2025, 3, 2, 11, 0, tzinfo=dt.UTC)


def test_strict_import_of_a_file_with_a_bad_row_after_good_rows_stores_nothing(
    store: EventStore, tmp_path: Path
) -> None:
    # given
    path = _write_csv(tmp_path)

    # when
    with pytest.raises(InvalidEvent) as caught:
        import_events(store, [path], received_at=RECEIVED, strict=True)

    # then nothing is stored; after fixing the file, two imports count each event once
    assert caught.value.field == "row 3"
    assert store.count() == 0
    good = "\n".join(line for line in _CSV.splitlines() if line.startswith(("id", "c1", "c2")))
    fixed = _write_csv(tmp_path, good + "\n")
    assert import_events(store, [fixed], received_at=RECEIVED).inserted == 2
    again = import_events(store, [fixed], received_at=RECEIVED)
    assert (again.inserted, again.duplicates) == (0, 3)


def test_jsonl_and_parquet_imports_with_a_column_mapping(store: EventStore, tmp_path: Path) -> None:
    # given the same two events as JSON lines and as Parquet, with the vendor's own column names
    lines = [
        {
            "event_id": 1,
            "kind": "api.call",
            "org": "acme",
            "ts": "2025-03-05T00:00:00Z",
            "properties": {"n": 4},
        },
        {
            "event_id": 2,
            "kind": "api.call",
            "org": "acme",
            "ts": "2025-03-06T00:00:00Z",
            "properties": {"n": 6},
            "plan": "pro",
        },
    ]
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    parquet = tmp_path / "events.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_json('{jsonl}', format = 'newline_delimited')) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    mapping = ColumnMapping.from_pairs(
        ["id=event_id", "type=kind", "account=org", "time=ts"], default_source="warehouse"
    )
    progress: list[str] = []

    # when
    report = import_events(
        store,
        [jsonl, parquet],
        received_at=RECEIVED,
        mapping=mapping,
        on_progress=lambda p: progress.append(f"{p.done}/{p.total} {p.step}"),
    )

    # then the Parquet copy only brings duplicates
    assert (report.files, report.inserted, report.duplicates, report.rejected) == (2, 2, 2, 0)
    assert progress == [f"{n}/6 {step}" for n, step in enumerate(["read", "check", "store"] * 2, 1)]
    meter = Meter(event="api.call", aggregation=Aggregation.SUM, property="n")
    assert store.meter_totals(meter, MARCH) == {"acme": MeterTotal(10, 2)}  # 4 + 6
    assert dict(store.events()[1].properties) == {"n": 6, "plan": "pro"}


def test_import_refuses_a_file_without_a_required_column(store: EventStore, tmp_path: Path) -> None:
    path = _write_csv(tmp_path, "id,type,time\n1,api.call,2025-03-01T00:00:00Z\n")
    with pytest.raises(InvalidEvent) as caught:
        import_events(store, [path], received_at=RECEIVED)
    assert caught.value.field == "columns.source"
