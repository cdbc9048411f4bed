"""The reference stage: the planner's trace, checked before anything is built on it.

A math reference must reach the gold answer by true equations; a code seed first gets its
verified stdin/stdout oracle, and everyone downstream sees the statement with that I/O format.
"""

from __future__ import annotations

import asyncio
from typing import Any

from groupbuild.backends.rules import RulePlanner
from groupbuild.errors import StageReject
from groupbuild.hashing import candidate_id
from groupbuild.schema import Candidate, Domain, Draft, Role, Seed, Trace
from groupbuild.stages.context import StageContext, trace_answer


async def reference(draft: Draft, ctx: StageContext) -> Draft:
    seed = draft.seed
    oracle = None
    planned = None
    if seed.domain is Domain.CODE and isinstance(ctx.planner, RulePlanner):
        # The rules planner writes a code plan from the program alone, never from the statement:
        # planning first spares the two sandbox starts of the oracle to seeds it cannot plan.
        planned = await ctx.planner.plan(seed)
    if seed.domain is Domain.CODE:
        # Everyone downstream (planner, executor, judge, the published group) sees the
        # statement with its stdin/stdout format, as TraceLift's executor does.
        oracle = await asyncio.to_thread(_code_oracle, seed)
        if oracle["io_note"] not in seed.problem:
            problem = f"{seed.problem.rstrip()}\n\n{oracle['io_note']}"
            seed = seed.model_copy(update={"problem": problem})
    trace, provenance = planned or await ctx.planner.plan(seed)
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
    """A reference must reach the gold answer by true equations: correct is necessary here.

    A LaTeX trace reaches the answer it boxes, its LaTeX must balance step by step, and only
    the equalities sympy can evaluate are checked (what it cannot parse is not held against
    it).
    """
    from groupbuild.execute.math_answer import equivalent
    from groupbuild.text.math import false_equations, trace_answer
    from groupbuild.text.math.latex import balanced, is_latex

    if is_latex(trace.steps):
        unbalanced = [j for j, step in enumerate(trace.steps) if not balanced(step)]
        if unbalanced:
            raise StageReject("unbalanced_latex", f"step(s) {unbalanced} do not balance")
    answer = trace_answer(trace)
    if answer is None or not equivalent(answer, seed.answer or ""):
        raise StageReject("reference_wrong_answer", f"reaches {answer!r}, gold {seed.answer!r}")
    false = false_equations(trace)
    if false:
        raise StageReject("reference_false_equation", f"false equation in step(s) {false}")


def _code_oracle(seed: Seed) -> dict[str, Any]:
    """The stdin/stdout form of a function-style seed, verified against its reference."""
    from groupbuild.execute.oracles import OracleFailure, oracle_payload

    built = oracle_payload(seed)
    if isinstance(built, OracleFailure):
        raise StageReject("oracle_unverified", built.reason)
    return built
