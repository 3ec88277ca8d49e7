"""Loading the YAML data files people edit (prompts, scenarios) into validated models."""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def validation_message(error: ValidationError) -> str:
    """'field: problem; other.field: problem' — short enough to show a person."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors())


def parse_yaml_model(text: str, model: type[M], error: type[ValueError], expected_name: str | None = None) -> M:
    """``text`` as ``model``; any problem raises ``error`` with a message saying what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise error(f"broken YAML: {e}") from e
    if not isinstance(data, dict):
        raise error(f"the file must be a YAML mapping with {', '.join(model.model_fields)}")
    try:
        obj = model.model_validate(data)
    except ValidationError as e:
        raise error(validation_message(e)) from e
    name = getattr(obj, "name", None)
    if expected_name and name != expected_name:
        raise error(f"name {name!r} does not match the file name {expected_name!r}")
    return obj
