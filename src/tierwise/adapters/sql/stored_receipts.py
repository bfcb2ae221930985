"""Receipts stored under idempotency keys, with their data kept once, in the history entry.

The receipt of a transition (``change``, ``renew``, ``cancel``…) carries the subscription after
the change and the quote: exactly the ``after`` and ``quote`` of the history entry written in
the same transaction. Stored twice, that was about 1.8 kB more per transition, two fifths of
what a transition wrote. So when the receipt's data *is* that entry's (the same objects, checked
by identity, not by comparison), the key's row keeps the receipt without its data and a
``data_in_history`` flag; reading the key takes ``after`` and ``quote`` back from the entry
(``subscription_id`` = the receipt's subject, ``version`` = its version). Both rows are written
in one transaction, so the entry exists whenever the key does. Any other receipt (extra data, a
new subscription's snapshot, no matching entry) is stored whole, as before, and receipts stored
whole by earlier versions read as they always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.driver_statements import DriverCursor, DriverStatement
from tierwise.licensing.events import JsonObject
from tierwise.licensing.history import HistoryEntry

__all__ = ["DATA_IN_HISTORY", "receipt_from_store", "receipt_to_store"]

#: The flag of a stored receipt whose data is its history entry's ``after`` and ``quote``.
DATA_IN_HISTORY = "data_in_history"

_HISTORY_DATA = DriverStatement(
    select(t.history.c.after, t.history.c.quote).where(
        t.history.c.subscription_id == bindparam("subscription_id"),
        t.history.c.version == bindparam("version"),
    )
)


def receipt_to_store(receipt: JsonObject, entry: HistoryEntry | None) -> JsonObject:
    """``receipt`` as it is stored: by reference when its data is ``entry``'s after and quote."""
    data = receipt.get("data")
    if (
        entry is None
        or not isinstance(data, dict)
        or data.keys() != {"subscription", "quote"}
        or data["subscription"] is not entry.after
        or data["quote"] is not entry.quote
        or receipt.get("subject_id") != entry.subscription_id
        or receipt.get("version") != entry.version
    ):
        return receipt
    stored: JsonObject = {name: value for name, value in receipt.items() if name != "data"}
    stored[DATA_IN_HISTORY] = True
    return stored


def receipt_from_store(stored: Mapping[str, Any], driver: DriverCursor) -> JsonObject:
    """The receipt as it was given to :func:`receipt_to_store` (data read back when needed)."""
    if not stored.get(DATA_IN_HISTORY):
        return dict(stored)
    subject, version = stored["subject_id"], stored["version"]
    entry = driver.first(_HISTORY_DATA, {"subscription_id": subject, "version": version})
    if entry is None:  # both rows are written in one transaction: only a manual delete does this
        raise RuntimeError(
            f"the history entry {subject} v{version} holding a stored receipt's data is missing"
        )
    receipt: JsonObject = {name: value for name, value in stored.items() if name != DATA_IN_HISTORY}
    receipt["data"] = {"subscription": entry["after"], "quote": entry["quote"]}
    return receipt
