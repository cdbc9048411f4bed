"""The rule judge reads LaTeX traces: sympy-checked equalities, unexplained values, the boxed
answer against the gold one by math-verify equivalence."""

from __future__ import annotations

from math_cases import seed_of

from groupbuild.judge.math import judge_math, measure_latex
from groupbuild.schema import DIMENSIONS, Domain, Trace

PROBLEM = (
    "A shop sells 12 pens for 3 dollars each and 17 pencils for 2 dollars each. Find the total."
)
REFERENCE = Trace(
    steps=(
        "The pens cost $12 \\cdot 3 = 36$ dollars.",
        "The pencils cost $17 \\cdot 2 = 34$ dollars.",
        "Together that is $36 + 34 = 70$ dollars, so the total is $\\boxed{70}$.",
    )
)
SEED = seed_of(0, PROBLEM, "\n".join(REFERENCE.steps), "70")


def _with(index: int, text: str) -> Trace:
    steps = list(REFERENCE.steps)
    steps[index] = text
    return Trace(steps=tuple(steps))


def test_a_reference_scores_high_and_names_no_flawed_step() -> None:
    rubric = judge_math(SEED, REFERENCE)
    assert rubric.rubric_score >= 9
    assert set(rubric.scores) == set(DIMENSIONS[Domain.MATH])
    assert rubric.first_flawed_step is None
    assert "correct answer 70" in rubric.reason


def test_a_false_equality_is_caught_at_its_step() -> None:
    slipped = _with(1, "The pencils cost $17 \\cdot 2 = 35$ dollars.")
    rubric = judge_math(SEED, slipped)
    assert measure_latex(SEED, slipped).false_steps == (1,)
    assert rubric.first_flawed_step == 1
    assert (
        rubric.scores["calculation_correctness"]
        < judge_math(SEED, REFERENCE).scores["calculation_correctness"]
    )


def test_a_wrong_boxed_answer_is_capped_lower_the_farther_off_it_is() -> None:
    near = _with(2, "Together that is $36 \\cdot 2 = 72$ dollars, so the total is $\\boxed{72}$.")
    far = _with(
        2, "Together that is $36 \\cdot 34 = 1224$ dollars, so the total is $\\boxed{1224}$."
    )
    near_score = judge_math(SEED, near).rubric_score
    assert judge_math(SEED, far).rubric_score < near_score <= 5


def test_an_equivalent_boxed_form_counts_as_correct() -> None:
    seed = seed_of(1, "Halve one.", "$\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}")
    trace = Trace(steps=("Half of one is $\\boxed{\\dfrac{1}{2}}$.",))
    assert measure_latex(seed, trace).correct


def test_a_value_used_without_its_derivation_costs_coherence() -> None:
    dropped = Trace(steps=REFERENCE.steps[1:])
    assert measure_latex(SEED, dropped).dangling
    assert (
        judge_math(SEED, dropped).scores["step_coherence"]
        < judge_math(SEED, REFERENCE).scores["step_coherence"]
    )


def test_a_restated_step_costs_strategy() -> None:
    steps = (*REFERENCE.steps[:2], "Put another way, $17 \\cdot 2 = 34$.", REFERENCE.steps[2])
    padded = Trace(steps=steps)
    assert measure_latex(SEED, padded).rederived == (2,)
    assert judge_math(SEED, padded).rubric_score < judge_math(SEED, REFERENCE).rubric_score


def test_an_unexplained_value_is_one_flaw_however_often_it_is_written() -> None:
    once = _with(1, "The pencils cost $17 \\cdot 2 = 34$ dollars, and $8 + 26 = 34$.")
    twice = _with(
        1, "The pencils cost $17 \\cdot 2 = 34$ dollars, as $8 + 26 = 34$ and $26 + 8 = 34$."
    )
    assert [v for _, v in measure_latex(SEED, once).dangling] == [8.0, 26.0]
    assert measure_latex(SEED, twice).dangling == measure_latex(SEED, once).dangling
    assert judge_math(SEED, twice).rubric_score == judge_math(SEED, once).rubric_score
