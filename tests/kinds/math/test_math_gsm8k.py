"""On real GSM8K records: how often each math rule applies, passes its check, and is judged lower.

Thresholds sit a little under what was measured on the first 300 training records, so a
regression in parsing, a rule or a detector shows up here.
"""

from __future__ import annotations

import json
import random

import pytest
from kind_helpers import check, rules_of
from math_cases import seed_of
from paths import SHARED_DATA

from groupbuild.judge.math import judge_math
from groupbuild.kinds import Kind
from groupbuild.schema import Domain
from groupbuild.text import math as mt
from groupbuild.text.math.gold import solution_to_trace

GSM8K = SHARED_DATA / "gsm8k" / "train.jsonl"
RECORDS = 300
# measured on records 0..299: applies / passes its check / judged below its reference
MINIMUM = {
    Kind.DROPPED_STEP: (0.85, 0.97, 0.95),
    Kind.DROPPED_STEP_REWIRED: (0.75, 0.97, 0.95),
    Kind.ARITHMETIC_SLIP: (0.90, 0.97, 0.97),
    # a swap that writes a minus sign or decimals its reference never writes is refused
    Kind.OPERATOR_SWAP: (0.80, 0.97, 0.95),
    Kind.MISREAD_VALUE: (0.75, 0.97, 0.95),
    Kind.INCONSISTENT_CARRY: (0.85, 0.97, 0.97),
    Kind.WRONG_LEMMA: (0.05, 0.90, 0.90),
    Kind.OFF_BY_ONE: (0.30, 0.95, 0.95),
    Kind.GOAL_DRIFT: (0.85, 0.97, 0.95),
    Kind.UNIT_ERROR: (0.015, 0.90, 0.90),
    Kind.REDUNDANT_DETOUR: (0.80, 0.97, 0.95),
    Kind.OVERCLAIM: (0.80, 0.97, 0.95),
}


@pytest.fixture(scope="module")
def outcomes() -> dict[Kind, tuple[int, int, int]]:
    if not GSM8K.exists():
        pytest.skip("shared GSM8K data is not present")
    counts = {kind: [0, 0, 0] for kind in rules_of(Domain.MATH)}
    for i, line in enumerate(GSM8K.read_text(encoding="utf-8").splitlines()[:RECORDS]):
        record = json.loads(line)
        gold = record["answer"].split("####")[1].strip()
        seed = seed_of(i, record["question"], record["answer"], gold, source="gsm8k")
        reference = solution_to_trace(record["answer"])
        top = judge_math(seed, reference).rubric_score
        for kind, rule in rules_of(Domain.MATH).items():
            edit = rule(seed, reference, random.Random(f"{seed.problem_id}:{kind.value}"))
            if edit is None:
                continue
            tally = counts[kind]
            tally[0] += 1
            tally[1] += check(Domain.MATH, kind, seed, reference, edit.trace, edit.evidence) is None
            tally[2] += judge_math(seed, edit.trace).rubric_score < top
    return {kind: (a, p, lower) for kind, (a, p, lower) in counts.items()}


@pytest.mark.parametrize("kind", list(MINIMUM))
def test_rule_applies_and_passes_its_check(
    kind: Kind, outcomes: dict[Kind, tuple[int, int, int]]
) -> None:
    applied, passed, lower = outcomes[kind]
    want_applied, want_passed, want_lower = MINIMUM[kind]
    assert applied / RECORDS >= want_applied
    assert passed / applied >= want_passed
    assert lower / applied >= want_lower


def test_reference_conversion_is_fast_and_judged_high() -> None:
    if not GSM8K.exists():
        pytest.skip("shared GSM8K data is not present")
    high = total = 0
    for i, line in enumerate(GSM8K.read_text(encoding="utf-8").splitlines()[:RECORDS]):
        record = json.loads(line)
        gold = record["answer"].split("####")[1].strip()
        reference = solution_to_trace(record["answer"])
        if not mt.same_value(mt.trace_answer(reference), gold) or mt.false_equations(reference):
            continue
        total += 1
        seed = seed_of(i, record["question"], record["answer"], gold, source="gsm8k")
        high += judge_math(seed, reference).rubric_score >= 8
    assert high / total >= 0.85
