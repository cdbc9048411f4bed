"""The rules judge finds false claims, dropped or misplaced initializations and wrong quantities,
and never charges a reference plan (bundled or written from code) with any of them."""

from __future__ import annotations

import ast

import pytest
from paths import SHARED_DATA
from seed_helpers import bundled_code_seeds

from groupbuild.config import SeedSource
from groupbuild.errors import StageReject
from groupbuild.judge import claim_checks as code_claims
from groupbuild.judge.code import judge_code
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.seeds.loader import iter_source
from groupbuild.text.plans import flow as code_flow
from groupbuild.text.plans.from_code import verbalize
from groupbuild.text.plans.links import plan_to_trace

SEEDS = {s.source_id: s for s in bundled_code_seeds()}
DATA = SHARED_DATA
TOTAL = (
    "def total_of(nums):\n    total = 0\n    for value in nums:\n        total += value\n"
    "    return total\n"
)


def _seed(program: str, entry: str, tests: tuple[str, ...]) -> Seed:
    return Seed(
        problem_id=f"test:{entry}",
        source="test",
        source_id=entry,
        domain=Domain.CODE,
        task_type="function",
        problem=f"Write {entry}.",
        solution=program,
        tests=tests,
        entry_point=entry,
    )


def _edited(seed: Seed, index: int, text: str | None) -> Trace:
    steps = list(plan_to_trace(seed).steps)
    if text is None:
        del steps[index]
    else:
        steps[index] = text
    return Trace(steps=tuple(steps))


def _below(seed: Seed, trace: Trace) -> bool:
    return judge_code(seed, trace).rubric_score < judge_code(seed, plan_to_trace(seed)).rubric_score


def test_a_single_pass_claim_over_nested_loops_scores_below_and_is_located() -> None:
    seed = SEEDS["c009"]
    step = plan_to_trace(seed).steps[1]
    flawed = _edited(seed, 1, step[:-1] + ", in a single pass overall.")
    assert _below(seed, flawed)
    assert judge_code(seed, flawed).first_flawed_step == 1


def test_an_ascending_order_claim_without_a_sort_scores_below() -> None:
    seed = SEEDS["c001"]
    flawed = _edited(seed, 2, "Go through each value of the list in ascending order.")
    assert _below(seed, flawed)
    assert judge_code(seed, flawed).scores["step_coherence"] < 10


def test_an_empty_input_claim_is_checked_by_running_the_program() -> None:
    seed = SEEDS["c001"]
    false = _edited(seed, 5, "Return the best sum, or minus 1 when the list is empty.")
    true = _edited(seed, 5, "Return the best sum, or 0 when the list is empty.")
    function = ast.parse(seed.solution or "").body[0]
    assert isinstance(function, ast.FunctionDef)
    assert code_claims.claim_flaws(seed, false.steps, function) == [5]
    assert code_claims.claim_flaws(seed, true.steps, function) == []
    assert _below(seed, false)


def test_a_dropped_start_of_a_count_scores_below_though_its_words_recur() -> None:
    seed = SEEDS["c002"]
    flawed = _edited(seed, 0, None)
    assert _below(seed, flawed)
    assert judge_code(seed, flawed).first_flawed_step is not None


def test_a_dropped_initialization_in_a_plan_written_from_code_scores_below() -> None:
    seed = _seed(TOTAL, "total_of", ("assert total_of([1, 2]) == 3",))
    steps = plan_to_trace(seed).steps
    assert steps[0] == "Start the total at 0."
    assert _below(seed, Trace(steps=steps[1:]))


def test_an_initialization_moved_after_its_use_scores_below() -> None:
    seed = _seed(TOTAL, "total_of", ("assert total_of([1, 2]) == 3",))
    steps = list(plan_to_trace(seed).steps)
    steps[0], steps[1] = steps[1], steps[0]
    function = ast.parse(TOTAL).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert code_flow.flow_flaws(tuple(steps), function)["undefined"] == [0]
    assert _below(seed, Trace(steps=tuple(steps)))


def test_an_accumulator_never_updated_scores_below() -> None:
    seed = SEEDS["c005"]
    flawed = _edited(seed, 3, None)
    assert _below(seed, flawed)


def test_a_computation_naming_the_wrong_quantity_scores_below() -> None:
    seed = SEEDS["c001"]
    wrong = (
        "Replace the running sum with the larger of the value alone and the best sum plus "
        "the value."
    )
    assert _below(seed, _edited(seed, 3, wrong))


def test_a_condition_naming_the_wrong_quantity_scores_below() -> None:
    program = (
        "def find(items, limit):\n    low = 0\n    high = len(items) - 1\n"
        "    while low <= high:\n        high -= 1\n    return low\n"
    )
    seed = _seed(program, "find", ("assert find([1, 2, 3], 2) == 0",))
    steps = list(plan_to_trace(seed).steps)
    index = next(i for i, s in enumerate(steps) if s.startswith("While"))
    steps[index] = steps[index].replace("the high", "the limit", 1)
    assert "limit" in steps[index]
    assert _below(seed, Trace(steps=tuple(steps)))


def test_no_bundled_reference_plan_is_charged_with_a_flow_or_claim_flaw() -> None:
    for seed in SEEDS.values():
        trace = plan_to_trace(seed)
        function = ast.parse(seed.solution or "").body[0]
        assert isinstance(function, ast.FunctionDef)
        assert not any(code_flow.flow_flaws(trace.steps, function).values()), seed.problem_id
        assert code_claims.claim_flaws(seed, trace.steps, function) == [], seed.problem_id
        assert judge_code(seed, trace).rubric_score >= 8.0, seed.problem_id


@pytest.mark.skipif(not DATA.exists(), reason="the shared MBPP data is not present")
def test_no_plan_written_from_an_mbpp_program_is_charged_with_a_flow_flaw() -> None:
    source = SeedSource(format="mbpp", path=str(DATA / "mbpp" / "mbpp.jsonl"), limit=300)
    checked = 0
    for seed in iter_source(source, base_dir=DATA, skip_invalid=True):
        if not isinstance(seed, Seed) or not seed.solution or not seed.entry_point:
            continue
        found = verbalize(seed.solution, seed.entry_point)
        if found is None:
            continue
        function = next(
            n
            for n in ast.parse(seed.solution).body
            if isinstance(n, ast.FunctionDef) and n.name == seed.entry_point
        )
        assert not any(code_flow.flow_flaws(found[0], function).values()), seed.problem_id
        checked += 1
    assert checked >= 50


def test_a_plan_without_a_program_function_is_still_scored() -> None:
    seed = _seed("x = 1\n", "f", ())
    with pytest.raises(StageReject):
        plan_to_trace(seed)
    assert judge_code(seed, Trace(steps=("Return 1.",))).rubric_score >= 8.0
