"""The records that flow between stages.

Every record is a frozen pydantic model with `extra="forbid"`: a stage changes a record with
`model_copy(update=...)`, so what a stage received is never altered behind its back. The Arrow
schema of the shards and the contract check are derived from these models (see publish/).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Domain(StrEnum):
    MATH = "math"
    CODE = "code"


class Role(StrEnum):
    REFERENCE = "reference"
    NEGATIVE = "negative"


class Signature(StrEnum):
    """Outcome signature of a perturbation (taxonomy.md)."""

    ANSWER = "A"
    """The final answer, or the test result, changes."""
    SUPPORT = "S"
    """The answer is unchanged but some step is false or unjustified."""
    QUALITY = "Q"
    """Answer and support intact; only quality drops."""


DIMENSIONS: dict[Domain, tuple[str, ...]] = {
    Domain.MATH: (
        "problem_understanding",
        "solution_strategy",
        "step_coherence",
        "calculation_correctness",
        "answer_support",
    ),
    Domain.CODE: (
        "task_understanding",
        "plan_quality",
        "step_coherence",
        "action_support",
        "non_leakage",
    ),
}


class Seed(Record):
    """One normalized seed problem, whatever file or dataset it came from."""

    problem_id: str
    """`source:source_id`; stable across runs, never derived from row order."""
    source: str
    source_id: str
    domain: Domain
    task_type: str
    """`math`, or the code family (e.g. `python_function`)."""
    problem: str
    """The statement as the planner sees it (code: includes the stdin/stdout format)."""
    answer: str | None = None
    """Math: the gold final answer as a plain number string."""
    solution: str | None = None
    """Math: the gold worked solution; code: the reference program (the function)."""
    plan: tuple[str, ...] = ()
    """Code: a hand-written reference plan, natural language, no code."""
    plan_links: tuple[tuple[int, ...], ...] = ()
    """Code: for each plan step, the (1-based) lines of the reference program it describes."""
    tests: tuple[str, ...] = ()
    """Code: assert statements (MBPP style) that the reference program passes."""
    test_setup: str = ""
    """Code: statements to run before the tests (imports, helper classes)."""
    entry_point: str | None = None
    """Code: the function the tests call."""
    license: str = "unknown"
    origin: str = ""
    """Where the seed was read: `file:line` or a Hub dataset id and row."""

    @field_validator("problem")
    @classmethod
    def _problem_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("problem statement is empty")
        return value


class Trace(Record):
    """An ordered list of reasoning steps, one per line when rendered."""

    steps: tuple[str, ...]

    @field_validator("steps")
    @classmethod
    def _one_line_per_step(cls, steps: tuple[str, ...]) -> tuple[str, ...]:
        if not steps:
            raise ValueError("a trace needs at least one step")
        for i, step in enumerate(steps):
            if "\n" in step or not step.strip():
                raise ValueError(f"step {i} must be one non-empty line")
        return steps

    def render(self) -> str:
        return "<reasoning>\n" + "\n".join(self.steps) + "\n</reasoning>"


class StepDiff(Record):
    """The measured difference between a trace and the reference, step by step.

    Indices refer to the reference (`changed`, `deleted`) or the candidate (`inserted`).
    Computed by the pipeline from the texts, never taken from the perturber's word.
    """

    changed: tuple[int, ...] = ()
    deleted: tuple[int, ...] = ()
    inserted: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.changed) + len(self.deleted) + len(self.inserted)

    @property
    def touched(self) -> tuple[int, ...]:
        """Reference steps that are changed or deleted."""
        return tuple(sorted({*self.changed, *self.deleted}))


class Rubric(Record):
    """A judge's verdict on one candidate: 0–10 per dimension plus an overall score."""

    scores: dict[str, float]
    rubric_score: float = Field(ge=0, le=10)
    reason: str
    first_flawed_step: int | None = None
    """Index of the first step the judge found flawed, or None when it found none."""
    judge: str
    """Which judge produced it (`rules`, or the model name)."""
    samples: int = 1
    agreement: dict[str, float] = Field(default_factory=dict)
    """Per dimension, the share of judge samples within one label of the majority."""

    @field_validator("scores")
    @classmethod
    def _scores_in_range(cls, scores: dict[str, float]) -> dict[str, float]:
        for name, value in scores.items():
            if not 0 <= value <= 10 or math.isnan(value):
                raise ValueError(f"score for {name!r} is {value}, outside 0..10")
        return scores

    def labels(self) -> dict[str, int]:
        """Contract bucketization: `min(4, max(0, floor(score / 2)))`."""
        return {name: min(4, max(0, math.floor(v / 2))) for name, v in self.scores.items()}

    @property
    def total(self) -> float:
        return round(min(1.0, max(0.0, self.rubric_score / 10)), 6)

    @property
    def label(self) -> str:
        score = self.rubric_score
        if score >= 8:
            return "strong"
        if score >= 6:
            return "acceptable"
        if score >= 4:
            return "weak"
        return "bad"


