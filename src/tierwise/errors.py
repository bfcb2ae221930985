"""The one exception tree of tierwise, with stable codes.

Every error a user can cause carries a stable ``code`` (used by the CLI's exit message and the
API's problem+json ``code``) and, where it applies, the ``field`` that was wrong::

    TierwiseError                      code: tierwise_error
    ├── InvalidInput                   code: invalid_input        (bad input; names the field)
    │   ├── MoneyError                 code: money_error
    │   │   ├── FloatRefused           code: float_refused
    │   │   ├── UnknownCurrency        code: unknown_currency
    │   │   └── CurrencyMismatch       code: currency_mismatch
    │   ├── CatalogInvalid             code: catalog_invalid      (carries every Problem)
    │   ├── PlaybookInvalid            code: playbook_invalid     (carries every Problem)
    │   ├── ExpressionInvalid          code: expression_invalid   (a trigger; names the column)
    │   ├── UnknownPlan                code: unknown_plan
    │   ├── UnknownAddOn               code: unknown_add_on
    │   ├── AddOnNotAvailable          code: add_on_not_available
    │   ├── CurrencyNotPriced          code: currency_not_priced
    │   ├── IntervalNotPriced          code: interval_not_priced
    │   ├── SeatsOutOfRange            code: seats_out_of_range
    │   ├── OutsidePeriod              code: outside_period
    │   └── InvalidEvent               code: invalid_event        (a usage event or import row)
    ├── ChangeNotAllowed               code: change_not_allowed   (the change policy says ILLEGAL)
    ├── NotFound                       code: not_found
    ├── Conflict                       code: conflict             (optimistic locking, idempotency)
    ├── EventStoreUnavailable          code: event_store_unavailable (another process holds it)
    └── LicenseFileInvalid             code: license_file_invalid (offline license file refused)
        ├── LicenseMalformed           code: license_malformed
        ├── LicenseSignatureInvalid    code: license_signature_invalid
        ├── LicenseUnknownKey          code: license_unknown_key
        ├── LicenseDecryptionFailed    code: license_decryption_failed
        ├── LicenseNotYetValid         code: license_not_yet_valid
        └── LicenseExpired             code: license_expired

"No" answers of business rules (an offer that does not apply, a denied entitlement check) are
values with reasons, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AddOnNotAvailable",
    "CatalogInvalid",
    "ChangeNotAllowed",
    "ConcurrentChange",
    "Conflict",
    "CurrencyMismatch",
    "CurrencyNotPriced",
    "EventStoreUnavailable",
    "ExpressionInvalid",
    "FloatRefused",
    "IdempotencyKeyReused",
    "IntervalNotPriced",
    "InvalidEvent",
    "InvalidInput",
    "LicenseDecryptionFailed",
    "LicenseExpired",
    "LicenseFileInvalid",
    "LicenseMalformed",
    "LicenseNotYetValid",
    "LicenseSignatureInvalid",
    "LicenseUnknownKey",
    "MoneyError",
    "NotFound",
    "OutsidePeriod",
    "PlaybookInvalid",
    "Problem",
    "SchemaOutdated",
    "SeatsOutOfRange",
    "Severity",
    "TierwiseError",
    "TransitionNotAllowed",
    "UnknownAddOn",
    "UnknownCurrency",
    "UnknownPlan",
]


class TierwiseError(Exception):
    """Base of every error tierwise raises on purpose."""

    code: str = "tierwise_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInput(TierwiseError):
    """The caller gave a value that cannot be used; ``field`` names it."""

    code = "invalid_input"


class MoneyError(InvalidInput):
    code = "money_error"


class FloatRefused(MoneyError):
    """Money was built from a float, which cannot represent most decimal amounts exactly."""

    code = "float_refused"


class UnknownCurrency(MoneyError):
    code = "unknown_currency"


class CurrencyMismatch(MoneyError):
    code = "currency_mismatch"


#: How bad a :class:`Problem` is: an ``error`` makes the document unusable; a ``warning`` is shown
#: but does not stop the document from loading.
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a catalog or playbook document.

    ``path`` is the dotted YAML path (``plans.pro.prices.USD.month``); ``line`` is 1-based, or
    ``None`` when the problem is about something absent; ``source`` names the file.
    """

    code: str
    path: str
    message: str
    line: int | None = None
    source: str | None = None
    severity: Severity = "error"

    def where(self) -> str:
        """``file:line`` (or as much of it as is known) for messages."""
        place = self.source or ""
        if self.line is not None:
            place = f"{place}:{self.line}" if place else f"line {self.line}"
        return place


