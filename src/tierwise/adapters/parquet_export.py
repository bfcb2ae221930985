"""The event store's Parquet export, brought up to date month by month.

Layout
    ``<dir>/month=YYYY-MM/data_0.parquet`` holds every stored event whose ``time`` falls in that
    UTC month (the store's columns; the month comes from the directory name, as Hive
    partitioning has it), one file per month. ``<dir>/_tierwise_export.json`` is the manifest:
    the store it was written from and, per month, the stamp of the events in the file. Spark,
    pyarrow and DuckDB skip names that start with ``_`` or ``.`` when they read the directory.

What is rewritten
    Each run computes every month's stamp from the store in one scan of four columns (grouped by
    day, then by month): the number of events, the largest ``rowid`` and the XOR of DuckDB's
    ``hash(source, id, time, received_at)`` over them. The store only ever appends (deduplicated
    on ``(source, id)``, see :mod:`tierwise.adapters.event_store`), and an appended row gets a
    ``rowid`` above every stored one, so an event arriving late for an old month changes that
    month's count, last rowid and checksum, and no other month's. Only months whose stamp differs
    from the manifest's (or whose file is missing) are written again, in one ``COPY`` restricted
    to their time ranges; months the store no longer has are removed. At ten million events the
    scan costs about 0.5 s of CPU against 17 s for writing everything (docs/benchmarks.md).

    The whole export is rebuilt when there is no manifest, when it is of another format or names
    another store file (a store replaced by a different file at the same path shows up as every
    month's stamp differing, so every month is rewritten). A change the stamps cannot see is a
    store rebuilt with, per month, exactly the same keys, times and arrival times and the same
    last rowid but other payloads; delete the manifest to force a full export then.

Readers never see a half-written month
    Months are written into a staging directory beside the export and moved in with one
    ``rename`` each: a month's file replaces the old one atomically (a reader opens the old file
    or the new one, never a mix), a new month's directory appears whole. The manifest is replaced
    last, so a run that stops part-way leaves months newer than the manifest says, which the next
    run rewrites again. A full rebuild is swapped in as a whole directory (as the export always
    was): during the two renames the directory is briefly absent, and a reader fails rather than
    reading part of it. Runs on the same directory are serialised by a lock file beside it
    (``.<name>.lock``, ``flock``; not on Windows), and the stamps and the written rows come from
    one read transaction, so the manifest always describes what the files hold.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from tierwise.errors import InvalidInput

if sys.platform != "win32":
    import fcntl

__all__ = ["MANIFEST", "MonthStamp", "ParquetExport", "export_months", "month_stamps"]

#: The manifest's file name inside the export directory.
MANIFEST = "_tierwise_export.json"
#: Each month's file name inside its ``month=YYYY-MM`` directory.
_FILE = "data_0.parquet"
_FORMAT = 1
_PREFIX = "month="
#: Microseconds from 0001-01-01 to the Unix epoch: added so that day numbers are never negative
#: (DuckDB's ``//`` truncates towards zero, which would merge the days either side of 1970).
_DAY_OFFSET_US = 62_135_596_800_000_000
_DAY_US = 86_400_000_000

_STAMPS = f"""
WITH days AS (
    SELECT (epoch_us(time) + {_DAY_OFFSET_US}) // {_DAY_US} AS day, min(time) AS first,
        count(*) AS events, max(rowid) AS last_row,
        bit_xor(hash(source, id, time, received_at)) AS checksum
    FROM usage_events GROUP BY day
)
SELECT strftime(first, '%Y-%m') AS month, sum(events)::BIGINT, max(last_row), bit_xor(checksum)
FROM days GROUP BY month ORDER BY month
"""


@dataclass(frozen=True, slots=True)
class MonthStamp:
    """What identifies a month's events: how many, the last rowid, a checksum (hex) of them."""

    events: int
    last_row: int
    checksum: str


@dataclass(frozen=True, slots=True)
class ParquetExport:
    """What one export did.

    ``events`` and ``months`` describe the export as it now stands (every stored event, whether
    written by this run or kept from an earlier one); ``rewritten`` are the months (``YYYY-MM``)
    this run wrote, ``removed`` those it deleted because the store has no event in them any
    more, and ``full`` tells whether the whole directory was rebuilt.
    """

    events: int
    months: int
    rewritten: tuple[str, ...]
    removed: tuple[str, ...]
    full: bool


def month_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, MonthStamp]:
    """Each month's stamp (UTC months, ``YYYY-MM``) of the store's ``usage_events``."""
    rows = con.execute(_STAMPS).fetchall()
    return {
        month: MonthStamp(events=int(n), last_row=int(last), checksum=f"{int(checksum):016x}")
        for month, n, last, checksum in rows
    }


