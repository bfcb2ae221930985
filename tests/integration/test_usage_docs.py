"""The Python examples of ``docs/usage-events.md`` run and print what the comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "usage-events.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_every_python_example_runs_and_prints_its_documented_results() -> None:
    # given
    blocks = _python_blocks()
    assert len(blocks) == 2

    for block in blocks:
        printed = io.StringIO()

        # when
        with contextlib.redirect_stdout(printed):
            exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})

        # then every `print(...)  # expected` line printed its expected text
        expected = [m.group(1) for m in re.finditer(r"print\(.*\)  # (.+)$", block, re.MULTILINE)]
        assert printed.getvalue().splitlines() == expected
