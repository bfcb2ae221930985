"""Bulk import of usage events from CSV, JSON lines or Parquet files into the event store.

Each file is read by DuckDB's own reader (``read_csv``, ``read_json``, ``read_parquet``), checked
and deduplicated with set-based SQL — no Python loop over rows — which is what makes millions of
events per run practical. The dedup rules are the store's (:mod:`tierwise.adapters.event_store`):
a ``(source, id)`` already stored, or seen earlier in the same file, is a *duplicate*.

Column mapping (:class:`ColumnMapping`; every name can be changed):

=============  ==========  ===============================================================
field          column      rule
=============  ==========  ===============================================================
id             id          required; text (numbers are read as text)
source         source      required unless ``default_source`` is given (used when absent
                           or empty)
type           type        required: the meter event name, e.g. ``api.call``
account        account     optional: the vendor's external account id
subject        subject     optional: the user
time           time        required: ISO 8601 / RFC 3339 text, or a timestamp column;
                           a time without an offset is read as UTC
properties     properties  optional: a JSON object (text in CSV, an object in JSON lines,
                           text or a struct in Parquet)
(any other)                with ``extra_columns_as_properties`` (the default), each other
                           column becomes a property of that name (typed as the reader
                           detected it) — on top of the ``properties`` object
=============  ==========  ===============================================================

Rows that cannot be events are *rejected* (not stored) with a reason — missing id, missing
source, missing type, missing time, unparsable time, properties that are not a JSON object, an
id longer than 1024 characters — and reported with their row number (the n-th record of the
file, 1-based, header not counted). With ``strict=True`` one rejected row fails its file and
nothing of it is stored. Each file is one transaction: a failure leaves the store as it was
before that file, and re-running the import counts every event once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import duckdb

from tierwise.adapters.event_store import EventStore, atomic, insert_new_events
from tierwise.errors import InvalidEvent
from tierwise.usage.events import MAX_TEXT

__all__ = [
    "ColumnMapping",
    "ImportFormat",
    "ImportProgress",
    "ImportReport",
    "Rejection",
    "import_events",
]

#: Rejected rows listed by example in a report (all of them are counted).
EXAMPLES = 20


class ImportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"

    @classmethod
    def of(cls, path: Path) -> ImportFormat:
        """The format a file name announces (``.csv``, ``.csv.gz``, ``.jsonl``, ``.ndjson``,
        ``.json``, ``.parquet``, ``.pq``)."""
        suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
        last = suffixes[-1] if suffixes else ""
        known = {
            ".csv": cls.CSV,
            ".tsv": cls.CSV,
            ".jsonl": cls.JSONL,
            ".ndjson": cls.JSONL,
            ".json": cls.JSONL,
            ".parquet": cls.PARQUET,
            ".pq": cls.PARQUET,
        }
        if last not in known:
            raise InvalidEvent(
                f"cannot tell the format of {path.name}; give it (csv, jsonl or parquet)",
                field="format",
            )
        return known[last]


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which file column holds each event field (see the module documentation)."""

    id: str = "id"
    source: str = "source"
    type: str = "type"
    account: str = "account"
    subject: str = "subject"
    time: str = "time"
    properties: str = "properties"
    default_source: str | None = None
    extra_columns_as_properties: bool = True

    @classmethod
    def from_pairs(cls, pairs: Sequence[str], **options: object) -> ColumnMapping:
        """Build from ``field=column`` pairs, as given on the command line."""
        names: dict[str, object] = dict(options)
        fields = ("id", "source", "type", "account", "subject", "time", "properties")
        for pair in pairs:
            name, _, column = pair.partition("=")
            if name not in fields or not column:
                raise InvalidEvent(
                    f"a mapping is FIELD=COLUMN with FIELD one of {', '.join(fields)}: {pair!r}",
                    field="map",
                )
            names[name] = column
        return cls(**names)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Rejection:
    file: str
    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, summed over its files."""

    files: int = 0
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: tuple[Rejection, ...] = ()

    def plus(self, other: ImportReport) -> ImportReport:
        reasons = dict(self.reasons)
        for reason, n in other.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        return ImportReport(
            files=self.files + other.files,
            rows=self.rows + other.rows,
            inserted=self.inserted + other.inserted,
            duplicates=self.duplicates + other.duplicates,
            rejected=self.rejected + other.rejected,
            reasons=reasons,
            examples=(self.examples + other.examples)[:EXAMPLES],
        )


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """A step finished: ``done`` of ``total`` steps (three per file: read, check, store)."""

    file: Path
    step: str
    done: int
    total: int


_STEPS = ("read", "check", "store")


def import_events(
    store: EventStore,
    paths: Sequence[Path],
    *,
    received_at: dt.datetime,
    format: ImportFormat | None = None,
    mapping: ColumnMapping | None = None,
    strict: bool = False,
    on_progress: Callable[[ImportProgress], None] | None = None,
) -> ImportReport:
    """Import each file in its own transaction and return the summed report."""
    mapping = mapping or ColumnMapping()
    total = len(_STEPS) * len(paths)
    report = ImportReport()
    for index, path in enumerate(paths):
        base = index * len(_STEPS)

        def advance(step: str, path: Path = path, base: int = base) -> None:
            if on_progress is not None:
                on_progress(ImportProgress(path, step, base + _STEPS.index(step) + 1, total))

        fmt = format or ImportFormat.of(path)
        report = report.plus(
            _import_file(store, Path(path), fmt, mapping, received_at, strict, advance)
        )
    return report


def _import_file(
    store: EventStore,
    path: Path,
    fmt: ImportFormat,
    mapping: ColumnMapping,
    received_at: dt.datetime,
    strict: bool,
    advance: Callable[[str], None],
) -> ImportReport:
    if not path.is_file():
        raise InvalidEvent(f"no such file: {path}", field="file")
    with store.writer() as con:
        try:
            # staged outside the write transaction, so that its row ids are the file's order
            reader = _reader(con, path, fmt, mapping)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE staged AS {_staging_sql(reader, mapping)}",
                [received_at],
            )
        except duckdb.Error as error:
            raise InvalidEvent(
                f"cannot read {path.name}: {_first_line(error)}", field="file"
            ) from None
        try:
            advance("read")
            rows = _count(con, "SELECT count(*) FROM staged")
            reasons = dict(
                con.execute(
                    "SELECT reason, count(*) FROM staged WHERE reason IS NOT NULL "
                    "GROUP BY reason ORDER BY 2 DESC, 1"
                ).fetchall()
            )
            examples = tuple(
                Rejection(path.name, int(row), reason)
                for row, reason in con.execute(
                    "SELECT rowid + 1, reason FROM staged WHERE reason IS NOT NULL "
                    f"ORDER BY rowid LIMIT {EXAMPLES}"
                ).fetchall()
            )
            advance("check")
            if strict and examples:
                first = examples[0]
                raise InvalidEvent(
                    f"{path.name} row {first.row}: {first.reason} "
                    f"({sum(reasons.values())} bad row(s)); nothing was imported from it",
                    field=f"row {first.row}",
                )
            con.execute(
                "CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT rowid AS seq, * FROM staged"
            )
            with atomic(con):
                result = insert_new_events(con, "staged_rows", valid="reason IS NULL")
        finally:
            con.execute("DROP VIEW IF EXISTS staged_rows")
            con.execute("DROP TABLE IF EXISTS staged")
    advance("store")
    return ImportReport(
        files=1,
        rows=rows,
        inserted=result.inserted,
        duplicates=result.duplicates,
        rejected=sum(reasons.values()),
        reasons=reasons,
        examples=examples,
    )


@dataclass(frozen=True, slots=True)
class _Reader:
    """The SQL that reads a file, and the columns it yields with their DuckDB types."""

    sql: str
    columns: dict[str, str]


def _reader(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: ImportFormat, mapping: ColumnMapping
) -> _Reader:
    text = _literal(str(path))
    if fmt is ImportFormat.PARQUET:
        sql = f"read_parquet({text})"
    elif fmt is ImportFormat.CSV:
        sql = f"read_csv({text}, header = true)"
    else:
        sql = f"read_json({text}, format = 'newline_delimited')"
    detected = _describe(con, sql)
    if fmt is ImportFormat.PARQUET:
        return _Reader(sql, detected)
    # Text formats: read the mapped fields as text (so that one bad value becomes a rejected row,
    # not a failed file) and the properties as JSON; extra columns keep their detected types.
    as_text = {mapping.id, mapping.source, mapping.type, mapping.account, mapping.subject}
    types = {
        name: (
            "VARCHAR"
            if name in as_text or name == mapping.time
            else "JSON"
            if name == mapping.properties and fmt is ImportFormat.JSONL
            else "VARCHAR"
            if name == mapping.properties
            else kind
        )
        for name, kind in detected.items()
    }
    spec = "{" + ", ".join(f"{_literal(n)}: {_literal(t)}" for n, t in types.items()) + "}"
    if fmt is ImportFormat.CSV:
        sql = f"read_csv({text}, header = true, columns = {spec})"
    else:
        sql = f"read_json({text}, format = 'newline_delimited', columns = {spec})"
    return _Reader(sql, types)


def _describe(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    return {
        str(row[0]): str(row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()
    }


def _staging_sql(reader: _Reader, mapping: ColumnMapping) -> str:
    columns = reader.columns
    for name, column in (("id", mapping.id), ("type", mapping.type), ("time", mapping.time)):
        if column not in columns:
            raise InvalidEvent(
                f"the file has no {column!r} column for the event {name} "
                f"(columns: {', '.join(columns)}); map it with {name}=COLUMN",
                field=f"columns.{name}",
            )
    if mapping.source not in columns and mapping.default_source is None:
        raise InvalidEvent(
            f"the file has no {mapping.source!r} column; map one or give a default source",
            field="columns.source",
        )

    def text(column: str) -> str:
        return f"NULLIF(CAST({_ident(column)} AS VARCHAR), '')" if column in columns else "NULL"

    source = text(mapping.source)
    if mapping.default_source is not None:
        source = f"COALESCE({source}, {_literal(mapping.default_source)})"
    raw_time, time = _time(mapping.time, columns[mapping.time])
    properties = _properties(reader, mapping)
    return f"""
        SELECT source, id, type, account, subject, time, properties, received_at,
            CASE
                WHEN id IS NULL THEN 'missing id'
                WHEN length(id) > {MAX_TEXT} THEN 'id longer than {MAX_TEXT} characters'
                WHEN source IS NULL THEN 'missing source'
                WHEN type IS NULL THEN 'missing type'
                WHEN raw_time IS NULL THEN 'missing time'
                WHEN time IS NULL THEN 'unparsable time'
                WHEN properties IS NULL OR NOT json_valid(properties)
                    THEN 'properties is not valid JSON'
                WHEN NOT starts_with(ltrim(properties, ' ' || chr(9) || chr(10) || chr(13)), '{{')
                    THEN 'properties is not a JSON object'
            END AS reason
        FROM (
            SELECT {source} AS source, {text(mapping.id)} AS id, {text(mapping.type)} AS type,
                {text(mapping.account)} AS account, {text(mapping.subject)} AS subject,
                {raw_time} AS raw_time, {time} AS time, {properties} AS properties,
                ?::TIMESTAMPTZ AS received_at
            FROM {reader.sql}
        )
    """


def _time(column: str, kind: str) -> tuple[str, str]:
    name = _ident(column)
    if kind == "VARCHAR":
        return f"NULLIF({name}, '')", f"TRY_CAST(NULLIF({name}, '') AS TIMESTAMPTZ)"
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        # a timestamp without a zone is UTC: the session's time zone is UTC
        return name, f"CAST({name} AS TIMESTAMPTZ)"
    raise InvalidEvent(
        f"the time column {column!r} has type {kind}; give ISO 8601 text or a timestamp",
        field="columns.time",
    )


def _properties(reader: _Reader, mapping: ColumnMapping) -> str:
    columns = reader.columns
    named = {
        mapping.id,
        mapping.source,
        mapping.type,
        mapping.account,
        mapping.subject,
        mapping.time,
        mapping.properties,
    }
    base = "'{}'"
    if mapping.properties in columns:
        kind = columns[mapping.properties]
        column = _ident(mapping.properties)
        if kind in ("VARCHAR", "JSON"):
            base = f"COALESCE(CAST({column} AS VARCHAR), '{{}}')"
        else:
            base = f"COALESCE(CAST(to_json({column}) AS VARCHAR), '{{}}')"
    extras = [c for c in columns if c not in named] if mapping.extra_columns_as_properties else []
    if not extras:
        return base
    pairs = ", ".join(f"{_literal(c)}, {_ident(c)}" for c in extras)
    return (
        f"CASE WHEN json_valid({base}) AND json_type({base}) = 'OBJECT' "
        f"THEN CAST(json_merge_patch({base}, json_object({pairs})) AS VARCHAR) ELSE {base} END"
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row is not None else 0


def _first_line(error: duckdb.Error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
