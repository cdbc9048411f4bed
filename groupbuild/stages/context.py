"""What a stage is handed: the config and the four roles. Stages talk to roles, never to a
provider; the runner owns journals, resume, concurrency and progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from groupbuild.config import Config
from groupbuild.errors import StageReject
from groupbuild.roles import Executor, Judge, Perturber, Planner
from groupbuild.schema import Candidate, Domain, Draft, Reject, Seed, Trace


@dataclass(frozen=True)
class StageContext:
    config: Config
    planner: Planner
    perturber: Perturber
    judge: Judge
    executor: Executor
    second_judge: Judge | None = None
    """The rule judge beside a model judge (offline, milliseconds): the audit reports how
    often the two agree."""


Stage = Callable[[Draft, StageContext], Awaitable[Draft]]


def trace_answer(seed: Seed, trace: Trace) -> str | None:
    """The answer a math trace reaches by its own steps; code traces have none."""
    if seed.domain is not Domain.MATH:
        return None
    from groupbuild.text.math import trace_answer as math_trace_answer

    return math_trace_answer(trace)


def reference_of(draft: Draft) -> Candidate:
    if draft.reference is None:
        raise StageReject("missing_reference", "the reference stage has not run")
    return draft.reference


def candidate_reject(stage: str, ident: str, seed: Seed, reason: str, detail: str = "") -> Reject:
    return Reject(
        stage=stage,
        id=ident,
        reason=reason,
        detail=detail,
        problem_id=seed.problem_id,
        level="candidate",
    )