def export_months(con: duckdb.DuckDBPyConnection, store: Path, directory: Path) -> ParquetExport:
    """Bring the Parquet export in ``directory`` up to date with the store read through ``con``
    (a cursor of the store at ``store``): rewrite the months that changed, or everything when
    the manifest is missing or names another store (module docstring)."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = str(Path(store).resolve())
    with _locked(target), _snapshot(con):
        _remove_leftovers(target)
        stamps = month_stamps(con)
        known = _read_manifest(target, origin)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
        try:
            if known is None:
                return _rebuild(con, target, staging, origin, stamps)
            return _update(con, target, staging, origin, stamps, known)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _rebuild(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    staging: Path,
    origin: str,
    stamps: Mapping[str, MonthStamp],
) -> ParquetExport:
    """Write every month into a new directory and swap it in for ``target`` whole."""
    if target.exists():
        _check_replaceable(target)
    built = staging / "export"
    _write_months(con, built, sorted(stamps), everything=True)
    built.mkdir(exist_ok=True)  # no events: no month directory, an empty dataset
    _write_manifest(built, staging, origin, stamps)
    if target.exists():
        target.rename(staging / "retired")
    built.rename(target)
    return _result(stamps, rewritten=sorted(stamps), removed=(), full=True)


def _update(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    staging: Path,
    origin: str,
    stamps: Mapping[str, MonthStamp],
    known: Mapping[str, MonthStamp],
) -> ParquetExport:
    """Rewrite the months whose stamp changed, remove those without events, then the manifest."""
    present = {p.name.removeprefix(_PREFIX) for p in target.glob(f"{_PREFIX}*") if p.is_dir()}
    changed = [
        month
        for month, stamp in sorted(stamps.items())
        if known.get(month) != stamp or not (target / f"{_PREFIX}{month}" / _FILE).is_file()
    ]
    gone = sorted((present | set(known)) - set(stamps))
    if changed:
        built = staging / "months"
        _write_months(con, built, changed, everything=False)
        for month in changed:
            staged, place = built / f"{_PREFIX}{month}", target / f"{_PREFIX}{month}"
            if place.is_dir():
                os.replace(staged / _FILE, place / _FILE)
            else:
                staged.rename(place)
    for month in gone:
        place = target / f"{_PREFIX}{month}"
        if place.exists():
            place.rename(staging / f"retired-{month}")
    _write_manifest(target, staging, origin, stamps)
    return _result(stamps, rewritten=changed, removed=gone, full=False)


def _write_months(
    con: duckdb.DuckDBPyConnection, built: Path, months: Sequence[str], *, everything: bool
) -> None:
    """``COPY`` the events of ``months`` (all events when ``everything``) into ``built``, one
    ``month=YYYY-MM/data_0.parquet`` per month."""
    if not months:
        return
    where = "TRUE" if everything else " OR ".join(_month_range(month) for month in months)
    # DuckDB starts a second file for a partition when more partitions than this are open at
    # once (default 100, eight years of months): one file per month is what makes the swap atomic.
    con.execute(f"SET SESSION partitioned_write_max_open_files = {len(months) + 1}")
    con.execute(
        f"COPY (SELECT *, strftime(time, '%Y-%m') AS month FROM usage_events WHERE {where}) "
        f"TO '{_sql_text(built)}' "
        "(FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'data_{i}')"
    )
    for month in months:
        files = sorted(p.name for p in (built / f"{_PREFIX}{month}").iterdir())
        if files != [_FILE]:
            raise RuntimeError(f"the export of {month} came out as {files}, not one {_FILE}")


def _month_range(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    start = dt.date(year, number, 1)
    end = dt.date(year + number // 12, number % 12 + 1, 1)
    return (
        f"(time >= TIMESTAMPTZ '{start.isoformat()} 00:00:00+00' "
        f"AND time < TIMESTAMPTZ '{end.isoformat()} 00:00:00+00')"
    )


def _read_manifest(target: Path, origin: str) -> dict[str, MonthStamp] | None:
    """The months of the manifest in ``target``; None when there is none usable for this store."""
    try:
        document = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        if document["format"] != _FORMAT or document["store"] != origin:
            return None
        return {month: MonthStamp(**stamp) for month, stamp in document["months"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _write_manifest(
    directory: Path, staging: Path, origin: str, stamps: Mapping[str, MonthStamp]
) -> None:
    document = {
        "format": _FORMAT,
        "store": origin,
        "events": sum(stamp.events for stamp in stamps.values()),
        "months": {month: asdict(stamp) for month, stamp in sorted(stamps.items())},
    }
    written = staging / MANIFEST
    written.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    os.replace(written, directory / MANIFEST)


def _check_replaceable(target: Path) -> None:
    """Refuse to replace a directory that is not an event export (a full rebuild deletes it)."""
    if not target.is_dir():
        raise InvalidInput(f"{target} exists and is not a directory", field="directory")
    foreign = sorted(
        p.name
        for p in target.iterdir()
        if p.name != MANIFEST and not (p.is_dir() and p.name.startswith(_PREFIX))
    )
    if foreign:
        raise InvalidInput(
            f"{target} is not an event export (it holds {', '.join(foreign[:3])}); "
            "choose an empty or new directory",
            field="directory",
        )


def _remove_leftovers(target: Path) -> None:
    """Delete staging directories of runs that stopped part-way (none runs now: we hold the
    lock), including those of exports before the manifest (``.<name>.building``, ``.retired``)."""
    for pattern in (f".{target.name}.building*", f".{target.name}.retired*"):
        for leftover in target.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def _result(
    stamps: Mapping[str, MonthStamp],
    *,
    rewritten: Sequence[str],
    removed: Sequence[str],
    full: bool,
) -> ParquetExport:
    return ParquetExport(
        events=sum(stamp.events for stamp in stamps.values()),
        months=len(stamps),
        rewritten=tuple(rewritten),
        removed=tuple(removed),
        full=full,
    )


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold the export's lock file (beside it), waiting for another run on it to finish; the
    lock goes with the file's closing. (Windows has no ``flock``: runs there are not
    serialised, so do not start two exports of one directory at once.)"""
    with (target.parent / f".{target.name}.lock").open("a") as handle:
        if sys.platform != "win32":
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextmanager
def _snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One read transaction: the stamps and the copied rows see the same events."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    finally:
        con.execute("ROLLBACK")


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
