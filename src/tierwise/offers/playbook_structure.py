"""Structural validation of a playbook: Pydantic's errors as coded problems at document paths.

Each error's ``loc`` becomes the dotted path of the value *in the document* (names of union
members and discriminator tags dropped, mapping keys kept), so the problem points at a YAML line;
each error type becomes one of the codes the catalog uses too:

============== ===================================================================
code           meaning
============== ===================================================================
missing_key    a required key is absent (or a target/incentive without ``kind``)
unknown_key    a key the model does not know (the nearest allowed key is suggested)
wrong_type     a value of the wrong kind (text where a number belongs, a list for a mapping)
out_of_range   a number outside its bounds (a probability above 1, a negative day count)
invalid_value  a value of the right kind that is not allowed (an unknown status, a bad key)
============== ===================================================================
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tierwise.catalog.locations import join_path

__all__ = ["structure_problems"]

_RANGE = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_MISSING = frozenset({"missing", "union_tag_not_found"})


def structure_problems(
    model: type[BaseModel], data: object, base: str = ""
) -> list[tuple[str, str, str]]:
    """Every structural problem of ``data`` against ``model`` as (code, path, message)."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        seen: dict[str, tuple[str, str, str]] = {}
        for detail in error.errors(include_url=False):
            path = join_path(base, _path(detail, data)) if base else _path(detail, data)
            seen.setdefault(path, _problem(model, path, detail))
        return list(seen.values())
    return []


def _path(error: ErrorDetails, data: object) -> str:
    loc, path, current = error["loc"], "", data
    for position, step in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(current, Mapping):
            key = next((k for k in current if str(k) == str(step)), _ABSENT)
            if key is not _ABSENT:
                path, current = join_path(path, step), current[key]
                continue
            if last and error["type"] in _MISSING:
                return join_path(path, step)
        elif isinstance(current, list | tuple) and isinstance(step, int) and step < len(current):
            path, current = join_path(path, step), current[step]
    return path


_ABSENT = object()


def _problem(model: type[BaseModel], path: str, error: ErrorDetails) -> tuple[str, str, str]:
    kind, loc = error["type"], error["loc"]
    got = repr(error.get("input"))
    got = got if len(got) <= 60 else f"{got[:57]}..."
    message = error["msg"][:1].lower() + error["msg"][1:]
    if kind == "missing":
        return ("missing_key", path, f"required key {str(loc[-1])!r} is missing")
    if kind == "union_tag_not_found":
        return ("missing_key", path, "required key 'kind' is missing")
    if kind == "extra_forbidden":
        return ("unknown_key", path, _unknown_key(model, loc))
    if kind in _RANGE:
        return ("out_of_range", path, f"{message}, got {got}")
    if kind.endswith(("_type", "_parsing")) or kind == "is_instance_of":
        return ("wrong_type", path, f"{message}, got {got}")
    if kind == "value_error":
        return ("invalid_value", path, message.removeprefix("value error, "))
    return ("invalid_value", path, f"{message}, got {got}")


def _unknown_key(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    key = str(loc[-1])
    allowed = _allowed(model, loc[:-1])
    if not allowed:
        return f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed here: {', '.join(allowed)}"
    return f"unknown key {key!r}{hint}"


def _allowed(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    annotation: object = model
    for step in loc:
        annotation = _step(annotation, step)
    found = _model(annotation)
    return list(found.model_fields) if found is not None else []


def _step(annotation: object, step: str | int) -> object:
    found = _model(annotation)
    if found is not None:
        field = found.model_fields.get(str(step))
        return field.annotation if field is not None else annotation
    plain = _unwrap(annotation)
    origin = get_origin(plain)
    if origin is dict:
        return get_args(plain)[1]
    if origin in (tuple, list):
        return get_args(plain)[0]
    if origin in (Union, types.UnionType):  # a discriminated union: the tag names the member
        for member in get_args(plain):
            candidate = _model(member)
            if candidate is not None and _tag(candidate) == step:
                return candidate
    return plain


def _tag(model: type[BaseModel]) -> Any:
    field = model.model_fields.get("kind")
    return field.default if field is not None else None


def _model(annotation: object) -> type[BaseModel] | None:
    plain = _unwrap(annotation)
    return plain if isinstance(plain, type) and issubclass(plain, BaseModel) else None


def _unwrap(annotation: object) -> object:
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
