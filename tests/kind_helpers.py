"""Kinds as tests reach them: through the registry, never a table of their own."""

from __future__ import annotations

from typing import Any

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
from groupbuild.schema import Domain, Seed, Trace


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
    """What a model would reply for `kind` to give `edit`: the step it edited, that step's new
    text (empty when the kind drops the step) and, for a kind proven by a twin, the program
    following the flawed plan."""
    assert kind.llm is not None, f"{kind.kind} has no LLM offer"
    index = edit.declared_span[0]
    text = "" if kind.llm.deletes else edit.trace.steps[index]
    program = None
    if kind.llm.program:
        assert isinstance(edit.evidence, TwinEdit), f"{kind.kind}: a program kind without a twin"
        program = edit.evidence.twin_program
    return StepRewrite(index, text, program)
