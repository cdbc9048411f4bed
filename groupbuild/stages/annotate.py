"""The annotate stage: rubric scores for every trace, and executor uplift where one can run."""

from __future__ import annotations

from groupbuild.aio import settle
from groupbuild.errors import StageReject
from groupbuild.execute.uplift import successes
from groupbuild.schema import Candidate, Draft, Uplift
from groupbuild.stages.context import StageContext, candidate_reject, reference_of


async def annotate(draft: Draft, ctx: StageContext) -> Draft:
    """Score every trace, one blind request each (the judge sees the seed and one trace only),
    and measure each trace's executor uplift where an executor can run the domain."""
    seed, ref = draft.seed, reference_of(draft)
    runs = ctx.config.uplift.runs if ctx.executor.supports(seed.domain) else 0
    without = await successes(ctx.executor, seed, None, runs, draft.oracle) if runs else 0
    executor_name = getattr(ctx.executor, "name", type(ctx.executor).__name__)
    second = ctx.second_judge

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
        rule_rubric = None if second is None else await second.score(seed, candidate.trace)
        return candidate.model_copy(
            update={"rubric": rubric, "rule_rubric": rule_rubric, "uplift": uplift}
        )

    results = await settle(score(ref), *(score(c) for c in draft.candidates))
    scored_ref = results[0]
    if isinstance(scored_ref, StageReject):
        raise StageReject(f"reference_{scored_ref.reason}", scored_ref.detail)
    kept: list[Candidate] = []
    dropped = list(draft.dropped)
    for candidate, result in zip(draft.candidates, results[1:], strict=True):
        if isinstance(result, StageReject):
            dropped.append(
                candidate_reject(
                    "annotate", candidate.candidate_id, seed, result.reason, result.detail
                )
            )
        else:
            kept.append(result)
    return draft.model_copy(
        update={"reference": scored_ref, "candidates": tuple(kept), "dropped": tuple(dropped)}
    )
