"""The perturb stage: one candidate per offered kind, each a typed, localized edit."""

from __future__ import annotations

import random

from groupbuild.aio import settle
from groupbuild.errors import GroupbuildError, StageReject
from groupbuild.hashing import candidate_id, digest
from groupbuild.kinds import Edit, Kind
from groupbuild.schema import Candidate, Domain, Draft, Provenance, Reject, Role
from groupbuild.stages.context import StageContext, candidate_reject, reference_of, trace_answer
from groupbuild.text.traces import step_diff


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
    seed, ref = draft.seed, reference_of(draft)
    kinds = kinds_for(ctx, seed.domain)
    base = ctx.config.perturb.seed

    async def one(kind: Kind) -> tuple[Kind, tuple[Edit, Provenance] | StageReject | None]:
        rng = random.Random(digest([base, seed.problem_id, kind.value]))
        try:
            return kind, await ctx.perturber.perturb(seed, ref.trace, kind, rng)
        except StageReject as exc:
            return kind, exc

    candidates: list[Candidate] = []
    dropped: list[Reject] = list(draft.dropped)
    seen = {ref.trace.steps}
    for kind, result in await settle(*(one(k) for k in kinds)):
        attempt_id = f"{seed.problem_id}/{kind.value}"
        if result is None or isinstance(result, StageReject):
            reason = "not_applicable" if result is None else result.reason
            detail = "" if result is None else result.detail
            dropped.append(candidate_reject("perturb", attempt_id, seed, reason, detail))
            continue
        edit, provenance = result
        if edit.trace.steps in seen:
            dropped.append(candidate_reject("perturb", attempt_id, seed, "duplicate_candidate"))
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
                evidence=edit.evidence.to_json(),
            )
        )
    return draft.model_copy(update={"candidates": tuple(candidates), "dropped": tuple(dropped)})
