"""``tierwise webhooks``: manage endpoints, run the dispatcher, read the delivery log.

``endpoint add URL`` prints the new endpoint's signing secret once; ``deliver --once`` runs one
dispatcher pass (for cron), ``deliver`` alone passes every ``--interval`` seconds until
interrupted. Every command takes ``--json``; bad input exits with status 2 and names the field.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from tierwise import bootstrap
from tierwise.adapters.sql.webhook_store import SqlWebhookUnitOfWork
from tierwise.adapters.webhook_http import DEFAULT_TIMEOUT_SECONDS, HttpWebhookSender
from tierwise.cli.ledger_options import moment
from tierwise.cli.output import JsonOption, console, error_console, print_json
from tierwise.config import Settings
from tierwise.errors import ConcurrentChange, InvalidInput
from tierwise.notifications.deliveries import DeliveryAttempt
from tierwise.notifications.endpoints import DisablePolicy, WebhookEndpoint
from tierwise.services.webhooks import (
    DispatchPolicy,
    PassReport,
    WebhookDispatcher,
    WebhookEndpoints,
)

__all__ = ["webhooks_app"]

webhooks_app = typer.Typer(
    name="webhooks",
    help="Webhooks: endpoints, the dispatcher (deliver) and the delivery log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
endpoint_app = typer.Typer(
    name="endpoint",
    help="Add, list, disable, enable endpoints; rotate their signing secret.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
webhooks_app.add_typer(endpoint_app, name="endpoint")

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="The moment to act at (ISO 8601, UTC if no offset; default: now)."),
]
#: The defaults of automatic disabling, shown in ``deliver --help``.
_DISABLE = DisablePolicy()
EndpointId = Annotated[str, typer.Argument(help="The endpoint id (ep_…).")]


@contextmanager
def _store() -> Iterator[Engine]:
    engine = bootstrap.ledger_engine(Settings())
    try:
        yield engine
    finally:
        engine.dispose()


def _endpoints(engine: Engine) -> WebhookEndpoints:
    return WebhookEndpoints(lambda: SqlWebhookUnitOfWork(engine))


def _show(endpoint: WebhookEndpoint, json_output: bool, *, secret: bool = False) -> None:
    if json_output:
        print_json(endpoint.as_dict(with_secret=secret))
        return
    state = endpoint.status.value
    if endpoint.disabled_reason and not endpoint.enabled:
        state += f" ({endpoint.disabled_reason})"
    console.print(f"{endpoint.id}  {endpoint.url}  {state}", soft_wrap=True)
    if secret:
        console.print("signing secret (shown once, store it now):")
        typer.echo(endpoint.secret)


@endpoint_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST (http or https).")],
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="An event type or family (trial.*); repeat; default: all."),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="What it is for.")] = "",
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add an endpoint and print its signing secret once."""
    with _store() as engine:
        created = _endpoints(engine).create(
            url, at=moment(at), event_types=event or [], description=description
        )
    _show(created, json_output, secret=True)


@endpoint_app.command("list")
def list_endpoints(json_output: JsonOption = False) -> None:
    """Every endpoint with its filter, state and failure streak (never the secret)."""
    with _store() as engine:
        listed = _endpoints(engine).list()
    if json_output:
        print_json([endpoint.as_dict() for endpoint in listed])
        return
    table = Table("id", "url", "events", "state", "failures", "why disabled")
    for endpoint in listed:
        table.add_row(
            endpoint.id,
            endpoint.url,
            ", ".join(endpoint.event_types) or "all",
            endpoint.status.value,
            str(endpoint.consecutive_failures),
            "" if endpoint.enabled else endpoint.disabled_reason or "",
        )
    console.print(table)


