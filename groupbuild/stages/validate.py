"""The validate stage and its gates (taxonomy.md §2.3): every negative proves its flaw.

Gates run in order and a candidate is dropped on the first failure, with the gate's reason.
Nothing here trusts the perturber's word: the step diff is measured again from the texts, the
answer is recomputed, and each kind's flaw is proven by the kind's own proof.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from groupbuild.config import ValidateConfig
from groupbuild.errors import StageReject
from groupbuild.hashing import digest
from groupbuild.kinds import KindSpec, prove, spec_for
from groupbuild.schema import Candidate, Domain, Draft, Reject, Seed, Signature
from groupbuild.stages.context import StageContext
from groupbuild.text.cues import cue_words
from groupbuild.text.traces import aligned_changes, length_ratio, step_diff

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

Gate = Callable[[Seed, Candidate, Candidate, KindSpec], str | None]


def numeric_only_change(before: str, after: str) -> bool:
    """True when two steps differ in their numbers only: the fallout a re-evaluation predicts."""
    return _NUMBER.sub("#", before) == _NUMBER.sub("#", after)


def gate_schema(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    n = len(ref.trace.steps)
    if not cand.declared_span:
        return "no_declared_span"
    if any(i < 0 or i > n for i in cand.declared_span):
        return "declared_span_out_of_range"
    if len(cand.declared_span) > spec.max_steps:
        return "declared_span_over_budget"
    return None


def gate_locality(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    """Measured edits must sit inside the declared span, plus numeric-only propagated steps."""
    pairs, diff = aligned_changes(ref.trace, cand.trace)
    if diff.size == 0:
        return "no_change"
    declared = set(cand.declared_span)
    propagated: set[int] = set()
    if spec.propagates:
        propagated = {
            i
            for i, j in pairs.items()
            if i not in declared and numeric_only_change(ref.trace.steps[i], cand.trace.steps[j])
        }
    edited = set(diff.touched) & declared
    if propagated and not edited:
        propagated = set()  # fallout needs a cause: an edit inside the declared span
    outside = set(diff.touched) - declared - propagated
    if outside:
        return "edit_outside_declared_span"
    if propagated and min(propagated) < min(edited):
        return "propagation_before_edit"
    own_edits = len(set(diff.touched) - propagated) + len(diff.inserted)
    if own_edits > spec.max_steps:
        return "locality_budget_exceeded"
    return None


def gate_outcome(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    if seed.domain is Domain.MATH:
        from groupbuild.execute.math_answer import equivalent

        gold = seed.answer or ""
        same = cand.answer is not None and equivalent(cand.answer, gold)
        if spec.signature is Signature.ANSWER and same:
            return "answer_unchanged"
        if spec.signature is not Signature.ANSWER and not same:
            return "answer_changed"
    return None


def gate_type(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    """The kind's own proof of harm, reading the candidate's typed evidence."""
    return prove(seed.domain, spec.kind, seed, ref.trace, cand.trace, cand.evidence)


def gate_artifacts(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    if cue_words(cand.trace.render()) - cue_words(ref.trace.render()):
        return "cue_word_added"
    return None


def make_length_gate(tolerance: float) -> Gate:
    def gate_length(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
        if spec.length_exempt:
            return None
        if abs(length_ratio(ref.trace, cand.trace) - 1) > tolerance:
            return "length_shift"
        return None

    return gate_length


def gate_ordering(seed: Seed, ref: Candidate, cand: Candidate, spec: KindSpec) -> str | None:
    if ref.rubric is None or cand.rubric is None:
        return "not_annotated"
    if cand.rubric.total >= ref.rubric.total:
        return "not_below_reference"
    return None


def gates_for(config: ValidateConfig) -> list[tuple[str, Gate]]:
    gates: list[tuple[str, Gate]] = [
        ("G0_schema", gate_schema),
        ("G1_locality", gate_locality),
        ("G2_outcome", gate_outcome),
        ("G3_type", gate_type),
        ("G4_artifacts", gate_artifacts),
        ("G4_length", make_length_gate(config.length_tolerance)),
    ]
    if config.require_ordering:
        gates.append(("ordering", gate_ordering))
    return gates


def validate_draft(draft: Draft, config: ValidateConfig, max_negatives: int) -> Draft:
    """Keep the negatives that pass every gate; reject the group when too few remain."""
    seed, ref = draft.seed, draft.reference
    if ref is None or ref.rubric is None:
        raise StageReject("reference_not_annotated")
    if ref.uplift is not None and ref.uplift.uplift < 0:
        raise StageReject("reference_negative_uplift", f"uplift {ref.uplift.uplift:+.2f}")
    gates = gates_for(config)
    kept: list[Candidate] = []
    dropped = list(draft.dropped)
    for cand in draft.candidates:
        reason = _first_failure(gates, seed, ref, cand)
        if reason is None:
            evidence = {
                **cand.evidence,
                "executor_insensitive": executor_insensitive(seed, ref, cand),
            }
            update = {"diff": step_diff(ref.trace, cand.trace), "evidence": evidence}
            kept.append(cand.model_copy(update=update))
        else:
            dropped.append(_candidate_reject(seed, cand, reason))
    if len(kept) < config.min_negatives:
        reasons = ", ".join(f"{d.detail}={d.reason}" for d in dropped if d.stage == "validate")
        raise StageReject(
            "too_few_negatives",
            f"{len(kept)} of {len(draft.candidates)} passed the gates; dropped: {reasons or '-'}",
        )
    kinds = len({c.kind for c in kept})
    if kinds < config.min_kinds:
        raise StageReject(
            "too_few_kinds", f"{len(kept)} negatives passed the gates, of {kinds} kinds"
        )
    chosen = select_negatives(seed, kept, max_negatives)
    for cand in kept:
        if cand not in chosen:
            dropped.append(_candidate_reject(seed, cand, "over_max_negatives"))
    return draft.model_copy(update={"candidates": tuple(chosen), "dropped": tuple(dropped)})


def select_negatives(seed: Seed, kept: list[Candidate], limit: int) -> list[Candidate]:
    """At most `limit` negatives, taking signatures in turn (A, S, Q) so a group mixes outcomes.

    Within a signature the order is a hash of the candidate, so no kind is favoured by its place
    in the enum, and the choice is the same on every run; a kind's second site comes after every
    kind's first.
    """
    if len(kept) <= limit:
        return kept
    by_signature: dict[Signature, list[Candidate]] = {s: [] for s in Signature}
    first: dict[str | None, str] = {}
    for cand in kept:
        first.setdefault(cand.kind, cand.candidate_id)
    ordered = sorted(
        kept,
        key=lambda c: (first[c.kind] != c.candidate_id, digest([seed.problem_id, c.candidate_id])),
    )
    for cand in ordered:
        by_signature[spec_for(seed.domain, cand.kind or "").signature].append(cand)
    chosen: list[Candidate] = []
    while len(chosen) < limit:
        for queue in by_signature.values():
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=kept.index)


def _candidate_reject(seed: Seed, cand: Candidate, reason: str) -> Reject:
    return Reject(
        stage="validate",
        id=cand.candidate_id,
        reason=reason,
        detail=f"{cand.kind}",
        problem_id=seed.problem_id,
        level="candidate",
    )


def executor_insensitive(seed: Seed, ref: Candidate, cand: Candidate) -> bool | None:
    """An answer-changing flaw the executor does not notice: kept, but marked and counted."""
    if ref.uplift is None or cand.uplift is None:
        return None
    spec = spec_for(seed.domain, cand.kind or "")
    if spec.signature is not Signature.ANSWER:
        return None
    return cand.uplift.with_rate >= ref.uplift.with_rate


def _first_failure(
    gates: list[tuple[str, Gate]], seed: Seed, ref: Candidate, cand: Candidate
) -> str | None:
    try:
        spec = spec_for(seed.domain, cand.kind or "")
    except KeyError:
        return "unknown_kind"
    for _name, gate in gates:
        reason = gate(seed, ref, cand, spec)
        if reason is not None:
            return reason
    return None


async def validate_stage(draft: Draft, ctx: StageContext) -> Draft:
    config = ctx.config
    return await asyncio.to_thread(
        validate_draft, draft, config.validate_, config.perturb.max_negatives
    )
