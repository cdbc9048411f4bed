"""The rule judge scores references high and ranks each negative below its reference."""

from __future__ import annotations

import random

from kind_helpers import rules_of
from math_cases import cases

from groupbuild.judge.math import judge_math
from groupbuild.schema import DIMENSIONS, Domain, Seed, Trace

CASES = cases()


def test_references_score_high_on_every_dimension() -> None:
    for seed, reference in CASES:
        rubric = judge_math(seed, reference)
        assert rubric.rubric_score >= 8
        assert set(rubric.scores) == set(DIMENSIONS[Domain.MATH])
        assert rubric.first_flawed_step is None
        assert rubric.judge == "rules"
        assert 1 <= rubric.reason.count(".") <= 4


def test_judge_ranks_the_reference_above_each_negative() -> None:
    compared = 0
    for seed, reference in CASES:
        top = judge_math(seed, reference).rubric_score
        for kind, rule in rules_of(Domain.MATH).items():
            edit = rule(seed, reference, random.Random(0))
            if edit is not None:
                assert judge_math(seed, edit.trace).rubric_score < top, kind
                compared += 1
    assert compared >= 30


def test_a_drifted_answer_is_capped_and_charged_to_problem_understanding() -> None:
    seed, reference = CASES[0]
    wrong = Trace(steps=(*reference.steps[:-1], "She has 54 - 36 = 18 muffins left."))
    rubric = judge_math(seed, wrong)
    assert rubric.rubric_score <= 5
    assert _most_dropped(seed, reference, wrong) == "problem_understanding"
    assert rubric.first_flawed_step == len(reference.steps) - 1


def _most_dropped(seed: Seed, reference: Trace, trace: Trace) -> str:
    before, after = judge_math(seed, reference).scores, judge_math(seed, trace).scores
    drops = {name: before[name] - after[name] for name in before}
    top = max(drops.values())
    assert top > 0 and sum(1 for d in drops.values() if d == top) == 1, drops
    return max(drops, key=lambda name: drops[name])


def test_one_false_equation_scores_calculation_at_the_one_error_anchor() -> None:
    seed, reference = CASES[2]
    one = Trace(steps=(reference.steps[0].replace("= 60", "= 61"), *reference.steps[1:]))
    two = Trace(steps=(one.steps[0], one.steps[1].replace("= 15", "= 16"), *one.steps[2:]))
    assert judge_math(seed, one).labels()["calculation_correctness"] == 2
    assert judge_math(seed, two).labels()["calculation_correctness"] == 1
    assert _most_dropped(seed, reference, one) == "calculation_correctness"


def test_a_value_used_but_never_derived_is_charged_to_step_coherence() -> None:
    seed, reference = CASES[2]
    dropped = Trace(steps=(*reference.steps[:2], *reference.steps[3:]))
    rubric = judge_math(seed, dropped)
    assert _most_dropped(seed, reference, dropped) == "step_coherence"
    assert rubric.label != "strong"


def test_a_result_asserted_without_its_derivation_is_charged_to_answer_support() -> None:
    seed, reference = CASES[2]
    bare = Trace(steps=(*reference.steps[:2], "She keeps 45 pens.", *reference.steps[3:]))
    assert _most_dropped(seed, reference, bare) == "answer_support"


def test_a_restated_step_lowers_step_coherence_and_never_ties_the_reference() -> None:
    seed, reference = CASES[2]
    detour = Trace(
        steps=(*reference.steps[:2], "Put another way, 60 / 4 = 15.", *reference.steps[2:])
    )
    assert _most_dropped(seed, reference, detour) == "step_coherence"
    assert judge_math(seed, detour).rubric_score < judge_math(seed, reference).rubric_score


def test_a_wrong_answer_far_off_scores_below_a_near_miss() -> None:
    seed, reference = CASES[2]
    near = Trace(steps=(*reference.steps[:-1], "After using some she has 45 - 8 = 37 pens."))
    far = Trace(steps=(*reference.steps[:-1], "After using some she has 45 x 9 = 405 pens."))
    near_score, far_score = judge_math(seed, near).rubric_score, judge_math(seed, far).rubric_score
    assert far_score < near_score <= 5


def test_a_fencepost_shift_is_a_calculation_error() -> None:
    seed, reference = CASES[2]
    shifted = Trace(steps=(*reference.steps[:-1], "After using some she has 45 - 9 - 1 = 35 pens."))
    assert _most_dropped(seed, reference, shifted) == "calculation_correctness"


def test_false_equation_is_located_and_costs_calculation_correctness() -> None:
    seed, reference = CASES[0]
    slipped = Trace(steps=(reference.steps[0].replace("= 18", "= 17"), *reference.steps[1:]))
    rubric = judge_math(seed, slipped)
    assert rubric.first_flawed_step == 0
    assert (
        rubric.scores["calculation_correctness"]
        < judge_math(seed, reference).scores["calculation_correctness"]
    )


def test_judge_sees_only_problem_gold_and_trace() -> None:
    seed, reference = CASES[1]
    assert judge_math(seed, reference) == judge_math(seed, Trace(steps=reference.steps))


def test_a_derived_endpoint_moved_by_one_in_a_difference_is_a_calculation_error() -> None:
    seed, reference = CASES[2]
    shifted = Trace(
        steps=(
            *reference.steps[:2],
            "She keeps 60 - 16 = 44 pens.",
            "After using some she has 44 - 9 = 35 pens.",
        )
    )
    rubric = judge_math(seed, shifted)
    assert _most_dropped(seed, reference, shifted) == "calculation_correctness"
    assert rubric.first_flawed_step == 2
    assert "off by one" in rubric.reason


def test_a_given_endpoint_moved_by_one_in_a_difference_is_a_calculation_error() -> None:
    seed, reference = CASES[2]
    shifted = Trace(steps=(*reference.steps[:-1], "After using some she has 45 - 10 = 35 pens."))
    assert _most_dropped(seed, reference, shifted) == "calculation_correctness"


def test_a_value_one_off_outside_a_difference_stays_a_carry_error() -> None:
    seed, reference = CASES[0]
    carried = Trace(
        steps=(
            reference.steps[0],
            "In total she made 36 + 19 = 55 muffins.",
            "She has 55 - 40 = 15 muffins left.",
        )
    )
    assert _most_dropped(seed, reference, carried) == "step_coherence"


def test_a_wrong_answer_leaving_a_given_number_unused_is_a_missing_step() -> None:
    seed, reference = CASES[1]
    rewired = Trace(steps=(reference.steps[0], "He earned 0.3 x 45 = $13.5."))
    rubric = judge_math(seed, rewired)
    assert _most_dropped(seed, reference, rewired) == "step_coherence"
    assert "never used" in rubric.reason


def test_a_given_number_used_in_place_of_another_stays_a_misreading() -> None:
    seed, reference = CASES[1]
    misread = Trace(
        steps=(
            reference.steps[0],
            "He worked 45 x 18 = 810 minutes.",
            "He earned 0.3 x 810 = $243.",
        )
    )
    assert _most_dropped(seed, reference, misread) == "problem_understanding"
