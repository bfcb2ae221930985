"""The JSON Schema of a playbook document, for completion and hover help in editors.

Generated from :class:`~tierwise.offers.playbook.Playbook`, so it cannot drift from what
validation accepts. It covers the shape only; triggers, references to the catalog and message
placeholders are checked by ``tierwise playbook validate``.
"""

from __future__ import annotations

from typing import Any, Final

from tierwise.offers.playbook import Playbook

__all__ = ["playbook_json_schema"]

_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def playbook_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the playbook YAML document."""
    generated = Playbook.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": _DIALECT,
        "title": "tierwise playbook",
        "description": (
            "Offers (targets, audiences, triggers, value cases, incentives, messages), cadence,"
            " the CSM save play, onboarding milestones and propensity priors."
            " Reference: docs/playbook.md."
        ),
        **{key: value for key, value in generated.items() if key not in {"title", "description"}},
    }
