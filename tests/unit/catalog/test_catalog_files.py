"""Reading catalog YAML: exact decimals, lines for every path, duplicate keys, folders, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.adapters.catalog_files import (
    load_catalog_path,
    read_catalog_source,
    read_yaml_text,
)
from tierwise.catalog.locations import SourceLocation
from tierwise.errors import CatalogInvalid

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "catalog.yaml"
SPLIT = ROOT / "tests" / "fixtures" / "catalogs" / "split"


def _codes(problems: object) -> list[tuple[str, str, int | None]]:
    return [(p.code, p.path, p.line) for p in problems]  # type: ignore[attr-defined]


def test_example_reads_without_problems_with_exact_decimals() -> None:
    # given / when
    source = read_catalog_source(EXAMPLE)

    # then
    assert source.problems == ()
    team_usd = source.data["plans"]["team"]["pricing"]["prices"]["USD"]  # type: ignore[index]
    assert type(team_usd["quarter"]) is Decimal
    assert str(team_usd["quarter"]) == "34.20"  # the literal text, trailing zero kept
    assert type(team_usd["month"]) is int
    assert source.data["effective"] == dt.date(2026, 1, 1)


def test_every_path_has_its_file_and_line() -> None:
    # given
    source = read_catalog_source(EXAMPLE)
    where = str(EXAMPLE)

    # then: lines counted by hand in examples/catalog.yaml
    assert source.locations["plans"] == SourceLocation(where, 58)
    assert source.locations["plans.team"] == SourceLocation(where, 75)
    assert source.locations["plans.team.pricing.prices.USD.quarter"] == SourceLocation(where, 90)
    assert source.locations["changes.cases.3"] == SourceLocation(where, 237)


def test_an_absent_path_falls_back_to_its_nearest_parent() -> None:
    # given
    source = read_catalog_source(EXAMPLE)

    # when: GBP is not priced, so its path was never written
    found = source.locations.nearest("plans.team.pricing.prices.GBP.month")

    # then: the line of `prices:` of the team plan
    assert found == SourceLocation(str(EXAMPLE), 89)


def test_a_key_written_twice_is_a_problem_naming_both_lines() -> None:
    # given
    text = "plans:\n  team:\n    rank: 1\n    rank: 2\n"

    # when
    source = read_yaml_text(text, "dup.yaml")

    # then: the first value is kept, and both lines are named
    assert _codes(source.problems) == [("duplicate_key", "plans.team.rank", 4)]
    assert "lines 3 and 4" in source.problems[0].message
    assert source.data == {"plans": {"team": {"rank": 1}}}


def test_a_syntax_error_is_a_problem_with_its_line() -> None:
    # given: the flow list opened on line 2 is never closed
    text = "name: x\ncurrencies: [USD, EUR\nplans: {}\n"

    # when
    source = read_yaml_text(text, "bad.yaml")

    # then
    assert [(p.code, p.source) for p in source.problems] == [("yaml_syntax", "bad.yaml")]
    assert source.problems[0].line == 3
    assert source.data == {}


def test_scalars_keep_their_yaml_meaning_without_floats() -> None:
    # given
    text = "a: 1_000.50\nb: 0x10\nc: 2026-02-28\nd: -0.5\ne: true\nf: ~\ng: '12.50'\nh: 7\n"

    # when
    data = read_yaml_text(text, "scalars.yaml").data

    # then
    assert data == {
        "a": Decimal("1000.50"),
        "b": 16,
        "c": dt.date(2026, 2, 28),
        "d": Decimal("-0.5"),
        "e": True,
        "f": None,
        "g": "12.50",
        "h": 7,
    }
    assert not any(isinstance(value, float) for value in data.values())


@given(
    whole=st.integers(min_value=-(10**15), max_value=10**15),
    digits=st.text(alphabet="0123456789", min_size=1, max_size=12),
)
def test_any_decimal_literal_round_trips_exactly(whole: int, digits: str) -> None:
    # given: a YAML float literal such as 12.50 or -3.000001
    literal = f"{whole}.{digits}"

    # when
    value = read_yaml_text(f"amount: {literal}\n", "p.yaml").data["amount"]

    # then: the exact value and even the written precision survive
    assert type(value) is Decimal
    assert value == Decimal(literal)
    assert value.as_tuple() == Decimal(literal).as_tuple()


def test_an_alias_inside_its_own_anchor_is_reported_not_followed() -> None:
    # given
    text = "loop: &a [1, *a]\n"

    # when
    source = read_yaml_text(text, "loop.yaml")

    # then
    assert _codes(source.problems) == [("yaml_unsupported", "loop.1", 1)]


def test_merge_keys_fill_in_what_a_mapping_does_not_state() -> None:
    # given
    text = "base: &p {month: 10, year: 100}\nusd:\n  <<: *p\n  year: 96\n"

    # when
    data = read_yaml_text(text, "merge.yaml").data

    # then
    assert data["usd"] == {"month": 10, "year": 96}


def test_a_catalog_file_must_be_a_mapping() -> None:
    # when
    source = read_yaml_text("- 1\n- 2\n", "list.yaml")

    # then
    assert _codes(source.problems) == [("wrong_type", "", 1)]


def test_a_folder_reads_as_the_single_file_it_was_split_from() -> None:
    # given: tests/fixtures/catalogs/split holds examples/catalog.yaml cut by top-level key
    single = read_catalog_source(EXAMPLE)

    # when
    folder = read_catalog_source(SPLIT)

    # then: the same document, `.yml` included, README.txt skipped; lines point into each file
    assert folder.problems == ()
    assert folder.data == single.data
    assert [Path(s).name for s in folder.sources] == [
        "00-catalog.yaml",
        "10-features.yaml",
        "20-plans.yaml",
        "30-add-ons.yml",
        "50-policies.yaml",
        "60-versions.yaml",
    ]
    assert folder.locations["plans.team"] == SourceLocation(str(SPLIT / "20-plans.yaml"), 19)


def test_a_top_level_key_in_two_files_is_a_duplicate_key(tmp_path: Path) -> None:
    # given
    (tmp_path / "a.yaml").write_text("name: One\nplans: {}\n")
    (tmp_path / "b.yml").write_text("# more\nplans: {}\n")

    # when
    source = read_catalog_source(tmp_path)

    # then: reported in the second file, naming the first
    assert [(p.code, p.path, p.line, Path(p.source or "").name) for p in source.problems] == [
        ("duplicate_key", "plans", 2, "b.yml")
    ]
    assert "a.yaml at line 2" in source.problems[0].message
    assert source.locations["plans"].source == str(tmp_path / "a.yaml")


def test_problems_of_several_files_come_sorted_by_file_and_line(tmp_path: Path) -> None:
    # given
    (tmp_path / "b.yaml").write_text("x: 1\nx: 2\n")
    (tmp_path / "a.yaml").write_text("y: [\n")

    # when
    problems = read_catalog_source(tmp_path).problems

    # then
    assert [(Path(p.source or "").name, p.code) for p in problems] == [
        ("a.yaml", "yaml_syntax"),
        ("b.yaml", "duplicate_key"),
    ]


def test_a_missing_path_and_an_empty_folder_are_problems(tmp_path: Path) -> None:
    # when
    missing = read_catalog_source(tmp_path / "nope.yaml")
    empty = read_catalog_source(tmp_path)

    # then
    assert [p.code for p in missing.problems] == ["file_not_found"]
    assert [p.code for p in empty.problems] == ["no_catalog_files"]


def test_loading_a_file_with_a_duplicate_key_raises_with_every_problem(tmp_path: Path) -> None:
    # given: the example with one key written twice
    text = EXAMPLE.read_text().replace(
        "  team:\n    name: Team\n", "  team:\n    name: Team\n    name: T\n"
    )
    path = tmp_path / "catalog.yaml"
    path.write_text(text)

    # when
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog_path(path)

    # then
    assert _codes(raised.value.problems) == [("duplicate_key", "plans.team.name", 77)]


def test_loading_the_example_builds_its_two_versions() -> None:
    # when
    catalog = load_catalog_path(EXAMPLE)

    # then
    assert [v.version for v in catalog.versions] == ["2026.1", "2026.7"]
