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
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{domain.value.capitalize()}JudgeReply",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )


_FIRST_FLAWED = "Number of the first flawed step as shown, or null when no step is flawed."
