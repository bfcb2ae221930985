"""docs/playbook.md stays true: its YAML blocks form a valid playbook; its code list is complete."""

from __future__ import annotations

import re
from pathlib import Path

from tierwise.adapters.playbook_files import check_playbook_path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "playbook.md"
CATALOG = ROOT / "examples" / "catalog.yaml"
SOURCES = [
    ROOT / "src" / "tierwise" / "offers" / name
    for name in (
        "playbook_rules.py",
        "playbook_structure.py",
        "expressions.py",
        "expression_types.py",
    )
]
_EMITTED = re.compile(r'(?:error|warning|_issue|_error)\(\s*"([a-z_]+)"|\(\s*"([a-z_]+)",\s*path')


def test_the_yaml_blocks_of_the_reference_form_a_valid_playbook(tmp_path: Path) -> None:
    # given: each ```yaml block of the doc as its own file of a folder
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(), re.MULTILINE | re.DOTALL)
    for index, block in enumerate(blocks):
        (tmp_path / f"{index:02d}.yaml").write_text(block)

    # when
    check = check_playbook_path(tmp_path, CATALOG)

    # then
    assert len(blocks) == 4
    assert check.problems == ()
    assert check.playbook is not None
    assert list(check.playbook.offers) == ["business_for_projects"]


def test_every_code_validation_can_report_is_documented() -> None:
    # given
    emitted = {
        first or second for path in SOURCES for first, second in _EMITTED.findall(path.read_text())
    }
    text = DOC.read_text()
    section = text[text.index("## Validation codes") :]
    documented = set(re.findall(r"`([a-z_]+)`", section))

    # then
    assert len(emitted) > 25  # the pattern still finds the codes
    assert emitted - documented == set()
