"""What every handler needs besides its command and unit of work: catalog, policy, new ids."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from tierwise.catalog.versions import Catalog

__all__ = ["LedgerContext", "LedgerPolicy", "random_id"]


def random_id(prefix: str) -> str:
    """``acc_…``/``sub_…`` followed by 24 random hex digits."""
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True, slots=True)
class LedgerPolicy:
    """Operating rules chosen by the vendor (from settings): windows and thresholds."""

    revoke_window: dt.timedelta = dt.timedelta(days=14)
    dormant_days: int = 30
    seat_notice_days: int = 7


@dataclass(frozen=True, slots=True)
class LedgerContext:
    catalog: Catalog
    policy: LedgerPolicy = LedgerPolicy()
    new_id: Callable[[str], str] = field(default=random_id)
