"""The values `Settings` is built from: the keywords given, the ``LIENTHONG_*`` environment, the TOML
file named by ``LIENTHONG_CONFIG`` — in that order of precedence, merged key by key.

This is pydantic-settings' reading (``env_prefix="LIENTHONG_"``, ``env_nested_delimiter="__"``,
case-insensitive names, JSON for structured values, init > environment > TOML, deep-merged),
written out for the one model it serves: importing pydantic-settings loads asyncio, argparse and
every provider it ships (cloud secrets, CLI, YAML…), a fifth of what `lienthong reconcile` waits
for, to read a few variables. ``tests/config/test_environment.py`` holds this reading equal to
pydantic-settings' own on generated environments.

Only the reading is here; what the values mean and which are refused stays in the model.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

PREFIX = "lienthong_"
NESTED = "__"
_CONTAINERS = (dict, list, tuple, set, frozenset)


class BadEnvironmentValue(ValueError):
    """A ``LIENTHONG_*`` variable whose value should be JSON and is not."""

    def __init__(self, variable: str):
        super().__init__(variable)
        self.variable = variable


def gather(
    model: type[BaseModel], given: Mapping[str, Any], environ: Mapping[str, str], toml_file: Path | None
) -> dict[str, Any]:
    """Every source's values for ``model``, the higher one's winning key by key."""
    state: dict[str, Any] = {}
    sources = (
        lambda: _by_field_name(model, given),
        lambda: from_environment(model, environ),
        lambda: _by_field_name(model, _toml(toml_file)) if toml_file else {},
    )
    for source in sources:  # highest first: each lower one only fills what is still missing
        state = _deep_update(source(), state)
    return state


def from_environment(model: type[BaseModel], environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``LIENTHONG_*`` variables meant for ``model``'s fields; others are not its business."""
    variables = {name.lower(): value for name, value in environ.items()}
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        value: Any = variables.get(PREFIX + name)
        structured, lenient = _structured_field(field.annotation)
        if structured:
            if value is None:
                value = _nested(name, field, variables) or None
            else:
                try:
                    value = json.loads(value)
                except ValueError:
                    if not lenient:
                        raise BadEnvironmentValue(PREFIX.upper() + name.upper()) from None
                if isinstance(value, dict):
                    value = _deep_update(value, _nested(name, field, variables))
        if value is not None:
            data[name] = _model_keys(field.annotation, value) if isinstance(value, dict) else value
    return data


def _nested(name: str, field: FieldInfo, variables: Mapping[str, str]) -> dict[str, Any]:
    """``LIENTHONG_VNEDU__BASE_URL=…`` → ``{"base_url": …}``: the variables naming a part of ``name``."""
    prefix = PREFIX + name + NESTED
    field_is_dict = _is_dict(field.annotation)
    result: dict[str, Any] = {}
    for variable, value in variables.items():
        if not variable.startswith(prefix):
            continue
        *keys, last = variable[len(prefix) :].split(NESTED)
        place: Any = result
        target: Any = field
        for key in keys:
            target = _next_target(target, key)
            if isinstance(place, dict):
                place = place.setdefault(key, {})
        target = _next_target(target, last)
        decoded: Any = value
        if (target is not None or field_is_dict) and value:
            if isinstance(target, FieldInfo):
                structured, lenient = _structured_field(target.annotation)
            else:  # a dict's value type, or a key no model names under a dict: JSON if it reads as JSON
                structured, lenient = target is None or _structured(target), True
            if structured:
                try:
                    decoded = json.loads(value)
                except ValueError:
                    if not lenient:
                        raise BadEnvironmentValue(variable.upper()) from None
        if isinstance(place, dict):
            place[last] = decoded
    return result


def _next_target(target: Any, key: str) -> Any:
    """The field (or, under a dict, the value type) that ``key`` names inside ``target``."""
    if target is None:
        return None
    annotation = target.annotation if isinstance(target, FieldInfo) else target
    if _is_dict(annotation):
        arguments = get_args(annotation)
        return arguments[-1] if arguments else None
    for argument in get_args(annotation):
        found = _next_target(argument, key)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return next((f for n, f in annotation.model_fields.items() if n.lower() == key.lower()), None)
    return None


def _structured_field(annotation: Any) -> tuple[bool, bool]:
    """(read as JSON, keep the text when it is not JSON): a model, dict or list is JSON; a union
    holding one (``VneduSettings | None``) is JSON when the text reads as JSON."""
    if _structured(annotation):
        return True, False
    if _is_union(annotation) and any(_structured(argument) for argument in get_args(annotation)):
        return True, True
    return False, False


def _structured(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, str | bytes):
        return False
    origin = get_origin(annotation)
    for kind in (annotation, origin):
        if isinstance(kind, type) and (issubclass(kind, BaseModel | Mapping) or kind in _CONTAINERS):
            return True
        if isinstance(kind, type) and issubclass(kind, Sequence | AbstractSet):
            return not issubclass(kind, str | bytes)
    return False


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (typing.Union, types.UnionType)


def _is_dict(annotation: Any) -> bool:
    return annotation is dict or (isinstance(get_origin(annotation), type) and issubclass(get_origin(annotation), dict))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, itself or as ``Model | None``."""
    if _is_union(annotation):
        arguments = [a for a in get_args(annotation) if a is not type(None)]
        annotation = arguments[0] if len(arguments) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _model_keys(annotation: Any, values: dict[str, Any]) -> dict[str, Any]:
    """JSON keys in any case (``{"BASE_URL": …}``) renamed to the model's field names."""
    model = _model_of(annotation)
    if model is None:
        return values
    renamed: dict[str, Any] = {}
    for key, value in values.items():
        name = next((n for n in model.model_fields if n.lower() == str(key).lower()), None)
        if name is None:
            renamed[key] = value
        elif isinstance(value, dict) and _model_of(model.model_fields[name].annotation) is not None:
            renamed[name] = _model_keys(model.model_fields[name].annotation, value)
        else:
            renamed[name] = value
    return renamed


def _by_field_name(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level keys matched to the fields in any case; unknown keys kept (the model refuses them)."""
    lowered = {name.lower(): name for name in model.model_fields}
    result: dict[str, Any] = {}
    for key, value in values.items():
        name = lowered.get(key.lower(), key)
        result.setdefault(name, value)
    return result


def _toml(path: Path) -> dict[str, Any]:
    import tomllib  # only where a TOML file is named: its parser is a tenth of the settings' import

    if not path.is_file():
        return {}
    with path.open("rb") as file:
        return tomllib.load(file)


def _deep_update(mapping: dict[str, Any], *updates: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` with ``updates`` laid over it, dicts merged key by key (pydantic's own rule)."""
    merged = mapping.copy()
    for update in updates:
        for key, value in update.items():
            if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
                merged[key] = _deep_update(merged[key], value)
            else:
                merged[key] = value
    return merged
