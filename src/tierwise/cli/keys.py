"""``tierwise keys``: create API keys (the key is printed once), list them, revoke them.

Keys are stored as HMAC-SHA256 digests under the server's key secret (``TIERWISE_KEY_SECRET``,
or the secret generated once into the data directory for the embedded default), so the CLI and
the server must share the same settings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tierwise import bootstrap
from tierwise.adapters.sql import SqlUnitOfWork
from tierwise.cli.output import JsonOption, console, print_json
from tierwise.config import Settings
from tierwise.errors import NotFound
from tierwise.services.api_keys import ApiKey, ApiKeys, Scope

__all__ = ["keys_app"]

keys_app = typer.Typer(
    name="keys",
    help="API keys: create (the key is shown once), list, revoke.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _summary(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "scope": key.scope.value,
        "name": key.name,
        "account_id": key.account_id,
        "rate_limit": key.rate_limit,
        "hint": key.hint,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def _open() -> ApiKeys:
    return bootstrap.build_api_keys(Settings())


@keys_app.command("create")
def create(
    scope: Annotated[Scope, typer.Option("--scope", help="admin, read, ingest or publishable.")],
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Bind the key to this account (id or external id); needed for publishable.",
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "",
    rate_limit: Annotated[
        int | None,
        typer.Option(
            "--rate-limit", min=0, help="Requests per second (default: the server's; 0: none)."
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a key and print it once: it is not stored and cannot be shown again."""
    settings = Settings()
    engine = bootstrap.ledger_engine(settings)
    try:
        account_id = None
        if account is not None:
            with SqlUnitOfWork(engine) as uow:
                found = uow.accounts.get(account)
            if found is None:
                raise NotFound(f"account {account!r} does not exist", field="account")
            account_id = found.id
        keys = bootstrap.build_api_keys(settings, engine=engine)
        issued = keys.create(
            scope,
            at=dt.datetime.now(dt.UTC),
            name=name,
            account_id=account_id,
            rate_limit=rate_limit,
        )
    finally:
        engine.dispose()
    if json_output:
        print_json({**_summary(issued.key), "key": issued.secret})
        return
    console.print(f"created {issued.key.scope.value} key {issued.key.id}", soft_wrap=True)
    console.print("key (shown once, store it now):")
    typer.echo(issued.secret)


@keys_app.command("list")
def list_keys(json_output: JsonOption = False) -> None:
    """Every key with its scope, account and state (never the secret)."""
    keys = _open()
    listed = keys.list()
    if json_output:
        print_json([_summary(key) for key in listed])
        return
    table = Table("id", "scope", "name", "account", "rate/s", "created", "state")
    for key in listed:
        table.add_row(
            key.id,
            key.scope.value,
            escape(key.name),
            key.account_id or "",
            "default" if key.rate_limit is None else str(key.rate_limit),
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, e.g. key_4f7q2m9x1c8d.")],
    json_output: JsonOption = False,
) -> None:
    """Revoke a key; servers refuse it within seconds (their key cache is short)."""
    keys = _open()
    revoked = keys.revoke(key_id, dt.datetime.now(dt.UTC))
    if json_output:
        print_json(_summary(revoked))
        return
    console.print(f"revoked {revoked.id} ({revoked.scope.value})")
