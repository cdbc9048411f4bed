"""Arrow schemas derived from the pydantic row models, so every shard of a config shares one."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

import pyarrow as pa
from pydantic import BaseModel

_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}


def arrow_type(annotation: Any) -> pa.DataType:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return arrow_type(inner[0])
    if origin is list:
        return pa.list_(arrow_type(get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(_fields(annotation))
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def _fields(model: type[BaseModel]) -> list[pa.Field]:
    out = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        nullable = get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(
            annotation
        )
        out.append(pa.field(name, arrow_type(annotation), nullable=nullable))
    return out


def arrow_schema(
    model: type[BaseModel], *, overrides: dict[str, pa.DataType] | None = None
) -> pa.Schema:
    """The schema of `model`; `overrides` narrows a column's type (e.g. float32 margins)."""
    fields = _fields(model)
    if overrides:
        fields = [pa.field(f.name, overrides.get(f.name, f.type), f.nullable) for f in fields]
    return pa.schema(fields)
