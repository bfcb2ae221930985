"""``tierwise license``: make signing keys, issue license files, verify them (offline).

Exit status: ``0`` done (for ``verify``: the license is usable — valid, or expired but inside its
grace period); ``1`` the license file is refused (bad signature, unknown key, cannot decrypt,
expired, issued in the future); ``2`` bad usage (bad option, unreadable file or key). Errors are
one readable line on standard error, never a traceback. ``--json`` prints one object.

Times given on the command line are ISO 8601; a time without a zone is read as UTC and a bare
date as its midnight UTC. Durations are like ``30d``, ``12h``, ``90m``, ``45s``, ``2w`` or
``1d12h``; a bare number is seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.crypto import Keyring, LicenseKeyCipher, SigningKey, VerifyingKey
from tierwise.catalog.model import Entitlement
from tierwise.catalog.versions import plan_of
from tierwise.cli.output import USAGE_ERROR, console, print_json, report_error
from tierwise.errors import InvalidInput, LicenseFileInvalid, SeatsOutOfRange, TierwiseError
from tierwise.licensing.license_files import (
    LicenseAccount,
    LicenseClaims,
    LicenseContents,
    SignatureVerifier,
    TimeRules,
    Validity,
    assess_validity,
    issue_license_file,
    open_license_file,
)
from tierwise.licensing.license_validity import format_timestamp

__all__ = ["REFUSED", "license_app"]

#: Exit status of ``verify`` when the license file is refused.
REFUSED = 1

license_app = typer.Typer(
    name="license",
    help="Offline license files: signing keys, issuing, and verifying with the public key only.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one machine-readable object.")]


def _fail(error: TierwiseError, status: int = USAGE_ERROR) -> typer.Exit:
    report_error(error)
    return typer.Exit(status)


# -- keygen -----------------------------------------------------------------------------------


@license_app.command("keygen")
def keygen(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the private key (PEM).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing key file.")] = False,
    keyring: Annotated[
        Path | None,
        typer.Option("--keyring", help="Also append the public key to this keyring file."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Make a new Ed25519 signing key; print its public key and key id.

    The private key file is written readable by its owner only. Ship the public key (or a keyring
    file of public keys) with the product; keep the private key with the vendor.
    """
    key = SigningKey.generate()
    # O_EXCL makes "refuse to overwrite" hold even if the file appears meanwhile.
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        descriptor = os.open(output, flags, 0o600)
    except FileExistsError as error:
        refusal = InvalidInput(f"{output} exists; pass --force to replace it", field="output")
        raise _fail(refusal) from error
    except OSError as error:
        raise _fail(InvalidInput(f"cannot write {output}: {error}", field="output")) from error
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.to_pem())
    output.chmod(0o600)  # an existing file replaced with --force keeps its old mode otherwise
    public = key.public_key
    if keyring is not None:
        try:
            with keyring.open("a", encoding="ascii") as file:
                file.write(f"{public.to_hex()}  # kid {public.kid}\n")
        except OSError as error:
            refusal = InvalidInput(f"cannot write {keyring}: {error.strerror}", field="keyring")
            raise _fail(refusal) from error
    if json_output:
        print_json({"kid": public.kid, "public_key": public.to_hex(), "private_key": str(output)})
        return
    console.print(f"private key written to {output} (keep it secret)", soft_wrap=True)
    console.print(f"public key: {public.to_hex()}")
    console.print(f"kid:        {public.kid}")
    if keyring is not None:
        console.print(f"public key appended to {keyring}", soft_wrap=True)


# -- issue ------------------------------------------------------------------------------------