@endpoint_app.command("disable")
def disable(
    endpoint_id: EndpointId,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept).")
    ] = "disabled by an operator",
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Stop delivering to an endpoint; its waiting deliveries are kept for ``enable``."""
    with _store() as engine:
        _show(_endpoints(engine).disable(endpoint_id, at=moment(at), reason=reason), json_output)


@endpoint_app.command("enable")
def enable(endpoint_id: EndpointId, at: AtOption = None, json_output: JsonOption = False) -> None:
    """Deliver again; waiting deliveries become due now."""
    with _store() as engine:
        _show(_endpoints(engine).enable(endpoint_id, at=moment(at)), json_output)


@endpoint_app.command("rotate-secret")
def rotate_secret(
    endpoint_id: EndpointId,
    overlap_hours: Annotated[
        float, typer.Option("--overlap-hours", min=0, help="Hours the old secret still signs.")
    ] = 24.0,
    at: AtOption = None,
    json_output: JsonOption = False,
) -> None:
    """Give the endpoint a new secret (printed once); the old one also signs for a while."""
    with _store() as engine:
        rotated = _endpoints(engine).rotate_secret(
            endpoint_id, at=moment(at), overlap=dt.timedelta(hours=overlap_hours)
        )
    _show(rotated, json_output, secret=True)


@webhooks_app.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help="With --once: pass at this moment instead of now (ISO 8601)."),
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between passes in a loop.")
    ] = 5.0,
    max_failures: Annotated[
        int, typer.Option("--max-failures", min=1, help="Failed attempts in a row that disable.")
    ] = _DISABLE.max_consecutive_failures,
    failing_hours: Annotated[
        float,
        typer.Option("--failing-hours", min=0, help="...and the hours they must span at least."),
    ] = _DISABLE.min_failing_period.total_seconds() / 3600,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds allowed per HTTP attempt.")
    ] = DEFAULT_TIMEOUT_SECONDS,
    json_output: JsonOption = False,
) -> None:
    """Route new events to endpoints and deliver everything due: once, or in a loop."""
    if at is not None and not once:
        raise InvalidInput("--at needs --once (a loop always runs at the current time)", field="at")
    fixed = moment(at) if at is not None else None
    policy = DispatchPolicy(
        disable=DisablePolicy(max_failures, dt.timedelta(hours=failing_hours)),
        lease=dt.timedelta(seconds=timeout * 2 + 30),
    )
    clock: Callable[[], dt.datetime] = (
        (lambda: fixed) if fixed is not None else (lambda: dt.datetime.now(dt.UTC))
    )
    with _store() as engine, HttpWebhookSender(timeout=timeout) as sender:
        dispatcher = WebhookDispatcher(
            lambda: SqlWebhookUnitOfWork(engine), sender, clock=clock, policy=policy
        )
        if once:
            _report(dispatcher.run_once(), json_output)
            return
        try:
            while True:
                try:
                    report = dispatcher.run_once()
                except ConcurrentChange as error:  # the database stayed busy: try next time
                    error_console.print(f"[yellow]pass skipped[/]: {error.message}")
                else:
                    if report.routed or report.attempted:
                        _report(report, json_output)
                time.sleep(interval)
        except KeyboardInterrupt:
            console.print("stopped", style="dim")


def _report(report: PassReport, json_output: bool) -> None:
    if json_output:
        print_json(report.as_dict())
        return
    console.print(
        f"routed {report.routed}, queued {report.queued}, attempted {report.attempted}: "
        f"{report.delivered} delivered, {report.retrying} to retry, {report.gave_up} given up",
        soft_wrap=True,
    )
    for endpoint_id in report.disabled:
        console.print(f"[yellow]endpoint {endpoint_id} disabled after repeated failures[/]")


@webhooks_app.command("log")
def log(
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Only this endpoint's attempts.")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="Only this message's attempts (msg_…).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """The delivery log: attempt, status code, duration, error and response excerpt."""
    with _store() as engine:
        attempts = _endpoints(engine).log(endpoint_id=endpoint, event_id=event, limit=limit)
    if json_output:
        print_json([attempt.as_dict() for attempt in attempts])
        return
    table = Table("at", "endpoint", "message", "type", "#", "result", "ms", "response")
    for attempt in attempts:
        table.add_row(
            attempt.at.strftime("%Y-%m-%d %H:%M:%S"),
            attempt.endpoint_id,
            attempt.event_id,
            attempt.event_type,
            str(attempt.attempt),
            _outcome(attempt),
            str(attempt.result.duration_ms),
            attempt.result.response_excerpt[:60],
        )
    console.print(table)


def _outcome(attempt: DeliveryAttempt) -> str:
    text = attempt.result.describe()
    return f"[green]{text}[/]" if attempt.result.succeeded else f"[red]{text}[/]"
