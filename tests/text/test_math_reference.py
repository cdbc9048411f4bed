"""GSM8K worked solutions become plain-text reference traces."""

from __future__ import annotations

import json

import pytest
from paths import SHARED_DATA

from groupbuild.errors import StageReject
from groupbuild.text import math as mt
from groupbuild.text.math.gold import solution_to_trace

GSM8K = SHARED_DATA / "gsm8k" / "train.jsonl"


def test_annotations_become_plain_equations() -> None:
    solution = (
        "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
        "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"
    )
    assert solution_to_trace(solution).steps == (
        "Natalia sold 48/2 = 24 clips in May.",
        "Natalia sold 48+24 = 72 clips altogether in April and May.",
    )


def test_unwritten_expression_is_written_out() -> None:
    trace = solution_to_trace("She earned $<<12*5=60>>60 on Monday.\n#### 60")
    assert trace.steps == ("She earned 12*5 = $60 on Monday.",)
    assert solution_to_trace("He has $<<250=250>>250.\n#### 250").steps == ("He has $250.",)
    assert solution_to_trace("It is 5 = $<<5=5>>5.\n#### 5").steps == ("It is 5 = $5.",)


def test_unreadable_solution_is_rejected() -> None:
    with pytest.raises(StageReject) as caught:
        solution_to_trace("#### 5")
    assert caught.value.reason == "unparseable_solution"
    with pytest.raises(StageReject):
        solution_to_trace("It costs <<3*4=12 dollars.\n#### 12")


@pytest.mark.skipif(not GSM8K.exists(), reason="shared GSM8K data is not present")
def test_gsm8k_references_reach_their_gold_answer() -> None:
    lines = GSM8K.read_text(encoding="utf-8").splitlines()[:400]
    reached = clean = 0
    for line in lines:
        record = json.loads(line)
        trace = solution_to_trace(record["answer"])
        assert not any("<<" in s or "####" in s for s in trace.steps)
        gold = record["answer"].split("####")[1].strip()
        reached += mt.same_value(mt.trace_answer(trace), gold)
        clean += not mt.false_equations(trace)
    assert reached / len(lines) >= 0.97
    assert clean / len(lines) >= 0.95
