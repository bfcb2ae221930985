"""Receipts: what a command returns, in a form that can be stored and replayed.

A receipt names the command, the record it touched and its version afterwards, and carries
JSON-ready ``data`` (the subscription after the change, the quote...). Idempotent replays return
the stored receipt with ``replayed`` set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tierwise.licensing.events import JsonObject

__all__ = ["Receipt"]


@dataclass(frozen=True, slots=True)
class Receipt:
    command: str
    subject_id: str
    version: int | None = None
    data: JsonObject = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> JsonObject:
        return {
            "command": self.command,
            "subject_id": self.subject_id,
            "version": self.version,
            "data": self.data,
            "replayed": self.replayed,
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Receipt:
        version = payload.get("version")
        return cls(
            command=str(payload["command"]),
            subject_id=str(payload["subject_id"]),
            version=int(version) if version is not None else None,
            data=dict(payload.get("data") or {}),
            replayed=bool(payload.get("replayed", False)),
        )

    def replay(self) -> Receipt:
        """This receipt marked as the answer to a repeated request."""
        return replace(self, replayed=True)
