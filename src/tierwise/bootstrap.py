"""The one place that wires adapters into services (entrypoint layer).

Entry points (CLI, API, scheduled jobs) ask this module for ready-to-use services; nothing is
built at import time. The embedded SQLite store is created and migrated on first use; a database
named by ``TIERWISE_DATABASE_URL`` must be migrated with ``tierwise db upgrade`` first.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.crypto import SigningKey
from tierwise.adapters.playbook_files import load_playbook_path
from tierwise.adapters.sql import (
    SqlUnitOfWork,
    create_ledger_engine,
    schema_is_current,
    sqlite_url,
    upgrade_database,
)
from tierwise.adapters.sql.api_keys import SqlApiKeys
from tierwise.catalog.versions import Catalog
from tierwise.config import DEFAULT_CATALOG, DEFAULT_PLAYBOOK, Settings
from tierwise.errors import InvalidInput, SchemaOutdated
from tierwise.offers.playbook_rules import PlaybookCheck
from tierwise.services.api_keys import ApiKeys
from tierwise.services.context import LedgerContext, LedgerPolicy, random_id
from tierwise.services.ledger import Ledger
from tierwise.services.ports import UnitOfWork

if TYPE_CHECKING:
    from tierwise.services.decisions import Decisions

__all__ = [
    "api_key_secret",
    "build_api_keys",
    "build_decisions",
    "build_ledger",
    "database_url",
    "ledger_engine",
    "ledger_policy",
    "license_signing_key",
    "load_catalog",
    "load_playbook",
]


def database_url(settings: Settings) -> str:
    """The configured database URL, or the embedded SQLite file in the data directory."""
    return settings.database_url or sqlite_url(settings.data_dir)


def ledger_engine(settings: Settings) -> Engine:
    """An engine on a schema at the newest migration.

    The embedded store is migrated here on first use. A configured server database is only
    checked: upgrading a shared database is an operator's decision (``tierwise db upgrade``).
    """
    engine = create_ledger_engine(database_url(settings))
    if schema_is_current(engine):
        return engine
    if settings.embedded:
        upgrade_database(engine)
        return engine
    engine.dispose()
    raise SchemaOutdated(
        "the database schema is not at this version's migration; run `tierwise db upgrade`",
        field="TIERWISE_DATABASE_URL",
    )


def load_catalog(path: Path | None, settings: Settings) -> Catalog:
    """The catalog at ``path``, else ``TIERWISE_CATALOG``, else ``examples/catalog.yaml``."""
    chosen = path or settings.catalog or DEFAULT_CATALOG
    if not chosen.is_file():
        raise InvalidInput(
            f"no catalog at {chosen}; pass --catalog PATH or set TIERWISE_CATALOG",
            field="catalog",
        )
    return load_catalog_path(chosen)


def ledger_policy(settings: Settings) -> LedgerPolicy:
    return LedgerPolicy(
        revoke_window=dt.timedelta(days=settings.revoke_window_days),
        dormant_days=settings.dormant_days,
        seat_notice_days=settings.seat_notice_days,
    )


def build_ledger(
    catalog: Catalog,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    new_id: Callable[[str], str] = random_id,
) -> Ledger:
    """A :class:`Ledger` on the configured store (or on ``engine``), pricing with ``catalog``."""
    settings = settings or Settings()
    engine = engine or ledger_engine(settings)

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    context = LedgerContext(catalog=catalog, policy=ledger_policy(settings), new_id=new_id)
    return Ledger(unit_of_work, context)


# -- API keys and the license signing key (the API and ``tierwise keys``) ------------------------

_KEY_SECRET_FILE = "api-key-secret"
_SIGNING_KEY_FILE = "license-signing-key.pem"


def _create_once(path: Path, content: bytes) -> bytes:
    """Write ``content`` to a new owner-only file, or read the file a first caller wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return content


def api_key_secret(settings: Settings) -> bytes:
    """``TIERWISE_KEY_SECRET``, or (embedded default) a secret generated once into the data dir.

    With a database URL several servers share the keys, so they must share the secret: it has
    to be set explicitly.
    """
    if settings.key_secret is not None:
        return settings.key_secret.get_secret_value().encode("utf-8")
    if not settings.embedded:
        raise InvalidInput(
            "set TIERWISE_KEY_SECRET: every server on a shared database needs the same secret",
            field="TIERWISE_KEY_SECRET",
        )
    return _create_once(settings.data_dir / _KEY_SECRET_FILE, secrets.token_hex(32).encode())


def build_api_keys(settings: Settings, *, engine: Engine | None = None) -> ApiKeys:
    """The API key service on the configured store (or on ``engine``)."""
    return ApiKeys(SqlApiKeys(engine or ledger_engine(settings)), api_key_secret(settings))


def license_signing_key(settings: Settings) -> SigningKey:
    """``TIERWISE_SIGNING_KEY``, or (embedded default) a key generated once into the data dir."""
    if settings.signing_key is not None:
        return SigningKey.load(settings.signing_key.read_bytes())
    if not settings.embedded:
        raise InvalidInput(
            "set TIERWISE_SIGNING_KEY to the PEM file of the license signing key",
            field="TIERWISE_SIGNING_KEY",
        )
    pem = _create_once(settings.data_dir / _SIGNING_KEY_FILE, SigningKey.generate().to_pem())
    return SigningKey.load(pem)


# -- decisions (``tierwise decide``, ``explain``, the in-app offers route) -----------------------


def load_playbook(path: Path | None, settings: Settings, catalog: Catalog) -> PlaybookCheck:
    """The playbook at ``path``, else ``TIERWISE_PLAYBOOK``, else ``examples/playbook.yaml``,
    validated against the catalog's latest version (raises ``PlaybookInvalid``)."""
    chosen = path or settings.playbook or DEFAULT_PLAYBOOK
    if not chosen.is_file():
        raise InvalidInput(
            f"no playbook at {chosen}; pass --playbook PATH or set TIERWISE_PLAYBOOK",
            field="playbook",
        )
    return load_playbook_path(chosen, catalog.latest)


def build_decisions(
    catalog: Catalog,
    settings: Settings,
    *,
    playbook: Path | None = None,
    engine: Engine | None = None,
    analytics: str = "duckdb",
) -> Decisions:
    """Decisions on the configured store, with the Ibis engine (DuckDB or Spark) over the data
    directory's event store, or over the vendor's events table when the settings name one."""
    # Imported here: the analytics engines (Ibis, DuckDB, Arrow) take about a second to import,
    # and every other command built here (the ledger, keys) does without them.
    from tierwise.adapters.signal_engine import IbisSignalEngine, events_for, sql_ledger
    from tierwise.adapters.sql.decision_store import SqlDecisionStore
    from tierwise.adapters.sql.ledger_reader import SqlLiveCounters
    from tierwise.services.decision_making import DecisionRules
    from tierwise.services.decisions import Decisions

    engine = engine or ledger_engine(settings)
    check = load_playbook(playbook, settings, catalog)
    assert check.playbook is not None  # loading raises otherwise
    assert check.conditions is not None
    store = SqlDecisionStore(engine)
    signal_engine = IbisSignalEngine(
        ledger=sql_ledger(engine, catalog, store.outcomes),
        catalog=catalog,
        events=events_for(
            analytics, settings.data_dir, settings.events_table, settings.events_mapping
        ),
    )
    return Decisions(
        DecisionRules(check.playbook, check.conditions, catalog),
        signal_engine,
        store,
        live=SqlLiveCounters(engine),
        new_run_id=lambda at: f"run_{at.strftime('%Y%m%dT%H%M%S')}_{secrets.token_hex(3)}",
    )
