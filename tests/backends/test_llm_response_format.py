"""The strict `json_schema` response format built from a reply model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from groupbuild.backends.llm.replies import PerturbReply, response_format, strict_json_schema


class _Point(BaseModel):
    x: int
    label: str | None = None


class _Shape(BaseModel):
    name: str
    points: list[_Point]
    centre: _Point = Field(description="The middle.")


def test_strict_schema_closes_every_object_and_requires_every_property() -> None:
    point = {
        "type": "object",
        "title": "_Point",
        "properties": {
            "x": {"type": "integer", "title": "X"},
            "label": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Label"},
        },
        "required": ["x", "label"],
        "additionalProperties": False,
    }
    assert strict_json_schema(_Shape) == {
        "$defs": {"_Point": point},
        "type": "object",
        "title": "_Shape",
        "properties": {
            "name": {"type": "string", "title": "Name"},
            "points": {"type": "array", "title": "Points", "items": {"$ref": "#/$defs/_Point"}},
            "centre": {**point, "description": "The middle."},
        },
        "required": ["name", "points", "centre"],
        "additionalProperties": False,
    }


def test_response_format_names_the_model_and_asks_for_strict_json_schema() -> None:
    fmt = response_format(PerturbReply)
    assert fmt == {
        "type": "json_schema",
        "json_schema": {
            "schema": strict_json_schema(PerturbReply),
            "name": "PerturbReply",
            "strict": True,
        },
    }
    assert fmt["json_schema"]["schema"]["required"] == ["step_index", "new_text"]
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False
