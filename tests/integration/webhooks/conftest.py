"""Webhook delivery on real storage (SQLite and PostgreSQL) to a real local HTTP receiver.

The dispatcher's clock starts at the real time and is moved by hand, so retries and backoff
are tested without sleeping while the ``webhook-timestamp`` stays within the five minutes the
``standardwebhooks`` library accepts.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.sql import SqlUnitOfWork, create_ledger_engine, upgrade_database
from tierwise.adapters.sql import webhook_tables as _webhook_tables  # noqa: F401  (metadata)
from tierwise.adapters.sql.webhook_store import SqlWebhookUnitOfWork
from tierwise.adapters.webhook_http import HttpWebhookSender
from tierwise.catalog.versions import Catalog
from tierwise.services.context import LedgerContext
from tierwise.services.ledger import Ledger
from tierwise.services.webhooks import (
    DispatchPolicy,
    WebhookDispatcher,
    WebhookEndpoints,
    WebhookSender,
)

from .receiver import Receiver

EXAMPLE_CATALOG = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


class ManualClock:
    """The dispatcher's time: starts now (whole seconds), moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog_path(EXAMPLE_CATALOG)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_ledger_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ledger(engine: Engine, catalog: Catalog) -> Ledger:
    counter = itertools.count(1)
    context = LedgerContext(catalog=catalog, new_id=lambda prefix: f"{prefix}_{next(counter)}")
    return Ledger(lambda: SqlUnitOfWork(engine), context)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def endpoints(engine: Engine) -> WebhookEndpoints:
    return WebhookEndpoints(lambda: SqlWebhookUnitOfWork(engine))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def sender() -> Iterator[HttpWebhookSender]:
    with HttpWebhookSender(timeout=5.0) as sender:
        yield sender


@pytest.fixture
def make_dispatcher(
    engine: Engine, clock: ManualClock, sender: HttpWebhookSender
) -> Callable[..., WebhookDispatcher]:
    """A dispatcher on the test's store and clock; no jitter unless a policy brings one."""

    def make(
        policy: DispatchPolicy | None = None, sender_: WebhookSender | None = None
    ) -> WebhookDispatcher:
        return WebhookDispatcher(
            lambda: SqlWebhookUnitOfWork(engine),
            sender_ or sender,
            clock=clock,
            policy=policy or DispatchPolicy(),
            spread=lambda: 0.0,
        )

    return make
