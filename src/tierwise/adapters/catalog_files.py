"""Read a catalog from a YAML file or a folder of YAML files, with a line for every value.

PyYAML only *composes* the text into nodes here; the nodes are turned into Python values by this
module, not by PyYAML's constructor, because the catalog needs three things it does not give:

* exact money: a YAML float (``12.50``) becomes ``Decimal("12.50")`` built from the literal text,
  never a binary float; ints stay ints and dates become ``datetime.date``;
* a line for every value: each mapping key and list item records its dotted path
  (``plans.team.pricing.prices.USD.month``, ``changes.cases.3``) with its file and 1-based line;
* every problem at once: a key written twice in one mapping is a ``duplicate_key`` problem naming
  both lines (PyYAML would keep the last silently); a syntax error is a ``yaml_syntax`` problem.

A folder is read file by file (``*.yaml`` and ``*.yml`` directly inside it, sorted by name, hidden
files skipped) and the top-level keys of all files are merged into one document; a top-level key in
two files is a ``duplicate_key`` problem. :func:`read_catalog_source` returns the data, the
locations and the problems found while reading; :func:`check_catalog_path` and
:func:`load_catalog_path` add the whole-document validation of :mod:`tierwise.catalog.validation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tierwise.catalog.locations import SourceLocation, SourceLocations, join_path
from tierwise.catalog.validation import CatalogCheck, check_catalog, load_catalog, sort_problems
from tierwise.catalog.versions import Catalog
from tierwise.errors import Problem

__all__ = [
    "CatalogSource",
    "check_catalog_path",
    "load_catalog_path",
    "read_catalog_source",
    "read_yaml_text",
]

#: File name endings read from a catalog folder.
YAML_SUFFIXES: Final = (".yaml", ".yml")
#: Most values one file may hold once aliases are expanded (a guard against alias bombs).
MAX_VALUES: Final = 200_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MERGE = f"{_TAG}timestamp", f"{_TAG}merge"
_MAP, _SEQ = f"{_TAG}map", f"{_TAG}seq"


@dataclass(frozen=True, slots=True)
class CatalogSource:
    """A catalog document as read from disk, before validation.

    ``data`` is the merged document (first value kept where a key was written twice);
    ``locations`` maps every dotted path to its file and line; ``problems`` are those found while
    reading (syntax, duplicate keys, unreadable files), sorted by source, line and path.
    """

    data: dict[str, object]
    locations: SourceLocations
    problems: tuple[Problem, ...] = ()
    sources: tuple[str, ...] = field(default=())


def read_catalog_source(path: Path) -> CatalogSource:
    """Read ``path``, a YAML file or a folder of YAML files, into one document."""
    name = str(path)
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix in YAML_SUFFIXES and not p.name.startswith(".")
        )
        if not files:
            suffixes = " or ".join(f"*{s}" for s in YAML_SUFFIXES)
            problem = _problem(
                "no_catalog_files", "", f"no {suffixes} files in folder {name}", name
            )
            return CatalogSource({}, SourceLocations(), (problem,), ())
        return _merge_files(files)
    if not path.exists():
        problem = _problem("file_not_found", "", f"no such file or folder: {name}", name)
        return CatalogSource({}, SourceLocations(), (problem,), ())
    return _merge_files([path])


def check_catalog_path(path: Path) -> CatalogCheck:
    """Read and validate the catalog at ``path``: every problem, and the catalog if usable."""
    source = read_catalog_source(path)
    return check_catalog(source.data, source.locations, problems=source.problems)


def load_catalog_path(path: Path) -> Catalog:
    """The validated catalog at ``path``; raises ``CatalogInvalid`` listing every problem."""
    source = read_catalog_source(path)
    return load_catalog(source.data, source.locations, problems=source.problems)


def read_yaml_text(text: str, source: str) -> CatalogSource:
    """Read one YAML document from ``text``; ``source`` names it in locations and problems."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "invalid YAML"
        where = f" ({error.context})" if error.context and error.problem else ""
        problem = Problem("yaml_syntax", "", f"YAML syntax error: {reason}{where}", line, source)
        return CatalogSource({}, SourceLocations(), (problem,), (source,))
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        char = error.character
        code = ord(char) if isinstance(char, str) else int(char)
        message = f"YAML syntax error: character #x{code:04x} is not allowed in YAML"
        problem = Problem("yaml_syntax", "", message, line, source)
        return CatalogSource({}, SourceLocations(), (problem,), (source,))
    reader = _NodeReader(source)
    if root is None:  # an empty file: an empty document
        reader.locations[""] = SourceLocation(source, 1)
        return CatalogSource({}, SourceLocations(reader.locations), (), (source,))
    value = reader.convert(root, "")
    if not isinstance(value, dict):
        reader.report(
            "wrong_type",
            "",
            f"a catalog file must be a mapping of keys, not {_kind(value)}",
            root,
        )
        value = {}
    data = {str(key): item for key, item in value.items()}
    return CatalogSource(
        data, SourceLocations(reader.locations), sort_problems(reader.problems), (source,)
    )


# -- merging files ------------------------------------------------------------------------------


