"""``/v1/accounts``: create accounts, list them, and the account page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from tierwise.api.deps import (
    AdminKey,
    IdempotencyKey,
    ReaderKey,
    Runtime,
    actor_of,
    mark_replay,
    visible_account,
)
from tierwise.api.schemas import AccountOut, AccountPage, ReceiptOut, receipt_out
from tierwise.services.commands import CreateAccount

__all__ = ["router"]

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


class AccountCreate(BaseModel):
    external_id: str = Field(
        min_length=1, max_length=200, description="Your own id of the customer (CRM)."
    )
    name: str = Field(min_length=1, max_length=300)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    industry: str | None = Field(default=None, max_length=100)
    company_size: int | None = Field(default=None, ge=0, le=10_000_000)
    region: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=200, description="The CSM's id or email.")
    attributes: dict[str, str] = Field(default_factory=dict)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "external_id": "crm-4711",
                    "name": "Acme Studio",
                    "currency": "USD",
                    "industry": "design",
                    "company_size": 40,
                }
            ]
        }
    }


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def create_account(
    body: AccountCreate,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReceiptOut:
    """Create an account (admin). The receipt carries the new account with its ``acc_…`` id.

    An ``external_id`` already in use is a 409 ``conflict``.
    """
    receipt = runtime.ledger.handle(
        CreateAccount(
            at=runtime.clock(),
            actor=actor_of(key),
            idempotency_key=idempotency_key,
            **body.model_dump(),
        )
    )
    mark_replay(response, receipt)
    return receipt_out(receipt)


@router.get("", response_model=list[AccountOut])
def list_accounts(
    key: ReaderKey,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AccountOut]:
    """Accounts in creation order (admin, read). A key bound to an account lists only that one."""
    if key.account_id is not None:
        own = runtime.records.account(key.account_id)
        return [AccountOut.model_validate(own.as_dict())] if own and offset == 0 else []
    return [
        AccountOut.model_validate(item)
        for item in runtime.ledger.list_accounts(limit=limit, offset=offset)
    ]


@router.get("/{account}", response_model=AccountPage)
def get_account(account: str, key: ReaderKey, runtime: Runtime) -> AccountPage:
    """The account page (admin, read): the account by id or external id, its subscriptions with
    their seats and latest history, and its entitlements now."""
    found = visible_account(runtime, key, account)
    return AccountPage.model_validate(runtime.ledger.account_page(found.id, runtime.clock()))
