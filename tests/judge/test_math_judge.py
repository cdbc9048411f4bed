"""The rule judge scores references high and ranks each negative below its reference."""

from __future__ import annotations

import random

from kind_helpers import rules_of
from math_cases import cases

from groupbuild.judge.math import judge_math
from groupbuild.schema import DIMENSIONS, Domain, Trace

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


def test_wrong_answer_weighs_heavily() -> None:
    seed, reference = CASES[0]
    wrong = Trace(steps=(*reference.steps[:-1], "She has 54 - 36 = 18 muffins left."))
    rubric = judge_math(seed, wrong)
    assert rubric.rubric_score <= 4
    assert rubric.scores["answer_support"] < 4
    assert rubric.first_flawed_step == len(reference.steps) - 1


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
