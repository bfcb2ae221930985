"""docs/catalog.md stays true: its YAML blocks form a valid catalog; its code list is complete."""

from __future__ import annotations

import re
from pathlib import Path

from tierwise.adapters.catalog_files import check_catalog_path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "catalog.md"
SOURCES = [
    ROOT / "src" / "tierwise" / "adapters" / "catalog_files.py",
    *sorted((ROOT / "src" / "tierwise" / "catalog").glob("*.py")),
]
# a code is the first string given to Problem(...), _problem(...), report(...), error(...),
# warning(...), or a structural ("code", path, message) tuple
_EMITTED = re.compile(
    r'(?:Problem|_problem|report|error|warning)\(\s*"([a-z_]+)"'
    r'|^\s*(?:return |yield )?\(\s*"([a-z_]+)",',
    re.MULTILINE,
)
_DOCUMENTED = re.compile(r"^\| `([a-z_]+)`(?: \(W\))? \|", re.MULTILINE)


def test_the_yaml_blocks_of_the_reference_form_a_valid_catalog(tmp_path: Path) -> None:
    # given: each ```yaml block of the doc as its own file of a catalog folder
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(), re.MULTILINE | re.DOTALL)
    for index, block in enumerate(blocks):
        (tmp_path / f"{index:02d}.yaml").write_text(block)

    # when
    check = check_catalog_path(tmp_path)

    # then
    assert len(blocks) == 8
    assert check.problems == ()
    assert check.catalog is not None
    assert [v.version for v in check.catalog.versions] == ["2026.1", "2026.7"]


def test_every_code_the_validation_can_report_is_documented() -> None:
    # given
    emitted = {
        first or second for path in SOURCES for first, second in _EMITTED.findall(path.read_text())
    }
    text = DOC.read_text()
    section = text[text.index("## Validation codes") : text.index("## For programs")]
    documented = set(_DOCUMENTED.findall(section))

    # then
    assert len(emitted) > 50  # the pattern still finds the codes
    assert emitted - documented == set()
    assert documented - emitted == set()
