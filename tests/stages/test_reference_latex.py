"""The reference check reads LaTeX traces: the boxed answer must be the gold one, and the
equalities sympy can evaluate must hold."""

from __future__ import annotations

import pytest
from math_cases import seed_of

from groupbuild.errors import StageReject
from groupbuild.schema import Seed, Trace
from groupbuild.stages.reference import _check_math_reference
from groupbuild.text.math.gold import solution_to_trace

SOLUTION = (
    "The pens cost $12 \\cdot 3 = 36$ dollars. "
    "The pencils cost $17 \\cdot 2 = 34$ dollars. "
    "Together that is $36 + 34 = 70$ dollars, so the total is $\\boxed{70}$."
)


def _case() -> tuple[Seed, Trace]:
    seed = seed_of(0, "Find the total cost of 12 pens at 3 and 17 pencils at 2.", SOLUTION, "70")
    return seed, solution_to_trace(SOLUTION)


def test_the_reference_check_reads_latex() -> None:
    seed, trace = _case()
    _check_math_reference(seed, trace)
    wrong = seed.model_copy(update={"answer": "71"})
    with pytest.raises(StageReject) as caught:
        _check_math_reference(wrong, trace)
    assert caught.value.reason == "reference_wrong_answer"
    false = Trace(steps=("So $36 + 34 = 71$, the total is $\\boxed{70}$.",))
    with pytest.raises(StageReject) as caught:
        _check_math_reference(seed, false)
    assert caught.value.reason == "reference_false_equation"


def test_what_sympy_cannot_read_is_not_held_against_a_reference() -> None:
    seed, _ = _case()
    trace = Trace(
        steps=("Let $f(x) = x^2$, so $f(3) = 9$ and $6 \\& 3 = 27$.", "So $\\boxed{70}$.")
    )
    _check_math_reference(seed, trace)


def test_unbalanced_latex_is_rejected() -> None:
    seed, _ = _case()
    with pytest.raises(StageReject) as caught:
        _check_math_reference(seed, Trace(steps=("so we get 153$.", "So $\\boxed{70}$.")))
    assert caught.value.reason == "unbalanced_latex"
