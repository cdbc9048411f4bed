"""The pipeline stages after `seeds`: each a pure function of a draft and the roles it is given.

They never open files, read the environment or touch the network except through the roles in the
`StageContext`; the runner owns journals, resume, concurrency and progress. A stage raises
`StageReject` to drop the whole problem; a dropped candidate goes into `Draft.dropped`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from groupbuild import validate as gates
from groupbuild.config import Config
from groupbuild.errors import GroupbuildError, StageReject
from groupbuild.hashing import candidate_id, digest
from groupbuild.perturb.kinds import Kind
from groupbuild.roles import Executor, Judge, Perturber, Planner
from groupbuild.schema import Candidate, Domain, Draft, Reject, Role, Seed, Trace, Uplift
from groupbuild.traces import step_diff
from groupbuild.uplift import successes


@dataclass(frozen=True)
class StageContext:
    config: Config
    planner: Planner
    perturber: Perturber
    judge: Judge
    executor: Executor


Stage = Callable[[Draft, StageContext], Awaitable[Draft]]


def trace_answer(seed: Seed, trace: Trace) -> str | None:
    """The answer a math trace reaches by its own steps; code traces have none."""
    if seed.domain is not Domain.MATH:
        return None
    from groupbuild.mathtext import trace_answer as math_trace_answer

    return math_trace_answer(trace)


async def reference(draft: Draft, ctx: StageContext) -> Draft:
    seed = draft.seed
    oracle = None
    if seed.domain is Domain.CODE:
        # Everyone downstream (planner, executor, judge, the published group) sees the
        # statement with its stdin/stdout format, as TraceLift's executor does.
        oracle = await asyncio.to_thread(_code_oracle, seed)
        if oracle["io_note"] not in seed.problem:
            problem = f"{seed.problem.rstrip()}\n\n{oracle['io_note']}"
            seed = seed.model_copy(update={"problem": problem})
    trace, provenance = await ctx.planner.plan(seed)
    if seed.domain is Domain.MATH:
        _check_math_reference(seed, trace)
    ref = Candidate(
        candidate_id=candidate_id(seed.problem_id, None, 0, trace.render()),
        problem_id=seed.problem_id,
        role=Role.REFERENCE,
        trace=trace,
        answer=trace_answer(seed, trace),
        provenance=provenance,
    )
    return draft.model_copy(update={"seed": seed, "reference": ref, "oracle": oracle})


def _check_math_reference(seed: Seed, trace: Trace) -> None:
    """A reference must reach the gold answer by true equations: correct is necessary here."""
    from groupbuild.execute.math_answer import equivalent
    from groupbuild.mathtext import false_equations, trace_answer

    answer = trace_answer(trace)
    if answer is None or not equivalent(answer, seed.answer or ""):
        raise StageReject("reference_wrong_answer", f"reaches {answer!r}, gold {seed.answer!r}")
    false = false_equations(trace)
    if false:
        raise StageReject("reference_false_equation", f"false equation in step(s) {false}")


def _code_oracle(seed: Seed) -> dict[str, Any]:
    """The stdin/stdout form of a function-style seed, verified against its reference."""
    from groupbuild.execute.oracles import OracleFailure, build_oracle

    built = build_oracle(seed)
    if isinstance(built, OracleFailure):
        raise StageReject("oracle_unverified", built.reason)
    return {
        "record": built.to_record(seed.problem_id),
        "program": built.program,
        "io_note": built.io_note,
    }


def kinds_for(ctx: StageContext, domain: Domain) -> list[Kind]:
    available = ctx.perturber.kinds(domain)
    wanted = ctx.config.perturb.kinds.get(domain.value)
    if not wanted:
        return available
    unknown = sorted(set(wanted) - {k.value for k in available})
    if unknown:
        # A config naming a kind the backend lacks concerns every problem: stop the run.
        valid = sorted(k.value for k in available)
        raise GroupbuildError(
            f"perturb.kinds.{domain.value}: {unknown} not available; valid: {valid}"
        )
    return [k for k in available if k.value in wanted]


async def perturb(draft: Draft, ctx: StageContext) -> Draft:
    seed, ref = draft.seed, _reference(draft)
    kinds = kinds_for(ctx, seed.domain)
    base = ctx.config.perturb.seed

    async def one(kind: Kind) -> tuple[Kind, object]:
        rng = random.Random(digest([base, seed.problem_id, kind.value]))
        try:
            return kind, await ctx.perturber.perturb(seed, ref.trace, kind, rng)
        except StageReject as exc:
            return kind, exc

    candidates: list[Candidate] = []
    dropped: list[Reject] = list(draft.dropped)
    seen = {ref.trace.steps}
    for kind, result in await asyncio.gather(*(one(k) for k in kinds)):
        attempt_id = f"{seed.problem_id}/{kind.value}"
        if result is None or isinstance(result, StageReject):
            reason = "not_applicable" if result is None else result.reason
            detail = "" if result is None else result.detail
            dropped.append(_drop("perturb", attempt_id, seed, reason, detail))
            continue
        edit, provenance = result
        if edit.trace.steps in seen:
            dropped.append(_drop("perturb", attempt_id, seed, "duplicate_candidate"))
            continue
        seen.add(edit.trace.steps)
        index = len(candidates)
        candidates.append(
            Candidate(
                candidate_id=candidate_id(seed.problem_id, kind.value, index, edit.trace.render()),
                problem_id=seed.problem_id,
                role=Role.NEGATIVE,
                trace=edit.trace,
                kind=kind.value,
                index=index,
                declared_span=edit.declared_span,
                diff=step_diff(ref.trace, edit.trace),
                answer=trace_answer(seed, edit.trace),
                provenance=provenance,
                evidence=dict(edit.evidence),
            )
        )
    return draft.model_copy(update={"candidates": tuple(candidates), "dropped": tuple(dropped)})


async def annotate(draft: Draft, ctx: StageContext) -> Draft:
    """Score every trace, one blind request each (the judge sees the seed and one trace only),
    and measure each trace's executor uplift where an executor can run the domain."""
    seed, ref = draft.seed, _reference(draft)
    runs = ctx.config.uplift.runs if ctx.executor.supports(seed.domain) else 0
    without = await successes(ctx.executor, seed, None, runs, draft.oracle) if runs else 0
    executor_name = getattr(ctx.executor, "name", type(ctx.executor).__name__)

    async def score(candidate: Candidate) -> Candidate | StageReject:
        try:
            rubric = await ctx.judge.score(seed, candidate.trace)
            uplift = None
            if runs:
                hits = await successes(ctx.executor, seed, candidate.trace, runs, draft.oracle)
                uplift = Uplift(
                    runs=runs, with_trace=hits, without_trace=without, executor=executor_name
                )
        except StageReject as exc:
            return exc
        return candidate.model_copy(update={"rubric": rubric, "uplift": uplift})

    results = await asyncio.gather(score(ref), *(score(c) for c in draft.candidates))
    scored_ref = results[0]
    if isinstance(scored_ref, StageReject):
        raise StageReject(f"reference_{scored_ref.reason}", scored_ref.detail)
    kept: list[Candidate] = []
    dropped = list(draft.dropped)
    for candidate, result in zip(draft.candidates, results[1:], strict=True):
        if isinstance(result, StageReject):
            dropped.append(
                _drop("annotate", candidate.candidate_id, seed, result.reason, result.detail)
            )
        else:
            kept.append(result)
    return draft.model_copy(
        update={"reference": scored_ref, "candidates": tuple(kept), "dropped": tuple(dropped)}
    )


async def validate(draft: Draft, ctx: StageContext) -> Draft:
    config = ctx.config
    return await asyncio.to_thread(
        gates.validate_draft, draft, config.validate_, config.perturb.max_negatives
    )


STAGES: dict[str, Stage] = {
    "reference": reference,
    "perturb": perturb,
    "annotate": annotate,
    "validate": validate,
}


def _reference(draft: Draft) -> Candidate:
    if draft.reference is None:
        raise StageReject("missing_reference", "the reference stage has not run")
    return draft.reference


def _drop(stage: str, ident: str, seed: Seed, reason: str, detail: str = "") -> Reject:
    return Reject(
        stage=stage,
        id=ident,
        reason=reason,
        detail=detail,
        problem_id=seed.problem_id,
        level="candidate",
    )