def _merge_files(files: list[Path]) -> CatalogSource:
    data: dict[str, object] = {}
    owner: dict[str, SourceLocation] = {}
    parts: list[SourceLocations] = []
    problems: list[Problem] = []
    for file in files:
        source = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(
                _problem("file_unreadable", "", f"cannot read {source}: {error}", source)
            )
            continue
        part = read_yaml_text(text, source)
        problems.extend(part.problems)
        kept = {}
        for key, value in part.data.items():
            where = part.locations.get(key, SourceLocation(source, 1))
            first = owner.get(key)
            if first is not None:
                problems.append(
                    Problem(
                        "duplicate_key",
                        key,
                        f"top-level key {key!r} is also defined in {first.source} "
                        f"at line {first.line}; each top-level key belongs to one file",
                        where.line,
                        where.source,
                    )
                )
                continue
            owner[key] = where
            data[key] = value
            kept[key] = value
        parts.append(SourceLocations(_owned(part.locations, kept)))
    # the document's own location is the first file's first line
    root = {"": SourceLocation(str(files[0]), 1)}
    locations = SourceLocations.merged([SourceLocations(root), *parts])
    return CatalogSource(data, locations, sort_problems(problems), tuple(str(f) for f in files))


def _owned(locations: SourceLocations, kept: dict[str, object]) -> dict[str, SourceLocation]:
    """The locations under the top-level keys a file contributed (not the duplicates it lost)."""
    return {
        path: where for path, where in locations.items() if path and path.split(".", 1)[0] in kept
    }


# -- nodes to values ----------------------------------------------------------------------------


class _NodeReader:
    """Turns composed YAML nodes into plain values, recording locations and problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.locations: dict[str, SourceLocation] = {}
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._open: set[int] = set()  # mapping and sequence nodes being converted
        self._budget = MAX_VALUES

    def report(self, code: str, path: str, message: str, node: Node) -> None:
        self.problems.append(Problem(code, path, message, _line(node), self.source))

    def convert(self, node: Node, path: str) -> object:
        self.locations.setdefault(path, SourceLocation(self.source, _line(node)))
        self._budget -= 1
        if self._budget < 0:
            if self._budget == -1:
                message = f"more than {MAX_VALUES} values once aliases are expanded"
                self.report("yaml_unsupported", path, message, node)
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:  # `&a [*a]`: an alias inside its own anchor
            self.report("yaml_unsupported", path, "an alias refers to its own anchor", node)
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.convert(item, join_path(path, i)) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))
        self.report("yaml_unsupported", path, f"unsupported YAML node {node.tag}", node)
        return None

    def _mapping(self, node: MappingNode, path: str) -> dict[object, object]:
        result: dict[object, object] = {}
        first_line: dict[str, int] = {}
        merged: list[tuple[ScalarNode | Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node, path))
                continue
            key = self._key(key_node, path)
            if key is _INVALID:
                continue
            key_path = join_path(path, key)
            seen = first_line.get(str(key))
            if seen is not None:
                self.report(
                    "duplicate_key",
                    key_path,
                    f"key {str(key)!r} is written twice in this mapping (lines {seen} and "
                    f"{_line(key_node)}); only the first is used",
                    key_node,
                )
                continue
            first_line[str(key)] = _line(key_node)
            self.locations[key_path] = SourceLocation(self.source, _line(key_node))
            result[key] = self.convert(value_node, key_path)
        # `<<: *anchor` merge keys: the mapping's own keys win over merged ones
        for key_node, value_node in merged:
            key = self._key(key_node, path)
            if key is _INVALID or str(key) in first_line:
                continue
            key_path = join_path(path, key)
            first_line[str(key)] = _line(key_node)
            self.locations[key_path] = SourceLocation(self.source, _line(key_node))
            result[key] = self.convert(value_node, key_path)
        return result

    def _merge_sources(self, node: Node, path: str) -> Iterator[tuple[Node, Node]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if isinstance(source, MappingNode):
                yield from source.value
            else:
                self.report("yaml_unsupported", path, "a merge key (<<) needs a mapping", source)

    def _key(self, node: Node, path: str) -> object:
        if not isinstance(node, ScalarNode):
            self.report("yaml_unsupported", path, "a mapping key must be a plain value", node)
            return _INVALID
        key = self._scalar(node, path)
        if key is None or isinstance(key, bool | Decimal | dt.date):
            return node.value  # `null:`, `yes:`, `1.5:` or `2026-01-01:` as a key: keep the text
        return key

    def _scalar(self, node: ScalarNode, path: str) -> object:
        tag = node.tag
        try:
            if tag == _STR:
                return node.value
            if tag == _FLOAT:
                return _decimal(node.value)
            if tag == _INT:
                return self._constructor.construct_yaml_int(node)
            if tag == _BOOL:
                return self._constructor.construct_yaml_bool(node)
            if tag == _NULL:
                return None
            if tag == _TIMESTAMP:
                value: dt.date = self._constructor.construct_yaml_timestamp(node)
                return value
        except (ConstructorError, ValueError, InvalidOperation) as error:
            self.report("yaml_unsupported", path, f"cannot read {node.value!r}: {error}", node)
            return None
        self.report("yaml_unsupported", path, f"unsupported YAML tag {tag}", node)
        return None


class _Invalid:
    """Marks a mapping key that could not be read (already reported)."""


_INVALID: Final = _Invalid()


def _decimal(text: str) -> Decimal:
    """The exact value of a YAML 1.1 float literal: ``12.50``, ``1_000.5``, ``.inf``, ``1:30.5``."""
    cleaned = text.replace("_", "").strip()
    lowered = cleaned.lower()
    sign = -1 if lowered.startswith("-") else 1
    unsigned = lowered.lstrip("+-")
    if unsigned == ".inf":
        return Decimal("Infinity") * sign
    if unsigned == ".nan":
        return Decimal("NaN")
    if ":" in unsigned:  # sexagesimal, e.g. 1:30.5 = 1 * 60 + 30.5
        total = Decimal(0)
        for part in unsigned.split(":"):
            total = total * 60 + Decimal(part)
        return total * sign
    return Decimal(cleaned)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    return f"a single value ({value!r})"


def _problem(code: str, path: str, message: str, source: str) -> Problem:
    return Problem(code, path, message, None, source)
