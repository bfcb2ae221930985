"""The claims of a tierwise license file and their JSON payload.

The payload is shaped like Keygen's (``meta`` with ``issued``, ``expiry``, ``ttl``; the license
as a JSON:API ``data`` resource) so one verifier reads both; tierwise's own fields are in
``data.attributes`` and ``meta.format`` marks the payload as ours. See ``docs/license-files.md``.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierwise.catalog.model import Entitlement
from tierwise.errors import InvalidInput, LicenseMalformed
from tierwise.licensing.license_validity import LicenseMeta, format_timestamp

__all__ = [
    "PAYLOAD_FORMAT",
    "LicenseAccount",
    "LicenseClaims",
    "claims_from_payload",
    "claims_to_payload",
    "is_tierwise_payload",
]

#: Marks a payload written by tierwise (``meta.format``), so its claims can be read back.
PAYLOAD_FORMAT = "tierwise.license/1"


@dataclass(frozen=True, slots=True)
class LicenseAccount:
    """Who the license is for: our account id, its name, and the vendor's own id for it."""

    id: str
    name: str | None = None
    external_id: str | None = None

    def __post_init__(self) -> None:
        account_id: object = self.id
        if not isinstance(account_id, str) or not account_id.strip():
            raise InvalidInput("the account id must be non-empty text", field="account.id")


@dataclass(frozen=True, slots=True)
class LicenseClaims:
    """What a tierwise license file grants. Times are UTC, kept to the millisecond like Keygen.

    ``expiry`` ``None`` means perpetual. ``kid`` is the signing key's id: leave it ``None`` when
    issuing (the signer's id is written) — it is filled in from the verified file when reading.
    """

    account: LicenseAccount
    plan: str
    entitlements: Mapping[str, Entitlement]
    seats: int
    issued: dt.datetime
    expiry: dt.datetime | None = None
    kid: str | None = None

    def __post_init__(self) -> None:
        account: object = self.account
        plan: object = self.plan
        if not isinstance(account, LicenseAccount):
            raise InvalidInput("the account must be a LicenseAccount", field="account")
        if not isinstance(plan, str) or not plan.strip():
            raise InvalidInput("the plan must be non-empty text", field="plan")
        if isinstance(self.seats, bool) or not isinstance(self.seats, int) or self.seats < 1:
            raise InvalidInput(
                f"seats must be a whole number of at least 1, not {self.seats!r}", field="seats"
            )
        for feature, value in self.entitlements.items():
            if not isinstance(feature, str) or not feature:
                raise InvalidInput("entitlement names must be non-empty text", field="entitlements")
            if not _is_entitlement(value):
                raise InvalidInput(
                    f"entitlement {feature!r} must be true/false, a whole number or 'unlimited'",
                    field=f"entitlements.{feature}",
                )
        issued = _utc_millis(self.issued, "issued")
        expiry = None if self.expiry is None else _utc_millis(self.expiry, "expiry")
        if expiry is not None and expiry <= issued:
            raise InvalidInput("the expiry must be after the issue time", field="expiry")
        object.__setattr__(self, "issued", issued)
        object.__setattr__(self, "expiry", expiry)
        object.__setattr__(self, "entitlements", types.MappingProxyType(dict(self.entitlements)))

    @property
    def ttl(self) -> int | None:
        """Whole seconds from issue to expiry (Keygen's ``meta.ttl``); ``None`` if perpetual."""
        if self.expiry is None:
            return None
        return int((self.expiry - self.issued).total_seconds())


def _is_entitlement(value: object) -> bool:
    return isinstance(value, bool | int) or value == "unlimited"


def _utc_millis(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime", field=name)
    utc = moment.astimezone(dt.UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def claims_to_payload(claims: LicenseClaims, kid: str) -> dict[str, Any]:
    """The JSON payload of ``claims`` signed by key ``kid``."""
    account = claims.account
    return {
        "meta": {
            "issued": format_timestamp(claims.issued),
            "expiry": None if claims.expiry is None else format_timestamp(claims.expiry),
            "ttl": claims.ttl,
            "kid": kid,
            "format": PAYLOAD_FORMAT,
        },
        "data": {
            "type": "licenses",
            "attributes": {
                "account": {
                    "id": account.id,
                    "name": account.name,
                    "external_id": account.external_id,
                },
                "plan": claims.plan,
                "seats": claims.seats,
                "entitlements": dict(claims.entitlements),
            },
        },
    }


def is_tierwise_payload(payload: Mapping[str, Any]) -> bool:
    """Whether ``meta.format`` says tierwise wrote this payload."""
    meta = payload.get("meta")
    return isinstance(meta, dict) and meta.get("format") == PAYLOAD_FORMAT


def claims_from_payload(payload: Mapping[str, Any], meta: LicenseMeta, kid: str) -> LicenseClaims:
    """Read the claims back from a verified payload; ``license_malformed`` if they do not fit.

    The signed ``meta.kid`` must be the key that verified the file: the envelope's ``kid`` is
    not signed, so this is what makes the kid in the claims trustworthy.
    """
    signed_kid = payload["meta"].get("kid")
    if signed_kid != kid:
        raise LicenseMalformed(
            f"the signed key id {signed_kid!r} differs from the verifying key {kid}",
            field="meta.kid",
        )
    data = payload.get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise LicenseMalformed("the payload has no data.attributes", field="data.attributes")
    account = attributes.get("account")
    entitlements = attributes.get("entitlements")
    if not isinstance(account, dict) or not isinstance(entitlements, dict):
        raise LicenseMalformed("account and entitlements must be objects", field="data.attributes")
    try:
        return LicenseClaims(
            account=LicenseAccount(
                id=_text(account.get("id"), "account.id"),
                name=_optional_text(account.get("name"), "account.name"),
                external_id=_optional_text(account.get("external_id"), "account.external_id"),
            ),
            plan=_text(attributes.get("plan"), "plan"),
            entitlements=entitlements,
            seats=_whole(attributes.get("seats"), "seats"),
            issued=meta.issued,
            expiry=meta.expiry,
            kid=kid,
        )
    except InvalidInput as error:
        raise LicenseMalformed(
            f"the license claims are not readable: {error.message}",
            field=f"data.attributes.{error.field}" if error.field else "data.attributes",
        ) from error


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", field=name)
    return value


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number", field=name)
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)
