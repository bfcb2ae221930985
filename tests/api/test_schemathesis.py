"""Property-based API tests: schemathesis generates requests from the app's own OpenAPI
description, sends them with an admin key, and no answer may be a server error (5xx).

The examples per operation are bounded so the run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import START, Clock, make_settings
from tierwise import bootstrap
from tierwise.api.app import create_app
from tierwise.api.runtime import ApiOptions
from tierwise.services.api_keys import Scope
from tierwise.services.commands import CreateAccount, CreateSubscription

ADMIN_TOKEN: dict[str, str] = {}
#: Real records for the path parameters, so generated bodies reach the ledger (not only 404s).
REAL: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    settings_ = make_settings(f"sqlite+pysqlite:///{data_dir / 'tierwise.db'}", data_dir)
    app = create_app(settings_, options=ApiOptions(key_cache_seconds=60, clock=Clock()))
    engine = bootstrap.ledger_engine(settings_)
    keys = bootstrap.build_api_keys(settings_, engine=engine)
    ADMIN_TOKEN["value"] = keys.create(Scope.ADMIN, at=Clock()()).secret
    ledger = bootstrap.build_ledger(bootstrap.load_catalog(None, settings_), engine=engine)
    account = ledger.handle(
        CreateAccount(at=START, external_id="crm-st", name="Fuzzed", currency="USD")
    )
    opened = ledger.handle(
        CreateSubscription(at=START, account=account.subject_id, plan="team", seats=5)
    )
    REAL.update(account="crm-st", subscription_id=opened.subject_id)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    engine.dispose()


def test_no_request_makes_the_server_fail(api_schema: schemathesis.BaseSchema) -> None:
    # given requests generated from every operation the OpenAPI description lists
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN['value']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    failures: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for name, value in REAL.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value
            # when it is sent, then the answer is no 5xx and matches the documented shape
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as failure:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {failure}"[:2000])

    assert len(operations) > 30
    assert failures == []
