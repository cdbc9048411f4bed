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
