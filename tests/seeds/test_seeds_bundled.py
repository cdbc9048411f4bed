"""Bundled math seeds: exact annotations, answers reached, the variety perturbations need."""

from __future__ import annotations

import json
import re

import pytest
from paths import REPO

from groupbuild.config import SeedSource
from groupbuild.schema import Seed
from groupbuild.seeds import iter_source
from groupbuild.seeds.arith import annotations, close, evaluate, parse_number

ROOT = REPO
MATH = ROOT / "seeds" / "math.jsonl"
RECORDS = [json.loads(line) for line in MATH.read_text(encoding="utf-8").splitlines()]
IDS = [record["id"] for record in RECORDS]


def steps_of(record: dict[str, str]) -> list[str]:
    return record["answer"].split("\n")[:-1]


def test_there_are_at_least_42_problems_with_unique_ids() -> None:
    assert len(RECORDS) >= 42
    assert len(set(IDS)) == len(IDS)
    assert all(re.fullmatch(r"m\d{3}", i) for i in IDS)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_every_annotation_is_exact(record: dict[str, str]) -> None:
    found = list(annotations(record["answer"]))
    assert found, "a worked solution needs calculator annotations"
    for ann in found:
        assert evaluate(ann.expr) == parse_number(ann.value), f"<<{ann.expr}={ann.value}>>"
        written_after = record["answer"][ann.start :].split(">>", 1)[1]
        assert written_after.startswith(ann.value), "the value must follow its annotation"


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_final_line_is_the_last_computed_value(record: dict[str, str]) -> None:
    final = record["answer"].split("\n")[-1]
    assert final.startswith("#### ")
    last = list(annotations(record["answer"]))[-1]
    assert close(parse_number(final[5:]), evaluate(last.expr))
    assert final[5:] == last.value


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_each_step_is_one_calculation_and_there_are_three_to_seven(record: dict[str, str]) -> None:
    steps = steps_of(record)
    assert 3 <= len(steps) <= 7
    assert all(len(list(annotations(step))) == 1 for step in steps)


def test_the_set_covers_decimals_units_comparisons_and_reused_results() -> None:
    answers = [r["answer"] for r in RECORDS]
    questions = [r["question"] for r in RECORDS]
    decimals = sum(any("." in a.value for a in annotations(text)) for text in answers)
    minutes_hours = sum("/ 60" in text or "* 60" in text for text in answers)
    cents_dollars = sum("cents" in text and "100" in text for text in answers)
    how_many_more = sum("how many more" in q.lower() for q in questions)
    percent = sum("%" in q for q in questions)
    assert decimals >= 10 and minutes_hours >= 6 and cents_dollars >= 3
    assert how_many_more >= 3 and percent >= 5
    reused = 0
    for text in answers:
        values = [a.value for a in annotations(text)]
        exprs = [a.expr for a in annotations(text)]
        reused += any(
            values[i] in re.findall(r"[\d.]+", e)
            for i in range(len(values))
            for e in exprs[i + 1 :]
        )
    assert reused >= 40, "intermediate results must be used by later steps"


def test_the_bundled_loader_reads_every_problem_as_a_seed() -> None:
    results = list(iter_source(SeedSource(format="bundled", path="seeds"), base_dir=ROOT))
    math = [r for r in results if isinstance(r, Seed) and r.domain == "math"]
    assert [s.source_id for s in math] == IDS
    first = math[0]
    assert first.problem_id == "bundled:m001"
    assert first.license == "apache-2.0"
    assert first.origin == "seeds/math.jsonl:1"
    assert first.answer == RECORDS[0]["answer"].rsplit("#### ", 1)[1]
