"""Offline license files: the Keygen license-file container, issuing, opening and verifying.

A license file lets a customer run the vendor's software on-premises or air-gapped: it carries
what the account may use, signed with the vendor's Ed25519 key, and it is checked with only the
public key. The container is the one Keygen made common, so files from either side read alike::

    -----BEGIN LICENSE FILE-----
    base64 of {"enc": ..., "sig": ..., "alg": ..., "kid": ...}, wrapped at 60 columns
    -----END LICENSE FILE-----

* ``alg`` ``base64+ed25519``: ``enc`` is the base64 of the JSON payload.
* ``alg`` ``aes-256-gcm+ed25519``: ``enc`` is ``ciphertext.iv.tag``, each part base64; the key is
  SHA-256 of the license key string (see the :class:`Cipher` port).
* ``sig`` is the base64 Ed25519 signature of the bytes ``license/`` + ``enc`` exactly as written,
  and it is checked *before* anything is decrypted or parsed.
* ``kid`` (our addition, ignored by Keygen's verifiers) names the signing key so a keyring can pick
  it; it is only a hint: the signed payload repeats it in ``meta.kid`` and the two must agree.

This module is pure: no clock (``now`` is a parameter), no files, no cryptography library. The
crypto adapter implements the :class:`Signer`, :class:`SignatureVerifier` and :class:`Cipher`
ports. The claims live in :mod:`~tierwise.licensing.license_claims` and the time rules in
:mod:`~tierwise.licensing.license_validity`; their public names are re-exported here so a product
needs one import. Payload fields are described in ``docs/license-files.md``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tierwise.errors import (
    InvalidInput,
    LicenseDecryptionFailed,
    LicenseMalformed,
    LicenseSignatureInvalid,
    LicenseUnknownKey,
)
from tierwise.licensing.license_claims import (
    PAYLOAD_FORMAT,
    LicenseAccount,
    LicenseClaims,
    claims_from_payload,
    claims_to_payload,
    is_tierwise_payload,
)
from tierwise.licensing.license_validity import (
    DEFAULT_TIME_RULES,
    LicenseMeta,
    Standing,
    TimeRules,
    Validity,
    assess_validity,
    read_meta,
)

__all__ = [
    "ALG_ENCRYPTED",
    "ALG_SIGNED",
    "DEFAULT_TIME_RULES",
    "PAYLOAD_FORMAT",
    "Cipher",
    "LicenseAccount",
    "LicenseClaims",
    "LicenseContents",
    "LicenseEnvelope",
    "LicenseMeta",
    "SignatureVerifier",
    "Signer",
    "Standing",
    "TimeRules",
    "Validity",
    "VerifiedLicense",
    "assess_validity",
    "format_envelope",
    "issue_license_file",
    "open_license_file",
    "parse_envelope",
    "verify_license_file",
]

ALG_SIGNED = "base64+ed25519"
ALG_ENCRYPTED = "aes-256-gcm+ed25519"

_BEGIN = "-----BEGIN LICENSE FILE-----"
_END = "-----END LICENSE FILE-----"
_WRAP = 60  # the column width of Keygen's own files
_SIGNING_PREFIX = b"license/"
_ENVELOPE_KEYS = frozenset({"enc", "sig", "alg", "kid"})
_IV_BYTES = 12
_TAG_BYTES = 16


# -- ports ------------------------------------------------------------------------------------


class Signer(Protocol):
    """The vendor's private signing key (implemented by the crypto adapter)."""

    @property
    def kid(self) -> str:
        """Key id of the matching public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        ...


class SignatureVerifier(Protocol):
    """One or several trusted public keys (a keyring, for rotation)."""

    def knows(self, kid: str) -> bool:
        """Whether a trusted key has this key id."""
        ...

    def verify(self, message: bytes, signature: bytes, kid: str | None) -> str | None:
        """The kid of the trusted key that made ``signature``, or ``None`` if none did.

        With ``kid`` given only that key is tried; without it (Keygen's files) every key is.
        """
        ...


class Cipher(Protocol):
    """AES-256-GCM keyed by SHA-256 of one license key (implemented by the crypto adapter)."""

    def encrypt(self, plaintext: bytes) -> tuple[bytes, bytes, bytes]:
        """``(ciphertext, iv, tag)`` with a fresh 12-byte iv and a 16-byte tag."""
        ...

    def decrypt(self, ciphertext: bytes, iv: bytes, tag: bytes) -> bytes:
        """The plaintext; raises :class:`LicenseDecryptionFailed` if it does not authenticate."""
        ...


# -- the container ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenseEnvelope:
    """The JSON object inside the armour, exactly as written (``enc`` is what is signed)."""

    enc: str
    sig: str
    alg: str
    kid: str | None = None


def parse_envelope(text: str) -> LicenseEnvelope:
    """Read the armoured container: strict base64 and known fields only, else malformed."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise LicenseMalformed(f"not a license file: expected {_BEGIN} ... {_END}")
    raw = _strict_b64decode("".join(lines[1:-1]), "armour")
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise LicenseMalformed("the license file does not hold a JSON envelope") from error
    if not isinstance(envelope, dict):
        raise LicenseMalformed("the license file envelope is not a JSON object")
    unknown = sorted(set(envelope) - _ENVELOPE_KEYS)
    if unknown:
        raise LicenseMalformed(f"unknown envelope field(s): {', '.join(unknown)}", field=unknown[0])
    for name in ("enc", "sig", "alg"):
        if not isinstance(envelope.get(name), str):
            raise LicenseMalformed(f"envelope field {name!r} is missing or not text", field=name)
    kid = envelope.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise LicenseMalformed("envelope field 'kid' is not text", field="kid")
    return LicenseEnvelope(enc=envelope["enc"], sig=envelope["sig"], alg=envelope["alg"], kid=kid)


def format_envelope(envelope: LicenseEnvelope) -> str:
    """Armour an envelope: the inverse of :func:`parse_envelope` (``kid`` only when set)."""
    fields = {"enc": envelope.enc, "sig": envelope.sig, "alg": envelope.alg}
    if envelope.kid is not None:
        fields["kid"] = envelope.kid
    body = base64.b64encode(json.dumps(fields, separators=(",", ":")).encode("utf-8")).decode()
    wrapped = [body[start : start + _WRAP] for start in range(0, len(body), _WRAP)]
    return "\n".join([_BEGIN, *wrapped, _END]) + "\n"


def _strict_b64decode(text: str, what: str) -> bytes:
    """Decode base64 and refuse any other spelling of the same bytes (non-zero padding bits).

    Python's decoder ignores the unused bits of the last character, so without the round trip a
    changed character could decode to the same bytes and a tampered file would still pass.
    """
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise LicenseMalformed(f"{what} is not valid base64", field=what) from error
    if base64.b64encode(data).decode("ascii") != text:
        raise LicenseMalformed(f"{what} is not canonical base64", field=what)
    return data


# -- issuing ----------------------------------------------------------------------------------


def issue_license_file(
    claims: LicenseClaims, *, signer: Signer, cipher: Cipher | None = None
) -> str:
    """Sign ``claims`` into a license file; encrypted with ``cipher`` when one is given.

    Unencrypted files are reproducible byte for byte (Ed25519 signatures are deterministic);
    encrypted ones are not, because each gets a fresh iv.
    """
    if claims.kid is not None and claims.kid != signer.kid:
        raise InvalidInput(
            f"the claims name key {claims.kid} but the signer is key {signer.kid}", field="kid"
        )
    plaintext = json.dumps(claims_to_payload(claims, signer.kid), separators=(",", ":")).encode()
    if cipher is None:
        alg, enc = ALG_SIGNED, _b64(plaintext)
    else:
        ciphertext, iv, tag = cipher.encrypt(plaintext)
        alg, enc = ALG_ENCRYPTED, ".".join(_b64(part) for part in (ciphertext, iv, tag))
    signature = signer.sign(_SIGNING_PREFIX + enc.encode("ascii"))
    return format_envelope(LicenseEnvelope(enc=enc, sig=_b64(signature), alg=alg, kid=signer.kid))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenseContents:
    """A license file whose signature verified and whose payload was read.

    ``payload`` is the whole decoded JSON (Keygen's ``data`` / ``included`` are there); ``claims``
    is set only for files tierwise wrote (``meta.format``). ``kid`` is the verifying key's id.
    """

    alg: str
    kid: str
    meta: LicenseMeta
    payload: Mapping[str, Any]
    claims: LicenseClaims | None


def open_license_file(
    text: str, *, verifier: SignatureVerifier, cipher: Cipher | None = None
) -> LicenseContents:
    """Check the signature, then decrypt and read the payload. Time is not looked at here.

    Raises a :class:`~tierwise.errors.LicenseFileInvalid` subclass: malformed, unknown key,
    signature invalid (always before any decryption), or decryption failed.
    """
    envelope = parse_envelope(text)
    if envelope.alg not in (ALG_SIGNED, ALG_ENCRYPTED):
        raise LicenseMalformed(f"unsupported algorithm {envelope.alg!r}", field="alg")
    if envelope.kid is not None and not verifier.knows(envelope.kid):
        raise LicenseUnknownKey(
            f"the file is signed with key {envelope.kid}, which is not a trusted key", field="kid"
        )
    signature = _strict_b64decode(envelope.sig, "sig")
    kid = verifier.verify(_SIGNING_PREFIX + envelope.enc.encode("utf-8"), signature, envelope.kid)
    if kid is None:
        raise LicenseSignatureInvalid(
            "the signature does not match: the file was altered or signed by another key",
            field="sig",
        )
    plaintext = _decode_enc(envelope, cipher)
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise LicenseMalformed("the payload is not JSON") from error
    if not isinstance(payload, dict):
        raise LicenseMalformed("the payload is not a JSON object")
    meta = read_meta(payload.get("meta"))
    claims = claims_from_payload(payload, meta, kid) if is_tierwise_payload(payload) else None
    return LicenseContents(alg=envelope.alg, kid=kid, meta=meta, payload=payload, claims=claims)


def _decode_enc(envelope: LicenseEnvelope, cipher: Cipher | None) -> bytes:
    if envelope.alg == ALG_SIGNED:
        return _strict_b64decode(envelope.enc, "enc")
    parts = envelope.enc.split(".")
    if len(parts) != 3:
        raise LicenseMalformed("an encrypted enc must be ciphertext.iv.tag", field="enc")
    ciphertext, iv, tag = (_strict_b64decode(part, "enc") for part in parts)
    if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
        raise LicenseMalformed("the iv must be 12 bytes and the tag 16 bytes", field="enc")
    if cipher is None:
        raise LicenseDecryptionFailed(
            "the license file is encrypted: give the license key to decrypt it", field="license_key"
        )
    return cipher.decrypt(ciphertext, iv, tag)


@dataclass(frozen=True, slots=True)
class VerifiedLicense:
    """A license file that is authentic and usable at the time it was checked."""

    contents: LicenseContents
    validity: Validity


def verify_license_file(
    text: str,
    *,
    verifier: SignatureVerifier,
    now: dt.datetime,
    cipher: Cipher | None = None,
    rules: TimeRules = DEFAULT_TIME_RULES,
) -> VerifiedLicense:
    """Everything a product needs at start-up: authentic, readable and usable at ``now``, or raise.

    Raises a :class:`~tierwise.errors.LicenseFileInvalid` subclass otherwise; a file in its
    grace period is returned with ``validity.standing == IN_GRACE`` so the product can warn.
    """
    contents = open_license_file(text, verifier=verifier, cipher=cipher)
    validity = assess_validity(contents.meta, now=now, rules=rules)
    validity.raise_if_unusable()
    return VerifiedLicense(contents=contents, validity=validity)
