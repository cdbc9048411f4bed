"""The LaTeX (competition math) forms of the math kinds: each edit proves its harm."""

from __future__ import annotations

import json
import random

import pytest
from kind_helpers import check, rule, rules_of
from math_cases import seed_of
from paths import SHARED_DATA

from groupbuild.errors import StageReject
from groupbuild.judge.math import judge_math
from groupbuild.kinds import Kind
from groupbuild.kinds.math import latex_computation as lc
from groupbuild.kinds.math.latex_edits import LatexContext, proven
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.stages.reference import _check_math_reference
from groupbuild.text.math import latex_eval as le
from groupbuild.text.math.gold import solution_to_trace
from groupbuild.text.math.latex import balanced, last_boxed

MATH = SHARED_DATA / "math" / "train.jsonl"
PROBLEM = (
    "A shop sells 12 pens for 3 dollars each and 17 pencils for 2 dollars each. Find the total."
)
SOLUTION = (
    "The pens cost $12 \\cdot 3 = 36$ dollars. "
    "The pencils cost $17 \\cdot 2 = 34$ dollars. "
    "Together that is $36 + 34 = 70$ dollars, so the total is $\\boxed{70}$."
)


def _case() -> tuple[Seed, Trace]:
    seed = seed_of(0, PROBLEM, SOLUTION, "70")
    return seed, solution_to_trace(SOLUTION)


def _edit(kind: Kind, seed: Seed, trace: Trace) -> Trace:
    for attempt in range(20):
        edit = rule(Domain.MATH, kind)(seed, trace, random.Random(attempt))
        if edit is not None:
            assert check(Domain.MATH, kind, seed, trace, edit.trace, edit.evidence) is None
            assert all(balanced(s) for s in edit.trace.steps)
            return edit.trace
    raise AssertionError(f"{kind} found no edit")


@pytest.mark.parametrize(
    "kind",
    [Kind.ARITHMETIC_SLIP, Kind.OPERATOR_SWAP, Kind.GOAL_DRIFT, Kind.INCONSISTENT_CARRY],
)
def test_answer_changing_edits_change_the_boxed_answer(kind: Kind) -> None:
    seed, trace = _case()
    edited = _edit(kind, seed, trace)
    assert last_boxed(edited.steps) not in (None, "70")


@pytest.mark.parametrize("kind", [Kind.DROPPED_STEP, Kind.REDUNDANT_DETOUR, Kind.OVERCLAIM])
def test_support_and_quality_edits_keep_the_answer(kind: Kind) -> None:
    seed, trace = _case()
    edited = _edit(kind, seed, trace)
    assert last_boxed(edited.steps) == "70"


def test_the_slip_makes_one_equation_false_and_carries_the_wrong_value() -> None:
    seed, trace = _case()
    edited = _edit(Kind.ARITHMETIC_SLIP, seed, trace)
    assert le.count_false(edited.steps) == 1
    assert last_boxed(edited.steps) != "70"


def test_proofs_refuse_an_unchanged_trace() -> None:
    seed, trace = _case()
    for kind in (Kind.ARITHMETIC_SLIP, Kind.OPERATOR_SWAP, Kind.GOAL_DRIFT, Kind.DROPPED_STEP):
        assert check(Domain.MATH, kind, seed, trace, trace, {"answer": "70"}) is not None


def test_a_false_identity_from_the_bank_is_proven_false() -> None:
    solution = "There are $\\binom{6}{2} = 15$ pairs, so the answer is $\\boxed{15}$."
    seed = seed_of(1, "How many pairs can be chosen from 6 people?", solution, "15")
    trace = solution_to_trace(solution)
    edited = _edit(Kind.WRONG_LEMMA, seed, trace)
    assert "\\frac{6!}{(6-2)!}" in edited.steps[0] and last_boxed(edited.steps) == "30"


def test_a_solved_value_that_no_longer_solves_its_equation_is_a_slip() -> None:
    solution = "Subtracting gives $7q=-7$. Dividing, $q=\\boxed{-1}$."
    seed = seed_of(2, "Solve $12p+16q=32$ and $12p+9q=39$ for $q$.", solution, "-1")
    trace = solution_to_trace(solution)
    edited = _edit(Kind.ARITHMETIC_SLIP, seed, trace)
    assert last_boxed(edited.steps) != "-1"


