"""``tierwise decide`` and ``tierwise explain``: decisions over all accounts, and why.

``decide`` computes every account's signals as of a day (DuckDB by default, Spark with
``--engine pyspark``; from the event store, or from the vendor's own events table through a
column mapping with ``--events-table`` and ``--events-mapping``), evaluates the playbook over
all of them, decides per account and stores the run; it prints a summary (offers by target and
channel, what was held back and why, the top accounts). ``explain ACCOUNT`` prints one account's
latest decision: why this offer — each clause with the value it saw — with its quote and value
case, and why not the others.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tierwise import bootstrap
from tierwise.adapters.signal_engine import ENGINES
from tierwise.cli.decision_view import render_decision, render_summary
from tierwise.cli.ledger_options import CatalogOption
from tierwise.cli.output import JsonOption, console, error_console, print_json
from tierwise.config import Settings
from tierwise.errors import InvalidInput
from tierwise.services.decisions import DecideResult, Decisions

__all__ = ["as_of_moment", "decide", "explain", "run_decide"]

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Decide as of this day (YYYY-MM-DD, UTC; default: today)."),
]
EngineOption = Annotated[
    str, typer.Option("--engine", help=f"Analytics engine: {' or '.join(ENGINES)}.")
]
EventsTableOption = Annotated[
    str | None,
    typer.Option(
        "--events-table",
        envvar="TIERWISE_EVENTS_TABLE",
        help="Read the events from your own table instead of the event store: a Parquet file or "
        "directory, FILE.duckdb#TABLE, or a Spark catalog table (with --engine pyspark).",
    ),
]
EventsMappingOption = Annotated[
    str | None,
    typer.Option(
        "--events-mapping",
        envvar="TIERWISE_EVENTS_MAPPING",
        help="Its columns for ours: account=COL,subject=COL,type=COL,time=COL,properties=COL "
        "(subject= or properties= for none), PROPERTY=COL for a property in a plain column.",
    ),
]
ProcessesOption = Annotated[
    int,
    typer.Option(
        "--processes",
        min=1,
        max=2,
        help="Processes deciding a large run (over 20,000 accounts): 2 decides half its fired "
        "accounts in a forked process (same decisions; pays with a second idle core on runs of "
        "a few hundred thousand accounts).",
    ),
]
PlaybookOption = Annotated[
    Path | None,
    typer.Option(
        "--playbook",
        envvar="TIERWISE_PLAYBOOK",
        help="Playbook YAML (default: examples/playbook.yaml in the working directory).",
    ),
]


def as_of_moment(text: str | None, *, today: dt.date | None = None) -> dt.datetime:
    """``--as-of`` as the first moment of that day in UTC (default: today)."""
    if text is None:
        day = today or dt.datetime.now(dt.UTC).date()
    else:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"--as-of must be a day like 2026-11-20, not {text!r}", field="as_of"
            ) from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def run_decide(
    decisions: Decisions, as_of: dt.datetime, *, quiet: bool, processes: int = 1
) -> DecideResult:
    """Decide with a progress bar on standard error (hidden when ``quiet``)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
        disable=quiet,
    ) as progress:
        signals = progress.add_task("signals and triggers (vectorised)", total=None)
        task = progress.add_task("deciding", total=None, start=False)

        def step(done: int, total: int) -> None:
            # told after each part of the fired accounts: the first call ends the signals
            if not next(t for t in progress.tasks if t.id == task).started:
                progress.update(signals, total=1, completed=1)
                progress.start_task(task)
            progress.update(task, total=total, completed=done)

        return decisions.decide(
            as_of, started_at=dt.datetime.now(dt.UTC), progress=step, processes=processes
        )


def _open(
    catalog: Path | None,
    playbook: Path | None,
    engine: str,
    events_table: str | None = None,
    events_mapping: str | None = None,
) -> Decisions:
    if engine not in ENGINES:
        raise InvalidInput(
            f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})", field="engine"
        )
    settings = Settings()
    if events_table is not None or events_mapping is not None:
        settings = settings.model_copy(
            update={"events_table": events_table, "events_mapping": events_mapping}
        )
    loaded = bootstrap.load_catalog(catalog, settings)
    return bootstrap.build_decisions(loaded, settings, playbook=playbook, analytics=engine)


def decide(
    as_of: AsOfOption = None,
    engine: EngineOption = "duckdb",
    catalog: CatalogOption = None,
    playbook: PlaybookOption = None,
    events_table: EventsTableOption = None,
    events_mapping: EventsMappingOption = None,
    processes: ProcessesOption = 1,
    as_json: JsonOption = False,
) -> None:
    """Decide the best offer per channel for every account, and store the run."""
    decisions = _open(catalog, playbook, engine, events_table, events_mapping)
    result = run_decide(decisions, as_of_moment(as_of), quiet=as_json, processes=processes)
    run = result.run
    if as_json:
        print_json(
            {
                "run_id": run.run_id,
                "as_of": run.as_of.isoformat(),
                "engine": run.engine,
                "playbook": run.playbook,
                "seconds": {
                    "signals": round(result.signal_seconds, 3),
                    "decisions": round(result.decide_seconds, 3),
                },
                "summary": run.summary,
            }
        )
        return
    console.rule(f"[bold]tierwise decide[/] · as of {run.as_of.date()} · {run.engine}")
    render_summary(console, run.summary)
    console.print(
        f"run [cyan]{run.run_id}[/]: signals {result.signal_seconds:.1f} s, decisions "
        f"{result.decide_seconds:.1f} s. Explain one with [bold]tierwise explain ACCOUNT[/]."
    )


def explain(
    account: Annotated[str, typer.Argument(help="Account id or external id.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The run as of this day (default: the latest run)."),
    ] = None,
    catalog: CatalogOption = None,
    playbook: PlaybookOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why this account gets this offer (each clause with its value), and why not the others."""
    day = None if as_of is None else as_of_moment(as_of)
    decision = _open(catalog, playbook, "duckdb").explain(account, day)
    if as_json:
        print_json(decision)
        return
    render_decision(console, decision)
