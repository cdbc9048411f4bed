"""What a published row looks like: the TraceLift group, the TRL pair and the step-labelled trace.

These models are the single source of the Parquet schemas (see `arrow.py`) and of the JSONL export:
the TraceLift reader's required fields come first, provenance rides along as extra keys it ignores.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializeAsAny, create_model

from groupbuild.kinds import spec_for
from groupbuild.schema import DIMENSIONS, Candidate, Domain, Draft, Role


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(Row):
    role: str
    content: str


class RubricRow(Row):
    """Base of the per-domain rubric models of `rubric_model`: the float `total` comes first."""

    total: float


class CandidateProvenance(Row):
    backend: str
    model: str | None
    prompt_hash: str | None
    rule: str | None


class ExportCandidate(Row):
    """One trace as TraceLift reads it (`rubric` is the per-domain model from `rubric_model`)."""

    reasoning: str
    label: str
    rubric: SerializeAsAny[RubricRow]
    rubric_label: str
    rubric_score_raw: float
    rubric_reason: str
    negative_kind: str | None
    negative_index: int | None
    candidate_id: str
    signature: str | None
    steps: list[str]
    declared_span: list[int]
    changed_steps: list[int]
    deleted_steps: list[int]
    inserted_steps: list[int]
    first_flawed_step: int | None
    """Measured: the first candidate step that differs from the reference (None if no flaw)."""
    judge_first_flawed_step: int | None
    answer: str | None
    rubric_scores: SerializeAsAny[BaseModel]
    """The judge's raw 0–10 score per dimension."""
    judge: str
    """Which judge scored it: `rules`, or the model."""
    judge_samples: int
    judge_agreement: float | None
    """Mean over dimensions of the share of judge samples within one label of the majority
    (None for a single sample)."""
    rule_rubric_scores: SerializeAsAny[BaseModel] | None
    """The rule judge's 0–10 scores beside a model judge's (None when the rules judged)."""
    rule_rubric_score_raw: float | None
    uplift: float | None
    """Executor success with the trace minus without it, over `executor_runs` runs each."""
    executor_runs: int | None
    executor_success_with: int | None
    executor_success_without: int | None
    executor_insensitive: bool | None
    """An answer-changing flaw that did not lower the executor's success."""
    provenance: CandidateProvenance
    evidence: str
    """JSON text of the checkable facts gathered for the validator."""


class GroupMetadata(Row):
    domain: str
    source_id: str
    license: str
    origin: str
    split: str
    num_negatives: int
    negative_kinds: list[str]
    gold_answer: str | None


class ExportGroup(Row):
    problem_id: str
    source: str
    task_type: str
    problem: str
    reference_solution: str
    positive_pool: list[ExportCandidate]
    negative_bank: list[ExportCandidate]
    metadata: GroupMetadata


class PairRow(Row):
    """TRL RewardTrainer row: conversational prompt/chosen/rejected plus a margin."""

    problem_id: str
    domain: str
    negative_kind: str
    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    margin: float


class StepRow(Row):
    """Process supervision: the trace's steps, each labelled good until the first flawed step."""

    problem_id: str
    domain: str
    candidate_id: str
    role: str
    negative_kind: str | None
    prompt: str
    completions: list[str]
    labels: list[bool]
    first_flawed_step: int | None


@cache
def rubric_model(domain: Domain) -> type[RubricRow]:
    """The contract rubric of a domain: five int labels 0..4 and the float `total`."""
    fields: dict[str, Any] = {name: (int, ...) for name in DIMENSIONS[domain]}
    return create_model(f"{domain.value.title()}Rubric", __base__=RubricRow, **fields)


@cache
def scores_model(domain: Domain) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (float, ...) for name in DIMENSIONS[domain]}
    return create_model(f"{domain.value.title()}Scores", __base__=Row, **fields)


@cache
def candidate_model(domain: Domain) -> type[ExportCandidate]:
    """`ExportCandidate` with the domain's rubric fields spelled out (for the Arrow schema)."""
    second_scores: Any = scores_model(domain) | None
    return create_model(
        f"{domain.value.title()}Candidate",
        __base__=ExportCandidate,
        rubric=(rubric_model(domain), ...),
        rubric_scores=(scores_model(domain), ...),
        rule_rubric_scores=(second_scores, ...),
    )


@cache
def group_model(domain: Domain) -> type[ExportGroup]:
    item = candidate_model(domain)
    return create_model(
        f"{domain.value.title()}Group",
        __base__=ExportGroup,
        positive_pool=(list[item], ...),  # type: ignore[valid-type]  # a class built at runtime
        negative_bank=(list[item], ...),  # type: ignore[valid-type]  # a class built at runtime
    )


def first_flawed_step(candidate: Candidate) -> int | None:
    """First candidate step that is not a verbatim reference step, for flawed kinds; a step
    that only keeps the length (a control, in the evidence) is not the flaw."""
    if candidate.role is Role.REFERENCE or candidate.kind is None:
        return None
    diff = candidate.diff
    controls = set(candidate.evidence.get("controls") or ())
    # Changed reference steps keep their position in the candidate up to the first edit, so the
    # earliest edited position is the same index on both sides.
    # A deletion's gap is at its reference index, moved on by the controls put in before it.
    gaps = {d + sum(1 for c in controls if c <= d) for d in diff.deleted}
    edited = {*diff.changed, *gaps, *diff.inserted} - controls
    return min(edited) if edited else None


