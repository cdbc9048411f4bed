"""The closed set of perturbation kinds (taxonomy.md) and the shape of one kind's promise.

A kind's spec lives with its implementation in `kinds/math/` or `kinds/code/`; this module only
names the kinds and says what a spec holds, so the gates can read budgets and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from groupbuild.schema import Domain, Signature


class Kind(StrEnum):
    DROPPED_STEP = "dropped_step"
    DROPPED_STEP_REWIRED = "dropped_step_rewired"
    ARITHMETIC_SLIP = "arithmetic_slip"
    OPERATOR_SWAP = "operator_swap"
    MISREAD_VALUE = "misread_value"
    INCONSISTENT_CARRY = "inconsistent_carry"
    WRONG_LEMMA = "wrong_lemma"
    MISSING_CASE = "missing_case"
    OFF_BY_ONE = "off_by_one"
    GOAL_DRIFT = "goal_drift"
    UNIT_ERROR = "unit_error"
    CIRCULAR_REASONING = "circular_reasoning"
    REDUNDANT_DETOUR = "redundant_detour"
    COMPENSATING_ERROR = "compensating_error"
    OVERCLAIM = "overclaim"
    MISSING_EDGE_CASE = "missing_edge_case"
    INVERTED_CONDITION = "inverted_condition"
    ARITHMETIC_ERROR = "arithmetic_error"
    VARIABLE_MISUSE = "variable_misuse"
    WRONG_ORDER = "wrong_order"
    WRONG_ALGORITHM_CHOICE = "wrong_algorithm_choice"
    INFEASIBLE_COMPLEXITY = "infeasible_complexity"
    SPEC_MISREAD = "spec_misread"
    WRONG_API = "wrong_api"
    PRECISION_ERROR = "precision_error"
    REDUNDANT_CODE = "redundant_code"
    FALSE_CLAIM = "false_claim"


@dataclass(frozen=True)
class KindSpec:
    """What a kind must do to a trace in one domain, read by the validator."""

    kind: Kind
    domain: Domain
    taxonomy_id: str
    signature: Signature
    max_steps: int
    """Locality budget: reference steps whose text may change, before propagation."""
    propagates: bool = False
    """Numeric fallout in later steps is allowed on top of the budget."""
    length_exempt: bool = False
    """Deletions and insertions change length by design; their length is matched elsewhere."""


MATH_HURTS: dict[Kind, str] = {
    Kind.DROPPED_STEP: "step_coherence",
    Kind.DROPPED_STEP_REWIRED: "step_coherence",
    Kind.ARITHMETIC_SLIP: "calculation_correctness",
    Kind.OPERATOR_SWAP: "calculation_correctness",
    Kind.MISREAD_VALUE: "problem_understanding",
    Kind.INCONSISTENT_CARRY: "step_coherence",
    Kind.WRONG_LEMMA: "calculation_correctness",
    Kind.MISSING_CASE: "answer_support",
    Kind.OFF_BY_ONE: "calculation_correctness",
    Kind.GOAL_DRIFT: "problem_understanding",
    Kind.UNIT_ERROR: "problem_understanding",
    Kind.CIRCULAR_REASONING: "step_coherence",
    Kind.REDUNDANT_DETOUR: "step_coherence",
    Kind.COMPENSATING_ERROR: "calculation_correctness",
    Kind.OVERCLAIM: "answer_support",
}
CODE_HURTS: dict[Kind, str] = {
    Kind.OFF_BY_ONE: "step_coherence",
    Kind.MISSING_EDGE_CASE: "action_support",
    Kind.INVERTED_CONDITION: "step_coherence",
    Kind.ARITHMETIC_ERROR: "step_coherence",
    Kind.VARIABLE_MISUSE: "step_coherence",
    Kind.DROPPED_STEP: "step_coherence",
    Kind.WRONG_ORDER: "step_coherence",
    Kind.WRONG_ALGORITHM_CHOICE: "plan_quality",
    Kind.INFEASIBLE_COMPLEXITY: "plan_quality",
    Kind.SPEC_MISREAD: "task_understanding",
    Kind.WRONG_API: "step_coherence",
    Kind.PRECISION_ERROR: "step_coherence",
    Kind.REDUNDANT_CODE: "plan_quality",
    Kind.FALSE_CLAIM: "action_support",
}
HURTS: dict[Domain, dict[Kind, str]] = {Domain.MATH: MATH_HURTS, Domain.CODE: CODE_HURTS}
"""The contract dimension each kind hurts, per domain: taxonomy.md's "Hurts" column read through
its VAL/SUP/FID/STR/ECO/CAL → contract table. Where a kind lists two, the first wins, except
where the rubric's own anchors name the flaw in another dimension: a rewired drop and an
inconsistent carry are step_coherence ("a later step uses a value never derived", "a value carried
over inconsistently"; the rewired steps are arithmetically true by construction)."""


def hurts(domain: Domain | str, kind: Kind | str) -> str | None:
    """The contract dimension `kind` hurts in `domain` (None for an unknown pair)."""
    try:
        return HURTS[Domain(domain)].get(Kind(kind))
    except ValueError:
        return None


QUALITY: dict[str, frozenset[str]] = {
    Domain.MATH: frozenset({"solution_strategy", "step_coherence"}),
    Domain.CODE: frozenset({"plan_quality", "step_coherence"}),
}
"""The contract dimensions that read economy and strategy (ECO, STR), per domain: where a
quality-only kind must show."""
