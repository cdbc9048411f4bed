"""The closed set of perturbation kinds and what each must do (taxonomy.md).

Gates read a kind's budget and signature from here instead of hard-coding them.
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


_M, _C = Domain.MATH, Domain.CODE
_A, _S, _Q = Signature.ANSWER, Signature.SUPPORT, Signature.QUALITY

SPECS: dict[tuple[Domain, Kind], KindSpec] = {
    (spec.domain, spec.kind): spec
    for spec in (
        KindSpec(Kind.DROPPED_STEP, _M, "M1", _S, 1, length_exempt=True),
        KindSpec(Kind.DROPPED_STEP_REWIRED, _M, "M2", _A, 3, propagates=True, length_exempt=True),
        KindSpec(Kind.ARITHMETIC_SLIP, _M, "M3", _A, 1, propagates=True),
        KindSpec(Kind.OPERATOR_SWAP, _M, "M4", _A, 1, propagates=True),
        KindSpec(Kind.MISREAD_VALUE, _M, "M5", _A, 1, propagates=True),
        KindSpec(Kind.INCONSISTENT_CARRY, _M, "M6", _A, 1, propagates=True),
        KindSpec(Kind.WRONG_LEMMA, _M, "M7", _A, 1, propagates=True),
        KindSpec(Kind.MISSING_CASE, _M, "M8", _A, 2),
        KindSpec(Kind.OFF_BY_ONE, _M, "M9", _A, 1, propagates=True),
        KindSpec(Kind.GOAL_DRIFT, _M, "M10", _A, 1),
        KindSpec(Kind.UNIT_ERROR, _M, "M11", _A, 1, propagates=True),
        KindSpec(Kind.CIRCULAR_REASONING, _M, "M12", _S, 2),
        KindSpec(Kind.REDUNDANT_DETOUR, _M, "M13", _Q, 2, length_exempt=True),
        KindSpec(Kind.COMPENSATING_ERROR, _M, "M14a", _S, 2),
        KindSpec(Kind.OVERCLAIM, _M, "M14b", _S, 1),
        KindSpec(Kind.OFF_BY_ONE, _C, "C1", _A, 1),
        KindSpec(Kind.MISSING_EDGE_CASE, _C, "C2", _A, 1, length_exempt=True),
        KindSpec(Kind.INVERTED_CONDITION, _C, "C3", _A, 1),
        KindSpec(Kind.ARITHMETIC_ERROR, _C, "C4", _A, 1),
        KindSpec(Kind.VARIABLE_MISUSE, _C, "C5", _A, 1),
        KindSpec(Kind.DROPPED_STEP, _C, "C6", _A, 1, length_exempt=True),
        KindSpec(Kind.WRONG_ORDER, _C, "C7", _A, 2),
        KindSpec(Kind.WRONG_ALGORITHM_CHOICE, _C, "C8", _A, 1),
        KindSpec(Kind.INFEASIBLE_COMPLEXITY, _C, "C9", _A, 1),
        KindSpec(Kind.SPEC_MISREAD, _C, "C10", _A, 1),
        KindSpec(Kind.WRONG_API, _C, "C11", _A, 1),
        KindSpec(Kind.PRECISION_ERROR, _C, "C12", _A, 1),
        KindSpec(Kind.REDUNDANT_CODE, _C, "C13", _Q, 2, length_exempt=True),
        KindSpec(Kind.FALSE_CLAIM, _C, "C14", _S, 1),
    )
}


def spec_for(domain: Domain, kind: str) -> KindSpec:
    """The spec of `kind` in `domain`; a clear error listing valid kinds otherwise."""
    try:
        return SPECS[(domain, Kind(kind))]
    except (KeyError, ValueError):
        valid = sorted(k.value for (d, k) in SPECS if d is domain)
        raise KeyError(
            f"unknown {domain.value} perturbation kind {kind!r}; valid: {valid}"
        ) from None
