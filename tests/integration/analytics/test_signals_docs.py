"""The Python examples of ``docs/signals.md`` run and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "signals.md"


def test_every_python_example_runs_and_prints_its_documented_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: the examples, run from the repository root (they read examples/catalog.yaml)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    for block in blocks:
        printed = io.StringIO()
        # when
        with contextlib.redirect_stdout(printed):
            exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})
        # then every "print(...)  # expected" shows its expected line among the output
        expected = re.findall(r"print\(.*\)  # (.+)$", block, flags=re.MULTILINE)
        assert expected
        lines = printed.getvalue().splitlines()
        for text in expected:
            assert text in lines
