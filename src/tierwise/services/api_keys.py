"""API keys: typed, scoped, stored only as HMAC-SHA256 digests, compared in constant time.

A key reads like ``tw_read_4f7q2m9x1c8d_Vb3…`` — the prefix says its scope at a glance (and lets
secret scanners recognise it), the middle part is the key's public id (``key_4f7q2m9x1c8d``, what
``tierwise keys list`` shows and ``revoke`` takes), and the rest is the secret. Only
``HMAC-SHA256(server secret, whole key)`` is stored: a copy of the database does not give anyone
a usable key, and without the server secret the digests cannot even be checked offline.

Scopes:

* ``admin`` — everything;
* ``read`` — every read (accounts, subscriptions, history, entitlements, checks, quotes);
* ``ingest`` — sending usage events only;
* ``publishable`` — bound to one account; may only check that account's entitlements (and fetch
  its offers), so it is safe to ship inside a customer-facing app.

Any key may be bound to an account (``account_id``); a publishable key must be. A bound key sees
its own account only.
"""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
import hmac
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from tierwise.errors import InvalidInput, NotFound

__all__ = [
    "PREFIXES",
    "ApiKey",
    "ApiKeyRepository",
    "ApiKeys",
    "IssuedKey",
    "Scope",
    "parse_key",
]


class Scope(StrEnum):
    ADMIN = "admin"
    READ = "read"
    INGEST = "ingest"
    PUBLISHABLE = "publishable"


#: The visible prefix of each scope's keys.
PREFIXES: dict[Scope, str] = {
    Scope.ADMIN: "tw_admin_",
    Scope.READ: "tw_read_",
    Scope.INGEST: "tw_ingest_",
    Scope.PUBLISHABLE: "tw_pub_",
}

_ID_LENGTH = 12
_SECRET_LENGTH = 32  # 32 characters of 62: about 190 bits
_ID_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
_ID_PREFIX = "key_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: everything but its secret.

    ``rate_limit`` is in requests per second: ``None`` takes the server's default, ``0`` means
    no limit (for trusted back-end callers and benchmarks).
    """

    id: str
    scope: Scope
    name: str
    digest: str
    created_at: dt.datetime
    account_id: str | None = None
    rate_limit: int | None = None
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def hint(self) -> str:
        """The key's visible start, e.g. ``tw_read_4f7q2m9x1c8d_…``, for lists and logs."""
        return f"{PREFIXES[self.scope]}{self.id.removeprefix(_ID_PREFIX)}_…"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key and its whole text, which is shown once and never stored."""

    key: ApiKey
    secret: str


class ApiKeyRepository(abc.ABC):
    """Where keys are kept. Each call is its own transaction."""

    @abc.abstractmethod
    def add(self, key: ApiKey) -> None: ...

    @abc.abstractmethod
    def get(self, key_id: str) -> ApiKey | None: ...

    @abc.abstractmethod
    def list(self) -> list[ApiKey]:
        """Every key, oldest first (revoked ones too)."""

    @abc.abstractmethod
    def revoke(self, key_id: str, at: dt.datetime) -> ApiKey | None:
        """Mark the key revoked at ``at`` (kept if already revoked); ``None`` if unknown."""


def parse_key(text: str) -> tuple[Scope, str] | None:
    """The scope and key id written in a key's text, or ``None`` when it is not a tierwise key."""
    for scope, prefix in PREFIXES.items():
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            key_id, separator, secret = rest.partition("_")
            if separator and len(key_id) == _ID_LENGTH and len(secret) == _SECRET_LENGTH:
                return scope, _ID_PREFIX + key_id
            return None
    return None


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class ApiKeys:
    """Create, list, revoke and authenticate keys, with ``server_secret`` as the HMAC key."""

    def __init__(
        self,
        repository: ApiKeyRepository,
        server_secret: bytes,
        *,
        random_text: Callable[[str, int], str] = _random,
    ) -> None:
        if len(server_secret) < 16:
            raise InvalidInput("the key secret must be at least 16 bytes", field="key_secret")
        self._keys = repository
        self._secret = server_secret
        self._random = random_text

    def digest(self, text: str) -> str:
        """``HMAC-SHA256(server secret, text)`` in hex."""
        return hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def create(
        self,
        scope: Scope,
        *,
        at: dt.datetime,
        name: str = "",
        account_id: str | None = None,
        rate_limit: int | None = None,
    ) -> IssuedKey:
        """A new key; publishable keys need the (existing, checked by the caller) account id."""
        if scope is Scope.PUBLISHABLE and not account_id:
            raise InvalidInput("a publishable key belongs to one account: name it", field="account")
        if rate_limit is not None and rate_limit < 0:
            raise InvalidInput("the rate limit must be 0 (none) or more", field="rate_limit")
        public = self._random(_ID_ALPHABET, _ID_LENGTH)
        text = f"{PREFIXES[scope]}{public}_{self._random(_SECRET_ALPHABET, _SECRET_LENGTH)}"
        key = ApiKey(
            id=_ID_PREFIX + public,
            scope=scope,
            name=name,
            digest=self.digest(text),
            created_at=at,
            account_id=account_id,
            rate_limit=rate_limit,
        )
        self._keys.add(key)
        return IssuedKey(key=key, secret=text)

    def list(self) -> list[ApiKey]:
        return self._keys.list()

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def revoke(self, key_id: str, at: dt.datetime) -> ApiKey:
        revoked = self._keys.revoke(key_id, at)
        if revoked is None:
            raise NotFound(f"API key {key_id!r} does not exist", field="key_id")
        return revoked

    def matches(self, key: ApiKey, text: str) -> bool:
        """Whether ``text`` is ``key``'s secret: digests compared in constant time."""
        return hmac.compare_digest(key.digest, self.digest(text))

    def authenticate(self, text: str) -> ApiKey | None:
        """The active key whose text this is, or ``None`` (unknown, wrong secret or revoked)."""
        parsed = parse_key(text)
        if parsed is None:
            return None
        scope, key_id = parsed
        key = self._keys.get(key_id)
        if key is None or key.scope is not scope or not self.matches(key, text):
            return None
        return key if key.active else None
