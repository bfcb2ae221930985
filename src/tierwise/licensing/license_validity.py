"""The time rules of license files: when a file may be used, read from its ``meta``.

Every license file, ours or Keygen's, carries ``meta.issued``, ``meta.expiry`` (``null`` for a
perpetual license) and ``meta.ttl``. The rules are pure: ``now`` is a parameter. Saying that a
license is expired or not yet valid is a value (:class:`Validity`) with a reason and a code; the
caller that must stop calls :meth:`Validity.raise_if_unusable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tierwise.errors import InvalidInput, LicenseExpired, LicenseMalformed, LicenseNotYetValid

__all__ = [
    "DEFAULT_TIME_RULES",
    "LicenseMeta",
    "Standing",
    "TimeRules",
    "Validity",
    "assess_validity",
    "describe_span",
    "format_timestamp",
    "read_meta",
]


@dataclass(frozen=True, slots=True)
class LicenseMeta:
    """``meta`` of any license file, ours or Keygen's: the times the rules are applied to."""

    issued: dt.datetime
    expiry: dt.datetime | None
    ttl: int | None


def format_timestamp(moment: dt.datetime) -> str:
    """UTC, millisecond precision, ``Z`` suffix: the way Keygen writes ``meta`` times."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_meta(meta: object) -> LicenseMeta:
    """Read a payload's ``meta`` object; ``license_malformed`` if it is not usable."""
    if not isinstance(meta, dict):
        raise LicenseMalformed("the payload has no meta object", field="meta")
    issued = _read_time(meta.get("issued"), "meta.issued")
    if issued is None:
        raise LicenseMalformed("meta.issued is missing", field="meta.issued")
    ttl = meta.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int)):
        raise LicenseMalformed("meta.ttl must be whole seconds or null", field="meta.ttl")
    return LicenseMeta(issued=issued, expiry=_read_time(meta.get("expiry"), "meta.expiry"), ttl=ttl)


def _read_time(value: object, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LicenseMalformed(f"{name} must be an ISO 8601 timestamp", field=name)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise LicenseMalformed(
            f"{name} is not an ISO 8601 timestamp: {value!r}", field=name
        ) from error
    if moment.tzinfo is None:
        raise LicenseMalformed(f"{name} has no time zone: {value!r}", field=name)
    return moment.astimezone(dt.UTC)


def describe_span(span: dt.timedelta) -> str:
    """A span in the units people write: ``5m``, ``14d``, ``1d12h``, ``0s``."""
    seconds, parts = int(span.total_seconds()), []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


@dataclass(frozen=True, slots=True)
class TimeRules:
    """How strict the clock checks are.

    ``clock_drift``: how far ``issued`` may be ahead of ``now`` (two clocks never agree exactly);
    beyond it the file is refused, because a clock set back is how expired files get reused.
    ``grace``: how long after ``expiry`` the file still works, flagged as in grace.
    """

    clock_drift: dt.timedelta = dt.timedelta(minutes=5)
    grace: dt.timedelta = dt.timedelta(0)

    def __post_init__(self) -> None:
        if self.clock_drift < dt.timedelta(0):
            raise InvalidInput("the clock drift must not be negative", field="clock_drift")
        if self.grace < dt.timedelta(0):
            raise InvalidInput("the grace period must not be negative", field="grace")


#: Five minutes of clock drift, no grace.
DEFAULT_TIME_RULES = TimeRules()


class Standing(StrEnum):
    """Where a license stands at a moment; only VALID and IN_GRACE may be used."""

    VALID = "valid"
    IN_GRACE = "in_grace"  # past expiry, inside the grace period: usable, renew now
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"  # issued in the future beyond the clock drift


@dataclass(frozen=True, slots=True)
class Validity:
    """The standing of a license at ``now``, with the reason in words and a stable code."""

    standing: Standing
    reason: str
    grace_ends: dt.datetime | None = None

    @property
    def usable(self) -> bool:
        return self.standing in (Standing.VALID, Standing.IN_GRACE)

    @property
    def code(self) -> str:
        """``license_valid``, ``license_in_grace``, or the code of the error it would raise."""
        return f"license_{self.standing.value}"

    def raise_if_unusable(self) -> None:
        """Raise :class:`LicenseExpired` or :class:`LicenseNotYetValid` when not usable."""
        if self.standing is Standing.EXPIRED:
            raise LicenseExpired(self.reason, field="meta.expiry")
        if self.standing is Standing.NOT_YET_VALID:
            raise LicenseNotYetValid(self.reason, field="meta.issued")


def assess_validity(
    meta: LicenseMeta, *, now: dt.datetime, rules: TimeRules = DEFAULT_TIME_RULES
) -> Validity:
    """Apply the clock-drift and expiry rules to ``meta`` at ``now`` (an aware datetime).

    Valid from ``issued - clock_drift``; valid while ``now < expiry``; in grace while
    ``now < expiry + grace``; expired from then on. No expiry means valid for ever.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("now must be a timezone-aware datetime", field="now")
    now = now.astimezone(dt.UTC)
    issued, drift = format_timestamp(meta.issued), describe_span(rules.clock_drift)
    if meta.issued > now + rules.clock_drift:
        return Validity(
            Standing.NOT_YET_VALID,
            f"issued at {issued}, later than now ({format_timestamp(now)}) by more than the "
            f"allowed clock drift of {drift}: check this machine's clock",
        )
    if meta.expiry is None:
        return Validity(Standing.VALID, "valid: the license does not expire")
    if now < meta.expiry:
        return Validity(Standing.VALID, f"valid until {format_timestamp(meta.expiry)}")
    expiry, grace_ends = format_timestamp(meta.expiry), meta.expiry + rules.grace
    if now < grace_ends:
        return Validity(
            Standing.IN_GRACE,
            f"expired at {expiry}; in grace until {format_timestamp(grace_ends)}",
            grace_ends=grace_ends,
        )
    return Validity(
        Standing.EXPIRED,
        f"expired at {expiry}"
        + (f" (grace ended {format_timestamp(grace_ends)})" if rules.grace else ""),
        grace_ends=grace_ends if rules.grace else None,
    )
