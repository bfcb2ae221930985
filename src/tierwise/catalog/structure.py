"""Structural validation: the catalog model's (Pydantic) errors turned into coded problems.

Pydantic reports where it failed as a ``loc`` tuple of field names, dict keys, list indexes and,
inside a union, the name of each member it tried (``bool``, ``int``, ``literal['unlimited']``).
Here every ``loc`` becomes the dotted path of the value in the *document* (member names dropped,
dict keys kept), so each problem points at a YAML line, and each error type becomes one of a few
stable codes:

============== ===================================================================
code           meaning
============== ===================================================================
missing_key    a required key is absent
unknown_key    a key the model does not know (a typo, usually; the nearest key is suggested)
wrong_type     a value of the wrong kind (text where a number belongs, a list for a mapping)
out_of_range   a number outside its bounds (a percent above 100, zero seats)
negative_price a price below zero
invalid_value  a value of the right kind that is not allowed (an unknown enum word, a bad key)
float_refused  a binary float in the data (the YAML reader never makes one; other callers might)
============== ===================================================================
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tierwise.catalog.locations import join_path
from tierwise.catalog.model import CURRENCY_PATTERN, KEY_PATTERN, CatalogDocument

__all__ = ["StructureProblem", "float_problems", "structure_problems"]

#: (code, dotted path, message) of one structural problem; the caller adds line and source.
StructureProblem = tuple[str, str, str]

_AMOUNT_FIELDS = frozenset({"month", "quarter", "year"})
_RANGE_TYPES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_TYPE_SUFFIXES = ("_type", "_parsing", "_inexact")


def structure_problems(data: Mapping[str, object]) -> list[StructureProblem]:
    """Every structural problem of ``data`` against :class:`CatalogDocument`, one per path."""
    try:
        CatalogDocument.model_validate(data)
    except ValidationError as error:
        return _from_errors(error.errors(include_url=False), data)
    return []


def float_problems(data: object, path: str = "") -> Iterator[StructureProblem]:
    """A ``float_refused`` problem for every binary float in ``data`` (money must be exact)."""
    if isinstance(data, float):
        yield (
            "float_refused",
            path,
            f"{data!r} is a binary float; give amounts as decimal text or Decimal",
        )
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from float_problems(value, join_path(path, key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from float_problems(value, join_path(path, index))


def _from_errors(
    errors: Sequence[ErrorDetails], data: Mapping[str, object]
) -> list[StructureProblem]:
    grouped: dict[str, list[ErrorDetails]] = {}
    for error in errors:
        grouped.setdefault(_document_path(error, data), []).append(error)
    return [_one_problem(path, group) for path, group in grouped.items()]


def _document_path(error: ErrorDetails, data: object) -> str:
    """Walk ``loc`` through the data, keeping only the steps that exist in the document."""
    loc = error["loc"]
    path = ""
    current: object = data
    for position, step in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(current, Mapping):
            found = _key_in(current, step)
            if found is not _ABSENT:
                path, current = join_path(path, step), current[found]
                continue
            if last and error["type"] == "missing":
                return join_path(path, step)
        elif isinstance(current, list | tuple) and isinstance(step, int) and step < len(current):
            path, current = join_path(path, step), current[step]
            continue
        # a union member's name or a `[key]` marker: not a place in the document
    return path


_ABSENT = object()


def _key_in(mapping: Mapping[Any, object], step: str | int) -> object:
    if step in mapping:
        return step
    for key in mapping:
        if str(key) == str(step):
            return key
    return _ABSENT


def _one_problem(path: str, group: list[ErrorDetails]) -> StructureProblem:
    if len(group) > 1:  # a union: every member failed; prefer a member whose type matched
        matched = [e for e in group if not _is_type_error(e)]
        if len(matched) == 1:
            return _problem(path, matched[0])
        return ("wrong_type", path, _union_message(path, group))
    return _problem(path, group[0])


def _problem(path: str, error: ErrorDetails) -> StructureProblem:
    kind = error["type"]
    loc = error["loc"]
    got = _show(error.get("input"))
    if kind == "missing":
        return ("missing_key", path, f"required key {str(loc[-1])!r} is missing")
    if kind == "extra_forbidden":
        return ("unknown_key", path, _unknown_key_message(loc))
    if kind in _RANGE_TYPES:
        if kind == "greater_than_equal" and _is_amount(path) and _bound(error) == 0:
            return ("negative_price", path, f"a price cannot be negative, got {got}")
        return ("out_of_range", path, f"{_lower_first(error['msg'])}, got {got}")
    if kind == "string_pattern_mismatch":
        return ("invalid_value", path, _pattern_message(error, got))
    if _is_type_error(error):
        return ("wrong_type", path, f"{_lower_first(error['msg'])}, got {got}")
    return ("invalid_value", path, f"{_lower_first(error['msg'])}, got {got}")


def _pattern_message(error: ErrorDetails, got: str) -> str:
    pattern = (error.get("ctx") or {}).get("pattern")
    if pattern == CURRENCY_PATTERN:
        return f"a currency is a three-letter ISO 4217 code such as USD, got {got}"
    if pattern == KEY_PATTERN:
        return (
            f"a key starts with a lowercase letter and uses only a-z, 0-9, '_' and '-', got {got}"
        )
    return f"{_lower_first(error['msg'])}, got {got}"


def _is_type_error(error: ErrorDetails) -> bool:
    kind = error["type"]
    return kind.endswith(_TYPE_SUFFIXES) or kind in {"is_instance_of", "literal_error"}


def _union_message(path: str, group: list[ErrorDetails]) -> str:
    got = _show(group[0].get("input"))
    if ".entitlements." in f".{path}":
        return f"an entitlement is true/false, a whole number or 'unlimited', got {got}"
    accepted = "; ".join(_lower_first(e["msg"]) for e in group)
    return f"value matches none of the accepted forms ({accepted}), got {got}"


def _is_amount(path: str) -> bool:
    parts = path.split(".")
    return parts[-1] in _AMOUNT_FIELDS or (len(parts) > 1 and parts[-2] == "list_price")


def _bound(error: ErrorDetails) -> object:
    context = error.get("ctx") or {}
    bound = context.get("ge")
    return Decimal(str(bound)) if isinstance(bound, int | Decimal) else bound


def _unknown_key_message(loc: tuple[str | int, ...]) -> str:
    key = str(loc[-1])
    allowed = _allowed_keys(loc[:-1])
    if not allowed:
        return f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed here: {', '.join(allowed)}"
    return f"unknown key {key!r}{hint}"


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model accepts at ``loc`` (aliases where they exist), in model order."""
    annotation: object = CatalogDocument
    for step in loc:
        annotation = _step_into(annotation, step)
    model = _model_of(annotation)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _step_into(annotation: object, step: str | int) -> object:
    model = _model_of(annotation)
    if model is not None:
        for name, info in model.model_fields.items():
            if step in (name, info.alias):
                return info.annotation
        return annotation  # a union member's name: stay where we are
    plain = _unwrap(annotation)
    origin = get_origin(plain)
    if origin is dict:
        return get_args(plain)[1]
    if origin in (tuple, list):
        return get_args(plain)[0]
    return plain


def _model_of(annotation: object) -> type[BaseModel] | None:
    plain = _unwrap(annotation)
    if isinstance(plain, type) and issubclass(plain, BaseModel):
        return plain
    return None


def _unwrap(annotation: object) -> object:
    """Strip ``Annotated`` and ``| None`` so the type underneath can be inspected."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _show(value: object) -> str:
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
