"""The JSON Schema for editors: draft 2020-12, every key described, keys as written in YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tierwise.adapters.catalog_files import read_catalog_source
from tierwise.catalog.schema import catalog_json_schema

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every object schema (one with `properties`) inside ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


def test_the_schema_declares_its_dialect_and_title() -> None:
    # when
    schema = catalog_json_schema()

    # then
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "tierwise catalog"
    assert {"name", "effective", "currencies", "features", "plans", "changes"} <= set(
        schema["required"]
    )
    json.dumps(schema)  # plain JSON, printable by the CLI


def test_every_key_has_a_description_for_hover_help() -> None:
    # when
    undescribed = [
        (obj.get("title"), key)
        for obj in _objects(catalog_json_schema())
        for key, prop in obj["properties"].items()
        if not prop.get("description")
    ]

    # then
    assert undescribed == []


def test_the_schema_uses_the_yaml_spelling_of_keys() -> None:
    # when
    case = catalog_json_schema()["$defs"]["ChangeCase"]

    # then: `from`/`to` as written in YAML, not the Python field names
    assert {"from", "to"} <= set(case["properties"])
    assert case["additionalProperties"] is False


def test_every_key_of_the_example_is_in_the_schema() -> None:
    # given
    schema = catalog_json_schema()
    data = read_catalog_source(EXAMPLE).data
    plan_keys = {key for plan in data["plans"].values() for key in plan}  # type: ignore[attr-defined]

    # then
    assert set(data) <= set(schema["properties"])
    assert plan_keys <= set(schema["$defs"]["Plan"]["properties"])
