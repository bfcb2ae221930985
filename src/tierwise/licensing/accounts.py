"""Accounts: the customer organisations that hold subscriptions.

Firmographics (industry, company size, region) and free-form attributes feed segments and offers
later; the owner is the customer-success manager who answers for the account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from tierwise.errors import InvalidInput
from tierwise.licensing.events import JsonObject
from tierwise.licensing.timestamps import from_iso, to_iso, utc
from tierwise.money import minor_units

__all__ = ["Account"]


@dataclass(frozen=True, slots=True)
class Account:
    """A customer organisation. ``external_id`` is the vendor's own id (CRM or billing)."""

    id: str
    external_id: str
    name: str
    currency: str
    created_at: dt.datetime
    industry: str | None = None
    company_size: int | None = None
    region: str | None = None
    owner: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.external_id.strip():
            raise InvalidInput("external_id must not be empty", field="external_id")
        if not self.name.strip():
            raise InvalidInput("name must not be empty", field="name")
        if self.company_size is not None and self.company_size < 1:
            raise InvalidInput("company_size must be at least 1", field="company_size")
        minor_units(self.currency)  # refuses unknown currency codes
        object.__setattr__(self, "created_at", utc(self.created_at, field="created_at"))
        object.__setattr__(self, "attributes", dict(self.attributes))

    def as_dict(self) -> JsonObject:
        return {
            "id": self.id,
            "external_id": self.external_id,
            "name": self.name,
            "industry": self.industry,
            "company_size": self.company_size,
            "region": self.region,
            "currency": self.currency,
            "owner": self.owner,
            "attributes": dict(self.attributes),
            "created_at": to_iso(self.created_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Account:
        size = data.get("company_size")
        attributes = data.get("attributes") or {}
        assert isinstance(attributes, dict)
        return cls(
            id=str(data["id"]),
            external_id=str(data["external_id"]),
            name=str(data["name"]),
            currency=str(data["currency"]),
            created_at=from_iso(str(data["created_at"])),
            industry=_optional(data.get("industry")),
            company_size=int(str(size)) if size is not None else None,
            region=_optional(data.get("region")),
            owner=_optional(data.get("owner")),
            attributes={str(k): str(v) for k, v in attributes.items()},
        )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
