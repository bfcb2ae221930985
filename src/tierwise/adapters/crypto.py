"""Ed25519 keys and AES-256-GCM for license files, on the ``cryptography`` library.

Implements the ports of :mod:`tierwise.licensing.license_files`:

* :class:`SigningKey` (a ``Signer``): the vendor's private key; PEM (PKCS #8) or 64 hex digits.
* :class:`VerifyingKey` and :class:`Keyring` (``SignatureVerifier``): one trusted public key, or
  several for key rotation, each known by its key id.
* :class:`LicenseKeyCipher` (a ``Cipher``): AES-256-GCM keyed by SHA-256 of a license key.

A key id (``kid``) is the first 16 hex digits of SHA-256 of the raw 32-byte public key: it is
derived, so it cannot disagree with the key, and anyone holding the public key can recompute it.
Library errors are translated here, once, into tierwise's coded errors.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tierwise.errors import InvalidInput, LicenseDecryptionFailed

__all__ = ["Keyring", "LicenseKeyCipher", "SigningKey", "VerifyingKey", "key_id"]

_RAW_KEY_BYTES = 32
_IV_BYTES = 12
_TAG_BYTES = 16


def key_id(raw_public_key: bytes) -> str:
    """The key id of a raw Ed25519 public key: 16 hex digits of its SHA-256."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def _raw_from_hex(text: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError as error:
        raise InvalidInput(f"the {what} is not hexadecimal", field=what) from error
    if len(raw) != _RAW_KEY_BYTES:
        raise InvalidInput(f"the {what} must be 32 bytes (64 hex digits)", field=what)
    return raw


@dataclass(frozen=True, slots=True, eq=False)
class VerifyingKey:
    """One trusted Ed25519 public key."""

    key: Ed25519PublicKey

    @classmethod
    def from_hex(cls, text: str) -> VerifyingKey:
        """Read a public key written as 64 hex digits (what ``license keygen`` prints)."""
        try:
            return cls(Ed25519PublicKey.from_public_bytes(_raw_from_hex(text, "public_key")))
        except ValueError as error:  # the library refuses bytes that are not a key
            raise InvalidInput(f"not an Ed25519 public key: {error}", field="public_key") from error

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def kid(self) -> str:
        return key_id(self.raw)

    def to_hex(self) -> str:
        return self.raw.hex()

    def knows(self, kid: str) -> bool:
        return kid == self.kid

    def verify(self, message: bytes, signature: bytes, kid: str | None) -> str | None:
        """This key's id if it made ``signature`` over ``message``; ``None`` otherwise."""
        if kid is not None and kid != self.kid:
            return None
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return None
        return self.kid


@dataclass(frozen=True, slots=True, eq=False)
class SigningKey:
    """The vendor's Ed25519 private key. Keep it off customer machines."""

    key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, data: bytes) -> SigningKey:
        """Read a private key from unencrypted PKCS #8 PEM or from 64 hex digits (the raw seed)."""
        text = data.strip()
        if text.startswith(b"-----BEGIN"):
            try:
                key = serialization.load_pem_private_key(text, password=None)
            except (ValueError, TypeError, UnsupportedAlgorithm) as error:
                raise InvalidInput(
                    f"the private key PEM cannot be read: {error}", field="private_key"
                ) from error
            if not isinstance(key, Ed25519PrivateKey):
                raise InvalidInput("the private key is not an Ed25519 key", field="private_key")
            return cls(key)
        try:
            seed = _raw_from_hex(text.decode("ascii"), "private_key")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                "the private key is neither PEM nor hex", field="private_key"
            ) from error
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def to_pem(self) -> bytes:
        """Unencrypted PKCS #8 PEM; protect the file with its permissions."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def to_hex(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        ).hex()

    @property
    def public_key(self) -> VerifyingKey:
        return VerifyingKey(self.key.public_key())

    @property
    def kid(self) -> str:
        return self.public_key.kid

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)


class Keyring:
    """Several trusted public keys by key id, so keys can be rotated without breaking old files.

    A file that names its key (``kid`` in the envelope) is checked with that key only; a file that
    does not (Keygen's) is checked with each key in turn.
    """

    def __init__(self, keys: Iterable[VerifyingKey]) -> None:
        self._keys = {key.kid: key for key in keys}
        if not self._keys:
            raise InvalidInput("a keyring needs at least one public key", field="keyring")

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Read a keyring file: one public key (64 hex digits) per line; ``#`` starts a comment."""
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            try:
                keys.append(VerifyingKey.from_hex(entry))
            except InvalidInput as error:
                raise InvalidInput(
                    f"keyring line {number}: {error.message}", field="keyring"
                ) from error
        return cls(keys)

    def __iter__(self) -> Iterator[VerifyingKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def knows(self, kid: str) -> bool:
        return kid in self._keys

    def verify(self, message: bytes, signature: bytes, kid: str | None) -> str | None:
        candidates = (
            self._keys.values() if kid is None else [self._keys[kid]] if kid in self._keys else []
        )
        for key in candidates:
            if key.verify(message, signature, None) is not None:
                return key.kid
        return None


class LicenseKeyCipher:
    """AES-256-GCM with the key SHA-256(license key), as Keygen encrypts license files."""

    def __init__(self, license_key: str) -> None:
        if not license_key:
            raise InvalidInput("the license key must not be empty", field="license_key")
        self._aead = AESGCM(hashlib.sha256(license_key.encode("utf-8")).digest())

    def encrypt(self, plaintext: bytes) -> tuple[bytes, bytes, bytes]:
        iv = os.urandom(_IV_BYTES)
        sealed = self._aead.encrypt(iv, plaintext, None)
        return sealed[:-_TAG_BYTES], iv, sealed[-_TAG_BYTES:]

    def decrypt(self, ciphertext: bytes, iv: bytes, tag: bytes) -> bytes:
        try:
            return self._aead.decrypt(iv, ciphertext + tag, None)
        except InvalidTag as error:
            raise LicenseDecryptionFailed(
                "the license file cannot be decrypted with this license key", field="license_key"
            ) from error