def export_candidate(candidate: Candidate, domain: Domain) -> ExportCandidate:
    rubric, second = candidate.rubric, candidate.rule_rubric
    if rubric is None:
        raise ValueError(f"candidate {candidate.candidate_id} was never annotated")
    labels = rubric.labels()
    negative = candidate.role is Role.NEGATIVE
    signature = spec_for(domain, candidate.kind).signature.value if candidate.kind else None
    flawed = first_flawed_step(candidate)
    is_quality_only = signature == "Q"
    up = candidate.uplift
    return candidate_model(domain)(
        reasoning=candidate.trace.render(),
        label="negative" if negative else "positive",
        rubric=rubric_model(domain)(**labels, total=rubric.total),
        rubric_label=rubric.label,
        rubric_score_raw=rubric.rubric_score,
        rubric_reason=rubric.reason,
        negative_kind=candidate.kind if negative else None,
        negative_index=candidate.index if negative else None,
        candidate_id=candidate.candidate_id,
        signature=signature,
        steps=list(candidate.trace.steps),
        declared_span=list(candidate.declared_span),
        changed_steps=list(candidate.diff.changed),
        deleted_steps=list(candidate.diff.deleted),
        inserted_steps=list(candidate.diff.inserted),
        first_flawed_step=None if is_quality_only else flawed,
        judge_first_flawed_step=rubric.first_flawed_step,
        answer=candidate.answer,
        rubric_scores=scores_model(domain)(**{k: rubric.scores[k] for k in DIMENSIONS[domain]}),
        judge=rubric.judge,
        judge_samples=rubric.samples,
        judge_agreement=(
            round(sum(rubric.agreement.values()) / len(rubric.agreement), 6)
            if rubric.samples > 1 and rubric.agreement
            else None
        ),
        rule_rubric_scores=None
        if second is None
        else scores_model(domain)(**{k: second.scores[k] for k in DIMENSIONS[domain]}),
        rule_rubric_score_raw=None if second is None else second.rubric_score,
        uplift=up.uplift if up else None,
        executor_runs=up.runs if up else None,
        executor_success_with=up.with_trace if up else None,
        executor_success_without=up.without_trace if up else None,
        executor_insensitive=candidate.evidence.get("executor_insensitive"),
        provenance=CandidateProvenance(**candidate.provenance.model_dump()),
        evidence=json.dumps(candidate.evidence, sort_keys=True, default=str),
    )


def export_group(draft: Draft, split: str) -> ExportGroup:
    seed, ref = draft.seed, draft.reference
    assert ref is not None
    domain = seed.domain
    problem = seed.problem
    if domain is Domain.CODE:
        reference_solution = (draft.oracle or {}).get("program") or seed.solution or ""
    else:
        reference_solution = seed.answer or ""
    negatives = [export_candidate(c, domain) for c in draft.candidates]
    return group_model(domain)(
        problem_id=seed.problem_id,
        source=seed.source,
        task_type=seed.task_type,
        problem=problem,
        reference_solution=reference_solution,
        positive_pool=[export_candidate(ref, domain)],
        negative_bank=negatives,
        metadata=GroupMetadata(
            domain=domain.value,
            source_id=seed.source_id,
            license=seed.license,
            origin=seed.origin,
            split=split,
            num_negatives=len(negatives),
            negative_kinds=[n.negative_kind or "" for n in negatives],
            gold_answer=seed.answer,
        ),
    )


def tracelift_json(group: ExportGroup) -> str:
    """The contract's JSONL object: positives carry no negative-only keys."""
    return group.model_dump_json(exclude=_POSITIVE_ONLY)


_POSITIVE_ONLY = {"positive_pool": {"__all__": {"negative_kind", "negative_index"}}}


def pair_rows(group: ExportGroup) -> list[PairRow]:
    ref = group.positive_pool[0]
    prompt = [Message(role="user", content=group.problem)]
    return [
        PairRow(
            problem_id=group.problem_id,
            domain=group.metadata.domain,
            negative_kind=neg.negative_kind or "",
            prompt=prompt,
            chosen=[Message(role="assistant", content=ref.reasoning)],
            rejected=[Message(role="assistant", content=neg.reasoning)],
            margin=round(ref.rubric.total - neg.rubric.total, 6),
        )
        for neg in group.negative_bank
    ]


def step_rows(group: ExportGroup) -> list[StepRow]:
    rows = []
    for cand in [*group.positive_pool, *group.negative_bank]:
        flawed = cand.first_flawed_step
        labels = [flawed is None or i < flawed for i in range(len(cand.steps))]
        rows.append(
            StepRow(
                problem_id=group.problem_id,
                domain=group.metadata.domain,
                candidate_id=cand.candidate_id,
                role="reference" if cand.label == "positive" else "negative",
                negative_kind=cand.negative_kind,
                prompt=group.problem,
                completions=cand.steps,
                labels=labels,
                first_flawed_step=flawed,
            )
        )
    return rows
