"""Typed evidence: what a perturbation records about its edit, and what its proof reads.

Evidence travels as JSON on the candidate (`Candidate.evidence`); the proof parses it back into
the kind's model, so a perturber that forgets a field, or fills one with the wrong type, fails
the type gate with `evidence_invalid` instead of passing a proof that never looked.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ADDED_BY_VALIDATION = frozenset({"executor_insensitive"})
"""Keys the validate stage adds after the proofs ran; never part of a kind's evidence."""


class Evidence(BaseModel):
    """Base of every kind's evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class MathEvidence(Evidence):
    """Every math edit: the later steps re-evaluated for it, and the answer it now reaches."""

    propagated: tuple[int, ...] = ()
    answer: str | None = None
    rewritten_step: int | None = None
    """Set when a model rewrote this step (the LLM path); the rules leave it empty."""
    controls: tuple[int, ...] = ()
    """Candidate steps that only keep the trace's length (a true restatement): not the flaw,
    so the first flawed step is never one of them."""


class ValueChange(MathEvidence):
    """One value replaced by another (a slip, a misread number, a stale carry)."""

    before: str | None = Field(None, alias="from")
    after: str | None = Field(None, alias="to")


class OperatorChange(MathEvidence):
    operator: tuple[str, str] | None = None


class UnitChange(OperatorChange):
    factor: str | None = None
    unit: str | None = None


class CountShift(MathEvidence):
    shift: str = "inclusive_exclusive"


class LemmaUse(MathEvidence):
    """The false identity applied; the proof evaluates it at random points."""

    lemma: str
    identity: str
    lhs: str
    rhs: str
    bindings: dict[str, str] = Field(default_factory=dict)


class DroppedValue(MathEvidence):
    dropped_value: str
    rewired_to: str | None = None


class ReportedFrom(MathEvidence):
    reported_from_step: int | None = None


class Insertion(MathEvidence):
    inserted_after: int


class Assertion(MathEvidence):
    asserted_value: str | None = None


class PlanEdit(Evidence):
    """A code-plan edit: the step it changed, before and after."""

    plan_step: int
    before: str | None = None
    after: str | None = None


class TwinEdit(PlanEdit):
    """A plan edit mirrored in the reference program; the proof runs the twin."""

    twin_program: str
    twin_lines: tuple[int, ...]
    mutation: str


def parse_evidence(model: type[Evidence], raw: dict[str, Any]) -> Evidence | None:
    """`raw` read back as `model`, or None when it does not fit."""
    try:
        return model.model_validate({k: v for k, v in raw.items() if k not in ADDED_BY_VALIDATION})
    except ValidationError:
        return None
