"""``tierwise events``: bulk-import usage events, show what the event store holds, export it.

Exit status: 0 when done; 1 when an import stored its good rows but rejected some (they are
listed); 2 when the input cannot be used (unknown format, missing column, unreadable file, the
store held by a running server) — with a message that names the field, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tierwise.adapters.event_import import (
    ColumnMapping,
    ImportFormat,
    ImportProgress,
    ImportReport,
    import_events,
)
from tierwise.adapters.event_store import EventStore
from tierwise.cli.output import USAGE_ERROR, JsonOption, console, error_console, print_json
from tierwise.cli.output import report_error as _report_error
from tierwise.config import Settings
from tierwise.errors import TierwiseError

__all__ = ["events_app"]

events_app = typer.Typer(
    help="Load usage events in bulk and look into the event store.", no_args_is_help=True
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory holding events.duckdb (default: TIERWISE_DATA_DIR or ./.tierwise).",
        show_default=False,
    ),
]


def _data_dir(option: Path | None) -> Path:
    return option if option is not None else Settings().data_dir


def _fail(error: TierwiseError) -> typer.Exit:
    _report_error(error)
    return typer.Exit(USAGE_ERROR)


@events_app.command("import")
def import_command(
    files: Annotated[
        list[Path], typer.Argument(help="CSV, JSON lines or Parquet files.", show_default=False)
    ],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="File format (default: from the file name)."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="Source of rows that have none (the dedup key's first half)."
        ),
    ] = None,
    mappings: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN, e.g. --map id=event_id (repeatable)."),
    ] = None,
    no_extra: Annotated[
        bool, typer.Option("--no-extra", help="Do not turn other columns into properties.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="A bad row fails its whole file (nothing stored).")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import usage events, deduplicated on (source, id) like every other ingest path.

    Each file is one transaction; running the same import again stores nothing twice.
    """
    try:
        mapping = ColumnMapping.from_pairs(
            mappings or [], default_source=source, extra_columns_as_properties=not no_extra
        )
        received_at = dt.datetime.now(dt.UTC)
        with (
            EventStore.open(_data_dir(data_dir)) as store,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=error_console,
                transient=as_json,
            ) as progress,
        ):
            task = progress.add_task("importing", total=3 * len(files))

            def show(step: ImportProgress) -> None:
                progress.update(
                    task, completed=step.done, description=f"{step.file.name}: {step.step}"
                )

            report = import_events(
                store,
                files,
                received_at=received_at,
                format=file_format,
                mapping=mapping,
                strict=strict,
                on_progress=show,
            )
    except TierwiseError as error:
        raise _fail(error) from None
    if as_json:
        print_json(_report_dict(report))
    else:
        _print_report(report)
    if report.rejected:
        raise typer.Exit(1)


@events_app.command("stats")
def stats_command(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Count the stored events: total, accounts, sources, time span and events per type."""
    try:
        with EventStore.open(_data_dir(data_dir), read_only=True) as store:
            stats = store.stats()
    except TierwiseError as error:
        raise _fail(error) from None
    payload = {
        "events": stats.events,
        "accounts": stats.accounts,
        "sources": stats.sources,
        "first_time": stats.first_time.isoformat() if stats.first_time else None,
        "last_time": stats.last_time.isoformat() if stats.last_time else None,
        "types": stats.types,
    }
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{stats.events:,} events from {stats.sources:,} source(s) for {stats.accounts:,} "
        f"account(s), {payload['first_time'] or '-'} to {payload['last_time'] or '-'}"
    )
    table = Table("type", "events")
    for name, n in stats.types.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@events_app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="Where to write the Parquet dataset.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every event as Parquet partitioned by month=YYYY-MM (readable by Spark as is).

    Run again into the same directory, only the months whose events changed are rewritten."""
    try:
        with EventStore.open(_data_dir(data_dir), read_only=True) as store:
            report = store.export_parquet_report(directory)
    except TierwiseError as error:
        raise _fail(error) from None
    if as_json:
        print_json(
            {
                "events": report.events,
                "directory": str(directory),
                "months": report.months,
                "rewritten": list(report.rewritten),
                "removed": list(report.removed),
                "full": report.full,
            }
        )
    else:
        console.print(
            f"{report.events:,} events in {directory}; "
            f"{len(report.rewritten)} of {report.months} months rewritten"
        )


def _report_dict(report: ImportReport) -> dict[str, object]:
    return {
        "files": report.files,
        "rows": report.rows,
        "inserted": report.inserted,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "reasons": report.reasons,
        "examples": [{"file": r.file, "row": r.row, "reason": r.reason} for r in report.examples],
    }


def _print_report(report: ImportReport) -> None:
    console.print(
        f"{report.rows:,} rows in {report.files} file(s): [green]{report.inserted:,} stored[/], "
        f"{report.duplicates:,} duplicates, "
        f"{'[red]' if report.rejected else ''}{report.rejected:,} rejected"
        f"{'[/]' if report.rejected else ''}"
    )
    if report.rejected:
        table = Table("file", "row", "reason", title="rejected rows (first ones)")
        for rejection in report.examples:
            table.add_row(escape(rejection.file), str(rejection.row), escape(rejection.reason))
        console.print(table)
        for reason, n in report.reasons.items():
            console.print(f"  {reason}: {n:,}")