class Uplift(Record):
    """Executor success with the trace and without it (TraceLift's uplift), with raw counts."""

    runs: int
    with_trace: int
    """Runs in which the executor succeeded when given the trace."""
    without_trace: int
    executor: str

    @property
    def uplift(self) -> float:
        if self.runs == 0:
            return 0.0
        return max(-1.0, min(1.0, (self.with_trace - self.without_trace) / self.runs))

    @property
    def with_rate(self) -> float:
        return self.with_trace / self.runs if self.runs else 0.0


class Provenance(Record):
    backend: str
    """`rules` or `llm`."""
    model: str | None = None
    prompt_hash: str | None = None
    rule: str | None = None


class Candidate(Record):
    """One trace of a group: the reference or a typed, localized perturbation of it."""

    candidate_id: str
    problem_id: str
    role: Role
    trace: Trace
    kind: str | None = None
    """The perturbation kind (a `kinds.Kind` value); None for the reference."""
    index: int = 0
    declared_span: tuple[int, ...] = ()
    """Reference step indices the perturber says it edited."""
    diff: StepDiff = Field(default_factory=StepDiff)
    answer: str | None = None
    """Math: the final answer the trace reaches, recomputed from its own steps."""
    rubric: Rubric | None = None
    rule_rubric: Rubric | None = None
    """The rule judge's verdict beside a model judge's: how far the two agree is measured."""
    uplift: Uplift | None = None
    """Executor-grounded evidence; None when no executor can run this domain."""
    provenance: Provenance
    evidence: dict[str, Any] = Field(default_factory=dict)
    """Checkable facts gathered for the validator (executor results, detector hits)."""

    @model_validator(mode="after")
    def _negatives_have_a_kind(self) -> Candidate:
        if self.role is Role.NEGATIVE and not self.kind:
            raise ValueError("a negative candidate needs a kind")
        return self


class Reject(Record):
    """Why a seed, a candidate or a group did not reach the dataset."""

    stage: str
    id: str
    reason: str
    """A short machine-readable reason (`near_duplicate`, `locality_exceeded`, ...)."""
    detail: str = ""
    problem_id: str | None = None
    level: str = "seed"
    """`seed` when the whole problem is dropped, `candidate` when one trace is."""


class Draft(Record):
    """A problem on its way through the stages: what every stage after `seeds` hands on."""

    seed: Seed
    reference: Candidate | None = None
    candidates: tuple[Candidate, ...] = ()
    """Negatives; the reference is kept apart."""
    dropped: tuple[Reject, ...] = ()
    """Candidates removed by a stage, each with its reason."""
    oracle: dict[str, Any] | None = None
    """Code: the verified stdin/stdout test oracle (contract form) built in the reference stage."""


class Group(Record):
    """A published same-problem group (the TraceLift JSONL object, plus provenance)."""

    problem_id: str
    source: str
    domain: Domain
    task_type: str
    problem: str
    reference_solution: str
    split: str
    reference: Candidate
    negatives: tuple[Candidate, ...]
    license: str
