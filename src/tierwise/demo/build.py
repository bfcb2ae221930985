"""Building the demo company into a data directory: the ledger, the gauges and the event store.

:func:`build_company` generates the company (:mod:`tierwise.demo.company`), plays it through the
ledger (:mod:`tierwise.demo.ledger_load`) and writes its events (:mod:`tierwise.demo.event_load`),
timing each stage. The data directory must be new or a previous demo's (it holds the marker file
:data:`MARKER`): the demo never writes into a directory someone uses for real data.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from tierwise import bootstrap
from tierwise.adapters.event_store import EventStore
from tierwise.catalog.versions import Catalog
from tierwise.config import Settings
from tierwise.demo.company import CompanySpec, DemoCompany, generate_company
from tierwise.demo.event_load import EventCounts, load_events
from tierwise.demo.ledger_load import LedgerCounts, load_ledger
from tierwise.errors import InvalidInput

__all__ = ["MARKER", "BuiltCompany", "build_company", "fresh_demo_dir"]

#: The file that marks a data directory as the demo's own (safe to wipe and rebuild).
MARKER = ".tierwise-demo"


@dataclass(frozen=True, slots=True)
class BuiltCompany:
    company: DemoCompany
    ledger: LedgerCounts
    events: EventCounts
    seconds: dict[str, float] = field(default_factory=dict)


def fresh_demo_dir(data_dir: Path) -> None:
    """Empty ``data_dir`` for a new demo; refuse a directory that is not a demo's own."""
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).is_file():
            raise InvalidInput(
                f"{data_dir} holds data that is not a tierwise demo's; choose another --data-dir",
                field="data_dir",
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("built by `tierwise demo`; safe to delete\n", encoding="utf-8")


def build_company(
    data_dir: Path,
    catalog: Catalog,
    spec: CompanySpec,
    *,
    engine: Engine | None = None,
    stage: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BuiltCompany:
    """Generate the company and write it into the (fresh) demo data directory.

    ``stage`` is told the name of each stage as it starts; ``progress`` the number of accounts
    played through the ledger so far.
    """
    fresh_demo_dir(data_dir)
    note = stage or (lambda _: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    note("generate")
    company = generate_company(catalog, spec)
    seconds["generate"] = time.perf_counter() - started
    note("ledger")
    started = time.perf_counter()
    engine = engine or bootstrap.ledger_engine(Settings(data_dir=data_dir))
    ledger = load_ledger(engine, company, catalog, progress=progress)
    seconds["ledger"] = time.perf_counter() - started
    note("events")
    started = time.perf_counter()
    with EventStore.open(data_dir) as store:
        events = load_events(store, company)
    seconds["events"] = time.perf_counter() - started
    return BuiltCompany(company, ledger, events, seconds)
