"""The Python examples of docs/entitlements.md run, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "entitlements.md"


def test_every_python_example_of_the_entitlements_page_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: the page's python blocks (they read examples/catalog.yaml relative to the root)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    # when / then: each block runs after the previous ones, and its asserts hold
    assert len(blocks) >= 5
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
