"""Kinds as tests reach them: through the registry, never a table of their own."""

from __future__ import annotations

from typing import Any

from groupbuild.config import ValidateConfig
from groupbuild.hashing import candidate_id
from groupbuild.kinds import (
    Edit,
    Evidence,
    Kind,
    KindDef,
    RuleFn,
    StepRewrite,
    definition,
    offered,
    prove,
)
from groupbuild.kinds.evidence import TwinEdit
from groupbuild.schema import Candidate, Domain, Provenance, Role, Seed, Trace
from groupbuild.stages.context import trace_answer
from groupbuild.stages.validate import gates_for
from groupbuild.text.traces import step_diff


def rules_of(domain: Domain) -> dict[Kind, RuleFn]:
    """Every kind the rules backend offers in `domain`, with its rule."""
    return {d.kind: d.rule for d in offered("rules", domain) if d.rule is not None}


def rule(domain: Domain, kind: Kind) -> RuleFn:
    found = definition(domain, kind).rule
    assert found is not None, f"{domain.value}/{kind} has no rule"
    return found


def evidence_of(edit: Edit) -> dict[str, Any]:
    return edit.evidence.to_json()


def check(
    domain: Domain,
    kind: Kind | str,
    seed: Seed,
    reference: Trace,
    candidate: Trace,
    evidence: Evidence | dict[str, Any],
) -> str | None:
    """The kind's proof, fed evidence the way the validate stage feeds it (as stored JSON)."""
    raw = evidence.to_json() if isinstance(evidence, Evidence) else evidence
    return prove(domain, str(kind), seed, reference, candidate, raw)


def plan_edit_rules() -> dict[Kind, RuleFn]:
    """The code kinds of the plan-edits family (`kinds.code.plan_edits`), from the registry."""
    return {
        d.kind: d.rule
        for d in offered("rules", Domain.CODE)
        if d.rule is not None and d.rule.__module__ == "groupbuild.kinds.code.plan_edits"
    }


def model_rewrite(kind: KindDef, edit: Edit) -> StepRewrite:
    """What a model would reply for `kind` to give `edit`: the step it edited (the first of two
    swapped, the position of a new one), that step's new text (empty when the kind drops or
    swaps steps) and, for a kind proven by a twin, the program following the flawed plan."""
    assert kind.llm is not None, f"{kind.kind} has no LLM offer"
    index = edit.declared_span[0]
    text = edit.trace.steps[index] if kind.llm.writes_step else ""
    program = None
    if kind.llm.program:
        assert isinstance(edit.evidence, TwinEdit), f"{kind.kind}: a program kind without a twin"
        program = edit.evidence.twin_program
    return StepRewrite(index, text, program)


GATES = gates_for(ValidateConfig(require_ordering=False))
"""Every gate but the judge ordering: what a negative must pass on its own."""


def gate_failure(seed: Seed, reference: Trace, edit: Edit, kind: KindDef) -> str | None:
    """The first gate `edit` fails as a candidate of `kind` (as `gate:reason`), else None."""
    ref = _candidate(seed, reference, Role.REFERENCE, None, ())
    cand = _candidate(seed, edit.trace, Role.NEGATIVE, kind.kind, edit.declared_span)
    cand = cand.model_copy(
        update={"diff": step_diff(reference, edit.trace), "evidence": edit.evidence.to_json()}
    )
    for name, gate in GATES:
        reason = gate(seed, ref, cand, kind.spec)
        if reason is not None:
            return f"{name}:{reason}"
    return None


def _candidate(
    seed: Seed, trace: Trace, role: Role, kind: Kind | None, span: tuple[int, ...]
) -> Candidate:
    return Candidate(
        candidate_id=candidate_id(seed.problem_id, kind, 0, trace.render()),
        problem_id=seed.problem_id,
        role=role,
        trace=trace,
        kind=None if kind is None else kind.value,
        declared_span=span,
        answer=trace_answer(seed, trace),
        provenance=Provenance(backend="rules"),
    )
