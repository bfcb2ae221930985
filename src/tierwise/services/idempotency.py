"""Idempotency keys: the same key with the same input returns the first result.

A command's *fingerprint* is a hash of its type and its fields, except ``at`` and the key itself:
a retry of the same request later on is still the same request. The receipt of the first run is
stored in the same transaction as its effects, so either both exist or neither does. The same key
with a different fingerprint raises :class:`~tierwise.errors.IdempotencyKeyReused`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum

from tierwise.errors import IdempotencyKeyReused
from tierwise.services.commands import Command
from tierwise.services.ports import IdempotencyRecord, UnitOfWork
from tierwise.services.receipts import Receipt

__all__ = ["fingerprint", "recall", "remember"]

_NOT_PART_OF_THE_REQUEST = frozenset({"at", "idempotency_key"})


def fingerprint(command: Command) -> str:
    """SHA-256 over the command's type and canonical JSON of its fields (minus ``at``, key)."""
    fields = {
        f.name: getattr(command, f.name)
        for f in dataclasses.fields(command)
        if f.name not in _NOT_PART_OF_THE_REQUEST
    }
    text = json.dumps(
        {"command": type(command).__name__, "fields": fields},
        sort_keys=True,
        separators=(",", ":"),
        default=_plain,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def recall(uow: UnitOfWork, command: Command, digest: str | None = None) -> Receipt | None:
    """The first result of this command's key, or ``None`` when the key is new (or absent).

    ``digest`` is the command's :func:`fingerprint` when the caller has it already.
    """
    key = command.idempotency_key
    if key is None:
        return None
    record = uow.idempotency.get(key)
    if record is None:
        return None
    if record.fingerprint != (digest or fingerprint(command)):
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was first used for another request "
            f"({record.command} at {record.at.isoformat()}); use a new key for a new request",
            field="idempotency_key",
        )
    return Receipt.from_dict(record.receipt).replay()


def remember(
    uow: UnitOfWork, command: Command, receipt: Receipt, digest: str | None = None
) -> None:
    """Store ``receipt`` under the command's key (inside the command's own transaction)."""
    if command.idempotency_key is None:
        return
    uow.idempotency.add(
        IdempotencyRecord(
            key=command.idempotency_key,
            command=type(command).__name__,
            fingerprint=digest or fingerprint(command),
            receipt=receipt.as_dict(),
            at=command.at,
        )
    )


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")
