"""The perturb stage: typed, localized edits of the reference, one per offered kind and site."""

from __future__ import annotations

import random

from groupbuild.aio import settle
from groupbuild.errors import GroupbuildError, StageReject
from groupbuild.hashing import candidate_id, digest
from groupbuild.kinds import Edit, Kind, spec_for
from groupbuild.schema import (
    Candidate,
    Domain,
    Draft,
    Provenance,
    Reject,
    Role,
    Seed,
    Signature,
    Trace,
)
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
    """One candidate per offered kind; while a seed has fewer than `perturb.fill_to`, each flaw
    kind that gave one tries another site, so a short program or trace that few kinds fit still
    reaches a group (`validate.min_negatives`) when its flaws have several places to sit. A
    second site puts the first error at another step; a second quality edit (a detour) would
    only repeat a lesson, so quality kinds keep one."""
    seed, ref = draft.seed, reference_of(draft)
    settings = ctx.config.perturb
    candidates: list[Candidate] = []
    dropped: list[Reject] = list(draft.dropped)
    seen = {ref.trace.steps}

    spans: dict[Kind, set[tuple[int, ...]]] = {}

    async def one(kind: Kind, site: int) -> tuple[Kind, Attempt]:
        """The kind's edit at its `site`-th draw; a later site redraws until it edits a step the
        kind has not edited yet."""
        for draw in range(1 if site == 0 else REDRAWS):
            parts = [settings.seed, seed.problem_id, kind.value, *([site, draw] if site else [])]
            try:
                result = await ctx.perturber.perturb(
                    seed, ref.trace, kind, random.Random(digest(parts))
                )
            except StageReject as exc:
                return kind, exc
            if site == 0 or result is None or result[0].declared_span not in spans[kind]:
                return kind, result
        return kind, StageReject("no_other_site", f"{REDRAWS} draws edited the same steps again")

    todo = kinds_for(ctx, seed.domain)
    for site in range(settings.sites_per_kind):
        if site and len(candidates) >= settings.fill_to:
            break
        productive: list[Kind] = []
        for kind, result in await settle(*(one(k, site) for k in todo)):
            attempt_id = f"{seed.problem_id}/{kind.value}" + (f"#{site + 1}" if site else "")
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
            spans.setdefault(kind, set()).add(edit.declared_span)
            if spec_for(seed.domain, kind.value).signature is not Signature.QUALITY:
                productive.append(kind)
            candidates.append(_candidate(seed, ref.trace, kind, len(candidates), edit, provenance))
        todo = productive
    return draft.model_copy(update={"candidates": tuple(candidates), "dropped": tuple(dropped)})


Attempt = tuple[Edit, Provenance] | StageReject | None

REDRAWS = 3
"""Draws a later site gets to land on steps its kind has not edited yet."""


def _candidate(
    seed: Seed, reference: Trace, kind: Kind, index: int, edit: Edit, provenance: Provenance
) -> Candidate:
    return Candidate(
        candidate_id=candidate_id(seed.problem_id, kind.value, index, edit.trace.render()),
        problem_id=seed.problem_id,
        role=Role.NEGATIVE,
        trace=edit.trace,
        kind=kind.value,
        index=index,
        declared_span=edit.declared_span,
        diff=step_diff(reference, edit.trace),
        answer=trace_answer(seed, edit.trace),
        provenance=provenance,
        evidence=edit.evidence.to_json(),
    )
