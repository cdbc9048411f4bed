"""Plans written from a reference function: controlled wording, real line links, usable by rules."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from kind_helpers import check
from paths import SHARED_DATA
from seed_helpers import code_seed

from groupbuild.errors import StageReject
from groupbuild.kinds.code import plan_edits as code_rules
from groupbuild.schema import Domain, Seed
from groupbuild.text.plans.from_code import MAX_STEPS, MIN_STEPS, explain, verbalize
from groupbuild.text.plans.links import plan_links, plan_to_trace

DATA = SHARED_DATA
CODE_TOKENS = re.compile(r"`|==|!=|<=|>=|\+=|\w\(|\w\[|\b\w+_\w+\b|\bdef\b|\breturn\s*\(|[:;]$")

PROGRAMS = {
    "count_above": (
        "def count_above(values, limit):\n"
        "    count = 0\n"
        "    for value in values:\n"
        "        if value > limit:\n"
        "            count += 1\n"
        "    return count\n",
        ["assert count_above([1, 5, 7], 4) == 2", "assert count_above([4, 4], 4) == 0"],
    ),
    "sum_to": (
        "def sum_to(n):\n"
        "    if n < 1:\n"
        "        return -1\n"
        "    total = 0\n"
        "    for step in range(1, n + 1):\n"
        "        total += step\n"
        "    return total\n",
        ["assert sum_to(0) == -1", "assert sum_to(4) == 10", "assert sum_to(1) == 1"],
    ),
    "even_squares": (
        "def even_squares(items):\n"
        "    result = []\n"
        "    for item in items:\n"
        "        if item % 2 == 0:\n"
        "            result.append(item * item)\n"
        "        else:\n"
        "            result.append(0)\n"
        "    return result\n",
        ["assert even_squares([1, 2, 3, 4]) == [0, 4, 0, 16]", "assert even_squares([]) == []"],
    ),
    "last_index_of": (
        "def last_index_of(text, letter):\n"
        "    found = -1\n"
        "    for index in range(len(text)):\n"
        "        if text[index] == letter:\n"
        "            found = index\n"
        "    return found\n",
        ['assert last_index_of("banana", "a") == 5', 'assert last_index_of("xyz", "q") == -1'],
    ),
}


def _seed(name: str) -> Seed:
    program, tests = PROGRAMS[name]
    return code_seed(name, program, tests)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_written_plan_has_no_code_and_a_bounded_number_of_steps(name: str) -> None:
    program, _ = PROGRAMS[name]
    found = verbalize(program, name)
    assert found is not None
    steps, _ = found
    assert MIN_STEPS <= len(steps) <= MAX_STEPS
    for step in steps:
        assert not CODE_TOKENS.search(step), step
        assert step[0].isupper() and step.endswith(".")


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_links_cover_every_body_line_and_nothing_else(name: str) -> None:
    program, _ = PROGRAMS[name]
    found = verbalize(program, name)
    assert found is not None
    _, links = found
    body = set(range(2, len(program.splitlines()) + 1))
    linked = [n for step in links for n in step]
    assert all(step for step in links)
    assert set(linked) == body
    assert len(linked) == len(set(linked))


def test_bounds_and_conditions_use_the_wording_the_rules_read() -> None:
    steps, _ = verbalize(*PROGRAMS["sum_to"][:1], "sum_to") or ((), ())
    assert "If n is less than 1, return minus 1." in steps
    assert any("from 1 up to and including n" in step for step in steps)
    squares = verbalize(PROGRAMS["even_squares"][0], "even_squares")
    assert squares is not None
    assert any("is even" in step for step in squares[0])
    assert any(step.startswith("Otherwise, ") for step in squares[0])


@pytest.mark.parametrize(
    ("program", "reason"),
    [
        (
            "def f(x):\n    try:\n        return 1 / x\n    except ZeroDivisionError:\n"
            "        return 0\n",
            "statement_try",
        ),
        ("def f(x):\n    return x * 2\n", "1_steps_outside_3_to_10"),
        (
            "def g(x):\n    return x\n\ndef f(x):\n    y = g(x)\n    z = y\n    return z\n",
            "helper_name",
        ),
        (
            "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n"
            "    return round(total / 3, ndigits=2)\n",
            "keyword_arguments",
        ),
    ],
)
def test_a_function_without_faithful_wording_gets_a_reason_and_no_plan(
    program: str, reason: str
) -> None:
    assert explain(program, "f") == reason
    assert verbalize(program, "f") is None


def test_a_seed_without_any_plan_is_rejected_with_the_reason() -> None:
    seed = _seed("count_above").model_copy(
        update={"solution": "def count_above(values, limit):\n    return len(values)\n"}
    )
    with pytest.raises(StageReject) as caught:
        plan_to_trace(seed)
    assert caught.value.reason == "no_reference_plan"
    assert "1_steps" in caught.value.detail
    assert plan_links(seed) is None


def test_a_bundled_plan_wins_over_the_written_one() -> None:
    seed = _seed("count_above").model_copy(
        update={"plan": ("Count.", "Loop.", "Return."), "plan_links": ((2,), (3, 4, 5), (6,))}
    )
    assert plan_to_trace(seed).steps == ("Count.", "Loop.", "Return.")
    assert plan_links(seed) == ((2,), (3, 4, 5), (6,))


def test_links_of_a_seed_without_plan_are_the_written_ones() -> None:
    seed = _seed("sum_to")
    found = verbalize(seed.solution or "", "sum_to")
    assert found is not None
    assert plan_to_trace(seed).steps == found[0]
    assert plan_links(seed) == found[1]


@pytest.mark.parametrize(
    ("name", "rule", "kind"),
    [
        ("sum_to", code_rules.off_by_one, "off_by_one"),
        ("count_above", code_rules.inverted_condition, "inverted_condition"),
        ("even_squares", code_rules.inverted_condition, "inverted_condition"),
        ("last_index_of", code_rules.dropped_step, "dropped_step"),
        ("sum_to", code_rules.missing_edge_case, "missing_edge_case"),
    ],
)
def test_rule_kinds_apply_to_written_plans_and_their_twins_fail_tests(
    name: str, rule: object, kind: str
) -> None:
    from groupbuild.kinds.spec import Kind

    seed = _seed(name)
    reference = plan_to_trace(seed)
    edit = rule(seed, reference, random.Random(18))  # type: ignore[operator]
    assert edit is not None
    assert check(Domain.CODE, Kind(kind), seed, reference, edit.trace, edit.evidence) is None


@pytest.mark.skipif(not DATA.is_dir(), reason="shared MBPP data is not available here")
def test_many_real_mbpp_functions_get_plans_free_of_code() -> None:
    from groupbuild.config import SeedSource
    from groupbuild.seeds import iter_source

    source = SeedSource(format="mbpp", path=str(DATA / "mbpp" / "mbpp.jsonl"))
    planned = 0
    for seed in iter_source(source, base_dir=Path("/"), skip_invalid=True):
        if not isinstance(seed, Seed):
            continue
        found = verbalize(seed.solution or "", seed.entry_point or "")
        if found is None:
            continue
        planned += 1
        lines = (seed.solution or "").splitlines()
        for step, link in zip(*found, strict=True):
            assert not CODE_TOKENS.search(step), (seed.problem_id, step)
            assert link and all(1 <= n <= len(lines) and lines[n - 1].strip() for n in link)
    assert planned >= 250


@pytest.mark.parametrize(
    ("program", "wanted", "unwanted"),
    [
        (
            "def f(test_tup1, test_tup2):\n    res = tuple(set(test_tup1) & set(test_tup2))\n"
            "    return res\n",
            "the first test tuple",
            "tuple 1",
        ),
        (
            "def f(n):\n    sm = 0\n    for j in range(1, n + 1):\n"
            "        sm = sm + j * j * j * j\n    return sm\n",
            "add the fourth power of j to the sum",
            "product of the product",
        ),
        (
            "def f(a, b, c):\n    total = 0\n    total = total + a * b * c\n    return total\n",
            "the product of a, b and c",
            "set the total to the total",
        ),
    ],
)
def test_written_plans_read_as_a_person_writes(program: str, wanted: str, unwanted: str) -> None:
    found = verbalize(program, "f")
    assert found is not None
    text = " ".join(found[0])
    assert wanted in text
    assert unwanted not in text.lower()


def test_a_short_program_is_written_out_in_three_steps_linked_to_its_line() -> None:
    program = "def f(nums):\n    return len(nums) != len(set(nums))\n"
    found = verbalize(program, "f")
    assert found is not None
    steps, links = found
    assert len(steps) >= MIN_STEPS
    assert steps[-1].startswith("Return whether")
    assert all(link == (2,) for link in links)
    assert any("distinct values of the numbers" in step for step in steps[:-1])


def test_a_program_too_short_to_write_out_is_named() -> None:
    assert explain("def f(x):\n    return x + 1\n", "f") == "1_steps_outside_3_to_10"


def test_a_symbol_string_is_quoted_as_written_not_named_like_an_argument() -> None:
    program = (
        "def f(text):\n    depth = 0\n    for ch in text:\n        if ch == '(':\n"
        "            depth += 1\n    return depth\n"
    )
    found = verbalize(program, "f")
    assert found is not None
    assert 'If the character is equal to "(", add 1 to the depth.' in found[0]