class CatalogInvalid(InvalidInput):
    """A catalog document has problems; all of them are listed, not only the first."""

    code = "catalog_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0] if errors else (problems[0] if problems else None)
        summary = f"{len(problems)} problem(s) in the catalog"
        if first is not None:
            summary += f"; first: {first.path}: {first.message}"
        super().__init__(summary, field=first.path if first else None)


class PlaybookInvalid(InvalidInput):
    """A playbook document has problems; all of them are listed, not only the first."""

    code = "playbook_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0] if errors else (problems[0] if problems else None)
        summary = f"{len(problems)} problem(s) in the playbook"
        if first is not None:
            summary += f"; first: {first.path}: {first.message}"
        super().__init__(summary, field=first.path if first else None)


class ExpressionInvalid(InvalidInput):
    """A trigger expression cannot be read.

    ``reason`` is the specific stable code (``expression_syntax``, ``call_not_allowed``...),
    ``position`` the 0-based character where the problem starts and ``detail`` the message
    without the position.
    """

    code = "expression_invalid"

    def __init__(self, reason: str, detail: str, position: int) -> None:
        super().__init__(f"{detail} (at column {position + 1})", field="expression")
        self.reason = reason
        self.detail = detail
        self.position = position


class UnknownPlan(InvalidInput):
    code = "unknown_plan"


class UnknownAddOn(InvalidInput):
    code = "unknown_add_on"


class AddOnNotAvailable(InvalidInput):
    """The add-on is neither available for nor included in the plan it was asked for with."""

    code = "add_on_not_available"


class CurrencyNotPriced(InvalidInput):
    code = "currency_not_priced"


class IntervalNotPriced(InvalidInput):
    code = "interval_not_priced"


class SeatsOutOfRange(InvalidInput):
    code = "seats_out_of_range"


class OutsidePeriod(InvalidInput):
    code = "outside_period"


class InvalidEvent(InvalidInput):
    """A usage event (CloudEvents, Segment call, import row) cannot be read; names the field."""

    code = "invalid_event"


class ChangeNotAllowed(TierwiseError):
    """The catalog's plan-change policy makes this change ILLEGAL."""

    code = "change_not_allowed"


class NotFound(TierwiseError):
    code = "not_found"


class Conflict(TierwiseError):
    """Another change won the race, or an idempotency key was reused with other input."""

    code = "conflict"


class EventStoreUnavailable(TierwiseError):
    """The event store cannot be opened, usually because another process is writing to it."""

    code = "event_store_unavailable"


class LicenseFileInvalid(TierwiseError):
    """An offline license file cannot be trusted or used; the subclass says why."""

    code = "license_file_invalid"


class LicenseMalformed(LicenseFileInvalid):
    """The file is not a well-formed license-file container or its payload is not understood."""

    code = "license_malformed"


class LicenseSignatureInvalid(LicenseFileInvalid):
    """The Ed25519 signature does not match: the file was altered or signed by another key."""

    code = "license_signature_invalid"


class LicenseUnknownKey(LicenseFileInvalid):
    """The file names a signing key id that is not among the trusted public keys."""

    code = "license_unknown_key"


class LicenseDecryptionFailed(LicenseFileInvalid):
    """An encrypted file could not be decrypted: no license key, or the wrong one."""

    code = "license_decryption_failed"


class LicenseNotYetValid(LicenseFileInvalid):
    """The file was issued later than now plus the allowed clock drift (a desynchronised clock)."""

    code = "license_not_yet_valid"


class LicenseExpired(LicenseFileInvalid):
    """The file's expiry, plus any grace period, has passed."""

    code = "license_expired"


class TransitionNotAllowed(ChangeNotAllowed):
    """The subscription's current state does not allow this transition (reinstate an active one)."""

    code = "transition_not_allowed"


class ConcurrentChange(Conflict):
    """Another change to the same record was committed first; reload and decide again."""

    code = "concurrent_change"


class IdempotencyKeyReused(Conflict):
    """An idempotency key already names a different request."""

    code = "idempotency_key_reused"


class SchemaOutdated(TierwiseError):
    """The database schema is behind this version of tierwise; run ``tierwise db upgrade``."""

    code = "schema_outdated"
