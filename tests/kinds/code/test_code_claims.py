"""False claims (C14): one sentence says something untrue of the unchanged program, proven so."""

from __future__ import annotations

import random

from kind_helpers import check
from seed_helpers import code_seed

from groupbuild.kinds import Kind, definition
from groupbuild.kinds.code import claims as code_claims
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.cues import new_cue_words
from groupbuild.text.plans.links import plan_to_trace
from groupbuild.text.traces import length_ratio, step_diff


def _seed(name: str, program: str, tests: list[str]) -> Seed:
    return code_seed(name, program, tests)


PAIRS = _seed(
    "close_pairs",
    "def close_pairs(values, gap):\n"
    "    count = 0\n"
    "    for left in range(len(values)):\n"
    "        for right in range(left + 1, len(values)):\n"
    "            if abs(values[left] - values[right]) < gap:\n"
    "                count += 1\n"
    "    return count\n",
    ["assert close_pairs([1, 2, 9], 3) == 1", "assert close_pairs([5, 5, 5], 1) == 3"],
)
FIRST_GAP = _seed(
    "first_gap",
    "def first_gap(values):\n"
    "    head = values[0]\n"
    "    total = 0\n"
    "    largest = head\n"
    "    for item in values:\n"
    "        total += item\n"
    "        if item > largest:\n"
    "            largest = item\n"
    "    total = total - head\n"
    "    return total + largest\n",
    ["assert first_gap([1, 2, 3]) == 8", "assert first_gap([10]) == 10"],
)
GUARDED = _seed(
    "guarded_sum",
    "def guarded_sum(values):\n"
    "    if not values:\n"
    "        return 0\n"
    "    total = 0\n"
    "    for value in values:\n"
    "        if value > 0:\n"
    "            total += value\n"
    "        else:\n"
    "            total -= value\n"
    "    doubled = total * 2\n"
    "    total = doubled + 1\n"
    "    return total\n",
    ["assert guarded_sum([-1, 2, 3]) == 13", "assert guarded_sum([4]) == 9"],
)


def _claim(seed: Seed) -> tuple[Trace, Trace]:
    reference = plan_to_trace(seed)
    edit = code_claims.false_claim(seed, reference, random.Random(18))
    assert edit is not None
    return reference, edit.trace


def _check(seed: Seed, reference: Trace, candidate: Trace) -> str | None:
    pairs = zip(reference.steps, candidate.steps, strict=False)
    step = next((i for i, (a, b) in enumerate(pairs) if a != b), 0)
    evidence = {"plan_step": step, "before": reference.steps[step], "after": candidate.steps[step]}
    return check(Domain.CODE, Kind.FALSE_CLAIM, seed, reference, candidate, evidence)


def test_false_claim_is_registered_for_code() -> None:
    assert definition(Domain.CODE, Kind.FALSE_CLAIM).rule is code_claims.false_claim


def test_a_single_pass_claim_on_nested_loops_is_proven_false() -> None:
    reference, candidate = _claim(PAIRS)
    diff = step_diff(reference, candidate)
    assert len(diff.changed) == 1 and not diff.deleted and not diff.inserted
    assert code_claims.ONE_PASS in candidate.steps[diff.changed[0]]
    assert _check(PAIRS, reference, candidate) is None


def test_a_single_pass_claim_on_one_loop_is_rejected_as_true() -> None:
    reference = plan_to_trace(GUARDED)
    steps = list(reference.steps)
    loop = next(i for i, s in enumerate(steps) if s.startswith("For each"))
    steps[loop] = steps[loop][:-1] + code_claims.ONE_PASS + "."
    assert _check(GUARDED, reference, Trace(steps=tuple(steps))) == "claim_true"


def test_an_empty_input_claim_is_proven_false_when_the_program_raises() -> None:
    reference, candidate = _claim(FIRST_GAP)
    assert candidate.steps[-1].endswith("or 0 when the values is empty.")
    assert _check(FIRST_GAP, reference, candidate) is None


def test_an_empty_input_claim_that_holds_is_rejected() -> None:
    reference, candidate = _claim(GUARDED)
    assert code_claims.EMPTY_CLAIM.search(candidate.steps[-1])
    assert _check(GUARDED, reference, candidate) == "claim_true"


def test_an_ascending_order_claim_needs_an_unsorted_argument_and_no_sort() -> None:
    seed = _seed(
        "running_max",
        "def running_max(values):\n"
        "    result = []\n"
        "    best = 0\n"
        "    for value in values:\n"
        "        best = max(best, value)\n"
        "        result.append(best)\n"
        "    return result\n",
        ["assert running_max([3, 1, 4]) == [3, 3, 4]"],
    )
    reference = plan_to_trace(seed)
    steps = list(reference.steps)
    loop = next(i for i, s in enumerate(steps) if s.startswith("For each value of the values"))
    steps[loop] = steps[loop].replace("of the values", "of the values" + code_claims.ASCENDING)
    candidate = Trace(steps=tuple(steps))
    assert _check(seed, reference, candidate) is None
    ordered_test = "assert running_max([1, 3, 4]) == [1, 3, 4]"
    sorted_input = seed.model_copy(update={"tests": (ordered_test,)})
    assert _check(sorted_input, reference, candidate) == "claim_unproven"


def test_a_claim_adds_no_cue_words_and_keeps_the_length() -> None:
    for seed in (PAIRS, FIRST_GAP, GUARDED):
        reference, candidate = _claim(seed)
        assert new_cue_words(reference, candidate) == []
        assert 0.9 <= length_ratio(reference, candidate) <= 1.1


def test_an_unrecognized_sentence_edit_is_not_accepted_as_a_claim() -> None:
    reference = plan_to_trace(PAIRS)
    steps = list(reference.steps)
    steps[0] = steps[0].replace("Start", "Make", 1)
    assert _check(PAIRS, reference, Trace(steps=tuple(steps))) == "claim_not_found"