@license_app.command("issue")
def issue(
    private_key: Annotated[Path, typer.Option("--private-key", help="Signing key file.")],
    account: Annotated[str, typer.Option("--account", help="Account id.")],
    plan: Annotated[str, typer.Option("--plan", help="Plan key.")],
    seats: Annotated[int, typer.Option("--seats", help="Number of seats.")] = 1,
    account_name: Annotated[str | None, typer.Option("--account-name")] = None,
    external_id: Annotated[
        str | None, typer.Option("--external-id", help="The vendor's own id of the account.")
    ] = None,
    entitlement: Annotated[
        list[str] | None,
        typer.Option(
            "--entitlement",
            "-e",
            help="feature=value with value true, false, a whole number or unlimited; repeatable.",
        ),
    ] = None,
    ttl: Annotated[str | None, typer.Option("--ttl", help="Lifetime, e.g. 365d.")] = None,
    expiry: Annotated[str | None, typer.Option("--expiry", help="Expiry time.")] = None,
    perpetual: Annotated[bool, typer.Option("--perpetual", help="Never expires.")] = False,
    issued_at: Annotated[
        str | None,
        typer.Option("--issued-at", help="Issue time (default now), for reproducibility."),
    ] = None,
    encrypt_with: Annotated[
        str | None,
        typer.Option("--encrypt-with", help="Encrypt with this license key (AES-256-GCM)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of printing.")
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", help="Take the plan's entitlements and seat range from here."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Sign a license file for an account. Exactly one of --ttl, --expiry, --perpetual is needed.

    With --catalog, the plan must exist in the catalog version in force on the issue date, its
    entitlements are written (each --entitlement overrides one) and the seats must be in range.
    """
    try:
        signer = SigningKey.load(_read_bytes(private_key, "private_key"))
        issued = _moment(issued_at, "issued_at") if issued_at else dt.datetime.now(dt.UTC)
        claims = LicenseClaims(
            account=LicenseAccount(id=account, name=account_name, external_id=external_id),
            plan=plan,
            entitlements={
                **(_plan_entitlements(catalog, plan, seats, issued) if catalog else {}),
                **_entitlements(entitlement or []),
            },
            seats=seats,
            issued=issued,
            expiry=_expiry(issued, ttl=ttl, expiry=expiry, perpetual=perpetual),
        )
        cipher = None if encrypt_with is None else LicenseKeyCipher(encrypt_with)
        text = issue_license_file(claims, signer=signer, cipher=cipher)
        if output is not None:
            _write_text(output, text)
    except TierwiseError as error:
        raise _fail(error) from error
    if json_output:
        summary = {
            "output": None if output is None else str(output),
            "kid": signer.kid,
            "alg": "aes-256-gcm+ed25519" if cipher else "base64+ed25519",
            "meta": _meta_json(claims.issued, claims.expiry, claims.ttl),
        }
        print_json(summary if output is not None else {**summary, "license_file": text})
    elif output is None:
        typer.echo(text, nl=False)
    else:
        expires = "never" if claims.expiry is None else format_timestamp(claims.expiry)
        console.print(
            f"license file written to {output} (key {signer.kid}, expires {expires})",
            soft_wrap=True,
        )


def _expiry(
    issued: dt.datetime, *, ttl: str | None, expiry: str | None, perpetual: bool
) -> dt.datetime | None:
    given = [name for name, value in (("--ttl", ttl), ("--expiry", expiry)) if value] + (
        ["--perpetual"] if perpetual else []
    )
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one of --ttl, --expiry or --perpetual"
            + (f" (got {', '.join(given)})" if given else ""),
            field="expiry",
        )
    if ttl:
        return issued + _duration(ttl, "ttl")
    if expiry:
        return _moment(expiry, "expiry")
    return None


def _plan_entitlements(
    catalog: Path, plan_key: str, seats: int, issued: dt.datetime
) -> dict[str, Entitlement]:
    """The entitlements of ``plan_key`` in the catalog version in force on the issue date."""
    version = load_catalog_path(catalog).version_at(issued.date())
    plan = plan_of(version, plan_key)
    lowest, highest = plan.pricing.minimum_seats, plan.pricing.maximum_seats
    if seats < lowest or (highest is not None and seats > highest):
        limit = f"{lowest} to {highest}" if highest is not None else f"at least {lowest}"
        raise SeatsOutOfRange(f"plan {plan_key!r} takes {limit} seats, not {seats}", field="seats")
    return dict(plan.entitlements)


_ENTITLEMENT = re.compile(r"^(?P<feature>[a-z][a-z0-9_\-]*)=(?P<value>.+)$")


def _entitlements(items: list[str]) -> dict[str, Entitlement]:
    """Parse ``feature=value`` options; a later option for the same feature wins."""
    parsed: dict[str, Entitlement] = {}
    for item in items:
        match = _ENTITLEMENT.match(item.strip())
        if match is None:
            raise InvalidInput(f"expected feature=value, got {item!r}", field="entitlement")
        value = match["value"].strip().lower()
        if value in ("true", "false"):
            parsed[match["feature"]] = value == "true"
        elif value == "unlimited":
            parsed[match["feature"]] = "unlimited"
        elif value.isdigit():
            parsed[match["feature"]] = int(value)
        else:
            raise InvalidInput(
                f"{match['feature']}: {value!r} is not true, false, a whole number or unlimited",
                field="entitlement",
            )
    return parsed


# -- verify -----------------------------------------------------------------------------------


@license_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The license file.")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Trusted public key (64 hex digits).")
    ] = None,
    keyring: Annotated[
        Path | None, typer.Option("--keyring", help="File of trusted public keys, one a line.")
    ] = None,
    license_key: Annotated[
        str | None, typer.Option("--license-key", help="Decrypts an encrypted file.")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Check as of this time (default now).")
    ] = None,
    grace: Annotated[str, typer.Option("--grace", help="Grace period after expiry.")] = "0s",
    clock_drift: Annotated[
        str, typer.Option("--clock-drift", help="Allowed issue time in the future.")
    ] = "5m",
    json_output: JsonOption = False,
) -> None:
    """Check a license file with the public key only: exit 0 usable, 1 refused, 2 bad usage."""
    try:
        verifier = _verifier(public_key, keyring)
        text = _read_bytes(file, "file").decode("utf-8", errors="replace")
        cipher = None if license_key is None else LicenseKeyCipher(license_key)
        now = _moment(at, "at") if at else dt.datetime.now(dt.UTC)
        rules = TimeRules(
            clock_drift=_duration(clock_drift, "clock_drift"), grace=_duration(grace, "grace")
        )
    except TierwiseError as error:
        raise _fail(error) from error
    try:
        contents = open_license_file(text, verifier=verifier, cipher=cipher)
    except LicenseFileInvalid as error:
        _show_refusal(error, now, json_output)
        raise typer.Exit(REFUSED) from error
    validity = assess_validity(contents.meta, now=now, rules=rules)
    _show_license(contents, validity, now, json_output)
    if not validity.usable:
        raise typer.Exit(REFUSED)


def _verifier(public_key: str | None, keyring: Path | None) -> SignatureVerifier:
    if (public_key is None) == (keyring is None):
        raise InvalidInput("give exactly one of --public-key or --keyring", field="public_key")
    if public_key is not None:
        return VerifyingKey.from_hex(public_key)
    assert keyring is not None  # one of the two was given, checked above
    return Keyring.parse(_read_bytes(keyring, "keyring").decode("utf-8", errors="replace"))


def _show_refusal(error: LicenseFileInvalid, now: dt.datetime, json_output: bool) -> None:
    if json_output:
        print_json(
            {
                "valid": False,
                "standing": "invalid",
                "code": error.code,
                "reason": error.message,
                "field": error.field,
                "checked_at": format_timestamp(now),
            }
        )
    else:
        report_error(error)


def _show_license(
    contents: LicenseContents, validity: Validity, now: dt.datetime, json_output: bool
) -> None:
    meta, claims = contents.meta, contents.claims
    included = _included_counts(contents)
    if json_output:
        print_json(
            {
                "valid": validity.usable,
                "standing": validity.standing.value,
                "code": validity.code,
                "reason": validity.reason,
                "grace_ends": None
                if validity.grace_ends is None
                else format_timestamp(validity.grace_ends),
                "checked_at": format_timestamp(now),
                "alg": contents.alg,
                "kid": contents.kid,
                "meta": _meta_json(meta.issued, meta.expiry, meta.ttl),
                "claims": None if claims is None else _claims_json(claims),
                "included": included,
            }
        )
        return
    colour = {"valid": "green", "in_grace": "yellow"}.get(validity.standing.value, "red")
    table = Table(title="License file", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("standing", f"[{colour}]{validity.standing.value}[/] — {validity.reason}")
    table.add_row("signed by", f"key {contents.kid} ({contents.alg})")
    table.add_row("issued", format_timestamp(meta.issued))
    table.add_row("expiry", "never" if meta.expiry is None else format_timestamp(meta.expiry))
    if claims is not None:
        name = f" ({claims.account.name})" if claims.account.name else ""
        table.add_row("account", f"{claims.account.id}{name}")
        table.add_row("plan", claims.plan)
        table.add_row("seats", str(claims.seats))
        for feature, value in sorted(claims.entitlements.items()):
            table.add_row(
                f"  {feature}", str(value).lower() if isinstance(value, bool) else str(value)
            )
    elif included is not None:
        table.add_row("included", ", ".join(f"{n} {kind}" for kind, n in included.items()))
    console.print(table)


def _included_counts(contents: LicenseContents) -> dict[str, int] | None:
    """Count Keygen's ``included`` records by type (entitlements, policies...), if any."""
    records = contents.payload.get("included")
    if not isinstance(records, list):
        return None
    counts = Counter(str(r.get("type")) for r in records if isinstance(r, dict))
    return dict(sorted(counts.items()))


def _meta_json(issued: dt.datetime, expiry: dt.datetime | None, ttl: int | None) -> dict[str, Any]:
    return {
        "issued": format_timestamp(issued),
        "expiry": None if expiry is None else format_timestamp(expiry),
        "ttl": ttl,
    }


def _claims_json(claims: LicenseClaims) -> dict[str, Any]:
    return {
        "account": {
            "id": claims.account.id,
            "name": claims.account.name,
            "external_id": claims.account.external_id,
        },
        "plan": claims.plan,
        "seats": claims.seats,
        "entitlements": dict(claims.entitlements),
        "kid": claims.kid,
    }


# -- reading options --------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+)([wdhms])")
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


def _duration(text: str, name: str) -> dt.timedelta:
    """``30d``, ``12h``, ``1d12h``, ``90m``, ``45s``, ``2w``, or a bare number of seconds."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return dt.timedelta(seconds=int(cleaned))
    parts = _DURATION.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise InvalidInput(f"{text!r} is not a duration such as 30d, 12h or 90m", field=name)
    return dt.timedelta(seconds=sum(int(n) * _UNIT_SECONDS[u] for n, u in parts))


def _moment(text: str, name: str) -> dt.datetime:
    """An ISO 8601 time; without a zone it is UTC, and a bare date is its midnight UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not an ISO 8601 date or time", field=name) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}", field=name) from error


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="ascii")
    except OSError as error:
        raise InvalidInput(
            f"cannot write {path}: {error.strerror or error}", field="output"
        ) from error