def test_a_value_solved_in_an_aligned_chain_is_slipped() -> None:
    solution = (
        "We solve: \\begin{align*} 3x + 4 &= 19 \\\\ 3x &= 15 \\\\ x &= \\boxed{5}. \\end{align*}"
    )
    seed = seed_of(3, "Solve $3x+4=19$.", solution, "5")
    trace = solution_to_trace(solution)
    edited = _edit(Kind.ARITHMETIC_SLIP, seed, trace)
    assert last_boxed(edited.steps) != "5" and "3x &= 15" in edited.steps[-1]


def test_a_result_evaluated_at_stated_values_is_slipped() -> None:
    solution = "Solving, $p=3$ and $q=5$. Hence $pq + p = \\boxed{18}$."
    seed = seed_of(4, "Find $pq+p$ when $p+q=8$ and $p-q=-2$.", solution, "18")
    trace = solution_to_trace(solution)
    for kind in (Kind.ARITHMETIC_SLIP, Kind.OPERATOR_SWAP):
        edited = _edit(kind, seed, trace)
        assert last_boxed(edited.steps) != "18" and edited.steps[0] == trace.steps[0]


def test_a_variable_given_two_values_is_not_substituted() -> None:
    steps = ("So $p=3$ or $p=-3$, and $q=5$.", "Then $p+q=8$.")
    head = le.chains(steps[1])[0][0]
    assert lc.stated_values(steps, 1, head.start) == {"q": 5}
    assert lc.substituted(steps, 1, head) is None
    assert lc.substituted(("So $p=3$ and $q=5$.", *steps[1:]), 1, head) == 8


def test_a_rule_offers_only_what_its_own_proof_accepts() -> None:
    seed, trace = _case()
    ctx = LatexContext.of(seed, trace)
    edit = lc.arithmetic_slip(seed, trace, random.Random(0))
    assert edit is not None
    assert proven(ctx, edit, lc.prove_arithmetic_slip) is edit
    # the slip edits an early step and carries it on: not a goal drift, so refused
    assert proven(ctx, edit, lc.prove_goal_drift) is None


def test_kinds_without_a_latex_form_leave_latex_traces_alone() -> None:
    seed, trace = _case()
    for kind in (Kind.UNIT_ERROR, Kind.DROPPED_STEP_REWIRED):
        assert rules_of(Domain.MATH)[kind](seed, trace, random.Random(0)) is None


def test_the_judge_ranks_the_reference_above_each_edit() -> None:
    seed, trace = _case()
    reference = judge_math(seed, trace)
    assert reference.rubric_score >= 8
    for kind in (Kind.ARITHMETIC_SLIP, Kind.DROPPED_STEP, Kind.REDUNDANT_DETOUR, Kind.GOAL_DRIFT):
        assert judge_math(seed, _edit(kind, seed, trace)).rubric_score < reference.rubric_score


@pytest.mark.skipif(not MATH.exists(), reason=f"MATH train not found at {MATH}")
def test_real_competition_solutions_get_proven_edits() -> None:
    """On the first 150 MATH records: references pass their check and score high, and each
    broad kind applies to a good share of them with its proof holding."""
    seeds = []
    for i, line in zip(range(150), MATH.open(), strict=False):
        row = json.loads(line)
        answer = last_boxed(row["solution"]) or ""
        seed = seed_of(i, row["problem"], row["solution"], answer, source="math")
        try:
            trace = solution_to_trace(row["solution"])
            _check_math_reference(seed, trace)
        except StageReject:
            continue
        seeds.append((seed, trace))
    assert len(seeds) >= 140
    assert sum(judge_math(s, t).rubric_score >= 7 for s, t in seeds) >= 0.9 * len(seeds)
    minimum = {Kind.GOAL_DRIFT: 0.6, Kind.REDUNDANT_DETOUR: 0.6, Kind.ARITHMETIC_SLIP: 0.3}
    for kind, share in minimum.items():
        proven = 0
        for seed, trace in seeds:
            edit = rule(Domain.MATH, kind)(seed, trace, random.Random(0))
            if (
                edit is not None
                and check(Domain.MATH, kind, seed, trace, edit.trace, edit.evidence) is None
            ):
                proven += 1
        assert proven >= share * len(seeds), f"{kind}: {proven} of {len(seeds)}"
