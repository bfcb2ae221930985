"""Offline license files: issue one for a subscription, signed with the server's Ed25519 key;
verify one; fetch the public key that products embed to verify files offline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import AwareDatetime, BaseModel, Field

from tierwise.adapters.crypto import LicenseKeyCipher
from tierwise.api.deps import AdminKey, ReaderKey, Runtime, visible_subscription
from tierwise.errors import InvalidInput, LicenseFileInvalid
from tierwise.licensing.license_files import (
    ALG_ENCRYPTED,
    ALG_SIGNED,
    LicenseAccount,
    LicenseClaims,
    assess_validity,
    issue_license_file,
    open_license_file,
)

__all__ = ["router"]

router = APIRouter(tags=["licenses"])


class LicenseIssue(BaseModel):
    """At most one of ``ttl_days``, ``expiry``, ``perpetual``; none: expires at the term end."""

    ttl_days: int | None = Field(default=None, ge=1, le=3650)
    expiry: AwareDatetime | None = None
    perpetual: bool = False
    encrypt_with: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="A license key: encrypt the file with AES-256-GCM under SHA-256 of it.",
    )

    model_config = {"json_schema_extra": {"examples": [{"ttl_days": 365}]}}


class LicenseFileOut(BaseModel):
    license_file: str = Field(description="The `-----BEGIN LICENSE FILE-----` container.")
    kid: str
    alg: str = Field(examples=[ALG_SIGNED])
    account_id: str
    plan: str
    seats: int
    entitlements: dict[str, bool | int | str]
    issued: str
    expiry: str | None


class LicenseVerify(BaseModel):
    license_file: str = Field(min_length=1, max_length=200_000)
    license_key: str | None = Field(default=None, min_length=1, max_length=500)


class LicenseVerdict(BaseModel):
    usable: bool
    code: str = Field(
        description="license_valid, license_in_grace, or why it is refused, e.g. "
        "license_signature_invalid, license_expired.",
    )
    reason: str
    kid: str | None = None
    claims: dict[str, Any] | None = None


class PublicKeyOut(BaseModel):
    kid: str
    public_key: str = Field(description="Raw Ed25519 public key, hex.")
    alg: str = "ed25519"


def _expiry(body: LicenseIssue, issued: dt.datetime, term_end: dt.date) -> dt.datetime | None:
    chosen = [body.ttl_days is not None, body.expiry is not None, body.perpetual]
    if sum(chosen) > 1:
        raise InvalidInput("give at most one of ttl_days, expiry, perpetual", field="ttl_days")
    if body.perpetual:
        return None
    if body.ttl_days is not None:
        return issued + dt.timedelta(days=body.ttl_days)
    if body.expiry is not None:
        return body.expiry
    return dt.datetime.combine(term_end, dt.time(), tzinfo=dt.UTC)


@router.post(
    "/v1/subscriptions/{subscription_id}/license-files",
    status_code=status.HTTP_201_CREATED,
    response_model=LicenseFileOut,
)
def issue_license(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    body: Annotated[LicenseIssue | None, Body()] = None,
) -> LicenseFileOut:
    """Sign a license file for the subscription's account (admin): its plan, seats and the
    entitlements in force now, for products that run on-premises or air-gapped."""
    body = body or LicenseIssue()
    subscription = visible_subscription(runtime, key, subscription_id)
    issued = runtime.clock()
    account = runtime.records.account(subscription.account_id)
    snapshot = runtime.ledger.entitlements(subscription.account_id, issued)
    claims = LicenseClaims(
        account=LicenseAccount(
            id=subscription.account_id,
            name=account.name if account else None,
            external_id=account.external_id if account else None,
        ),
        plan=snapshot.trial_plan or snapshot.plan,
        entitlements={name: item.value for name, item in snapshot.entitlements.items()},
        seats=subscription.terms.seats,
        issued=issued,
        expiry=_expiry(body, issued, subscription.term_end),
    )
    signer = runtime.signing_key()
    cipher = None if body.encrypt_with is None else LicenseKeyCipher(body.encrypt_with)
    text = issue_license_file(claims, signer=signer, cipher=cipher)
    return LicenseFileOut(
        license_file=text,
        kid=signer.kid,
        alg=ALG_ENCRYPTED if cipher else ALG_SIGNED,
        account_id=subscription.account_id,
        plan=claims.plan,
        seats=claims.seats,
        entitlements=dict(claims.entitlements),
        issued=claims.issued.isoformat(),
        expiry=None if claims.expiry is None else claims.expiry.isoformat(),
    )


@router.post("/v1/license-files/verify", response_model=LicenseVerdict)
def verify_license(body: LicenseVerify, key: ReaderKey, runtime: Runtime) -> LicenseVerdict:
    """Check a license file against this server's public key (admin, read).

    A refused file is an answer (``usable: false`` with the code), not an error.
    """
    public = runtime.signing_key().public_key
    try:
        cipher = None if body.license_key is None else LicenseKeyCipher(body.license_key)
        contents = open_license_file(body.license_file, verifier=public, cipher=cipher)
    except LicenseFileInvalid as refusal:
        return LicenseVerdict(usable=False, code=refusal.code, reason=refusal.message)
    validity = assess_validity(contents.meta, now=runtime.clock())
    data = contents.payload.get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    return LicenseVerdict(
        usable=validity.usable,
        code=validity.code,
        reason=validity.reason,
        kid=contents.kid,
        claims=attributes if isinstance(attributes, dict) else None,
    )


@router.get("/v1/license-keys", response_model=list[PublicKeyOut])
def public_keys(key: ReaderKey, runtime: Runtime) -> list[PublicKeyOut]:
    """The public key(s) that verify this server's license files (admin, read)."""
    public = runtime.signing_key().public_key
    return [PublicKeyOut(kid=public.kid, public_key=public.to_hex())]
