"""The bundled code seeds: well-formed plans linked to their programs, every program passing."""

from __future__ import annotations

import ast
import json
import re

import pytest
from paths import REPO
from seed_helpers import bundled_code_seeds

from groupbuild.errors import StageReject
from groupbuild.execute.sandbox import run_assert_tests
from groupbuild.text.plans.links import plan_links, plan_to_trace

CODE_SEEDS = REPO / "seeds" / "code.jsonl"
_CODE_IN_PLAN = re.compile(r"`|==|!=|<=|>=|\+=|\bdef\b|\w\(|\w\[|\b[a-z]+_[a-z_]+\b")


def _rows() -> list[dict]:
    return [json.loads(line) for line in CODE_SEEDS.read_text().splitlines() if line.strip()]


def test_there_are_at_least_32_distinct_bundled_code_seeds() -> None:
    rows = _rows()
    assert len(rows) >= 32
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["entry_point"] for r in rows}) == len(rows)


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["id"])
def test_a_seed_has_a_plain_language_plan_linked_to_its_program(row: dict) -> None:
    code_lines = row["code"].splitlines()
    function = ast.parse(row["code"]).body[0]
    assert isinstance(function, ast.FunctionDef) and function.name == row["entry_point"]
    assert row["entry_point"] in row["text"]
    assert len(row["tests"]) >= 4
    assert 4 <= len(row["plan"]) <= 10
    assert len(row["plan_links"]) == len(row["plan"])
    for step, lines in zip(row["plan"], row["plan_links"], strict=True):
        assert not _CODE_IN_PLAN.search(step), step
        assert lines and all(2 <= n <= len(code_lines) for n in lines)


def test_every_bundled_program_passes_all_its_tests_in_the_sandbox() -> None:
    failures = {}
    for row in _rows():
        report = run_assert_tests(row["code"], row["tests"], setup=row["test_setup"])
        if not report.all_passed:
            failures[row["id"]] = report.outcomes
    assert failures == {}


def test_the_loader_keeps_plans_and_the_links_are_found_for_each_seed() -> None:
    seeds = bundled_code_seeds()
    assert len(seeds) == len(_rows())
    for seed in seeds:
        trace = plan_to_trace(seed)
        assert trace.steps == seed.plan
        links = plan_links(seed)
        assert links is not None and len(links) == len(seed.plan)


def test_a_seed_whose_program_cannot_be_worded_is_rejected_with_a_named_reason() -> None:
    program = (
        "def safe_ratio(a, b):\n"
        "    try:\n"
        "        return a / b\n"
        "    except ZeroDivisionError:\n"
        "        return 0\n"
    )
    seed = bundled_code_seeds()[0].model_copy(
        update={"plan": (), "plan_links": (), "solution": program, "entry_point": "safe_ratio"}
    )
    with pytest.raises(StageReject) as caught:
        plan_to_trace(seed)
    assert caught.value.reason == "no_reference_plan"
    assert plan_links(seed) is None
