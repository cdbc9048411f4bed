"""The JSON replies asked of the model, as pydantic models (sent as strict json_schema).

Schemas stay simple (no numeric bounds or patterns) so every OpenAI-compatible server can
enforce them; ranges are checked after parsing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from groupbuild.schema import DIMENSIONS, Domain


class PerturbReply(BaseModel):
    """One rewritten step: its number as shown to the model (1-based) and its new text."""

    model_config = ConfigDict(extra="forbid")

    step_index: int
    new_text: str


class CodePerturbReply(PerturbReply):
    """A flawed plan step and the program that follows the flawed plan: the reference program
    with the lines of that step rewritten (the twin the kind's proof runs)."""

    program: str


@cache
def judge_reply(domain: Domain) -> type[BaseModel]:
    """The judge's reply for `domain`: the five 0-10 dimension scores first, then the rest.

    Dimensions come first so a model scores them before it commits to an overall score.
    """
    fields: dict[str, Any] = {name: (float, ...) for name in DIMENSIONS[domain]}
    fields.update(
        rubric_score=(float, ...),
        reason=(str, ...),
        first_flawed_step=(int | None, Field(description=_FIRST_FLAWED)),
    )
    return create_model(
        f"{domain.value.capitalize()}JudgeReply",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )


_FIRST_FLAWED = "Number of the first flawed step as shown, or null when no step is flawed."


def response_format(model: type[BaseModel]) -> dict[str, Any]:
    """The strict `json_schema` response format for `model`, as `chat.completions.parse` sends."""
    schema = strict_json_schema(model)
    return {
        "type": "json_schema",
        "json_schema": {"schema": schema, "name": model.__name__, "strict": True},
    }


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema in the form strict structured outputs accept.

    Every object is closed (`additionalProperties: false`) and lists all its properties in
    `required`; `$defs` are kept and made strict too; `None` defaults are dropped (the field
    stays nullable); a `$ref` with sibling keys is inlined, since strict mode refuses those.
    """
    root = model.model_json_schema()
    return _strict(root, root)


def _strict(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    for definition in node.get("$defs", {}).values():
        _strict(definition, root)
    if node.get("type") == "object":
        node.setdefault("additionalProperties", False)
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["required"] = list(properties)
        node["properties"] = {name: _strict(sub, root) for name, sub in properties.items()}
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], root)
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = [_strict(sub, root) for sub in node["anyOf"]]
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            node.update(_strict(all_of[0], root))
            del node["allOf"]
        else:
            node["allOf"] = [_strict(sub, root) for sub in all_of]
    if "default" in node and node["default"] is None:
        del node["default"]
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        target = root
        for key in ref.removeprefix("#/").split("/"):
            target = target[key]
        node.update({**target, **node})
        del node["$ref"]
        return _strict(node, root)
    return node
