"""Code kinds read the function the tests call, wherever it sits in the program."""

from __future__ import annotations

import ast
import random

from kind_helpers import rule
from seed_helpers import code_seed

from groupbuild.judge.code import judge_code
from groupbuild.kinds import Kind
from groupbuild.kinds.code import twins as pt
from groupbuild.schema import Domain
from groupbuild.text.plans.links import plan_to_trace

_GUARDED = (
    "import math\n"
    "def root_sum(xs):\n"
    "    if len(xs) == 0:\n"
    "        return 0\n"
    "    total = 0\n"
    "    for x in xs:\n"
    "        total += math.sqrt(x)\n"
    "    return total\n"
)


def test_a_guard_is_deleted_when_an_import_comes_before_the_function() -> None:
    tests = ["assert root_sum([]) == 0", "assert root_sum([4]) == 2"]
    seed = code_seed("root_sum", _GUARDED, tests)
    edit = rule(Domain.CODE, Kind.MISSING_EDGE_CASE)(seed, plan_to_trace(seed), random.Random(0))
    assert edit is not None
    twin = edit.evidence.to_json()["twin_program"]
    assert "len(xs) == 0" not in twin and "import math" in twin


def test_the_entry_function_and_the_function_holding_a_line_are_found_behind_a_helper() -> None:
    program = (
        "def unused(v):\n"
        "    return v\n"
        "def spread(lst, low):\n"
        "    best = low\n"
        "    for x in lst:\n"
        "        if x > best:\n"
        "            best = x\n"
        "    return best - low\n"
    )
    tree = ast.parse(program)
    function = pt.entry_function(tree, "spread")
    assert function is not None and function.name == "spread"
    assert pt.function_at(tree, [6]) is function
    assert pt.function_at(tree, [2]) is not function


def test_the_judge_reads_the_entry_function_not_a_helper_before_it() -> None:
    helper = "def double(v):\n    return v * 2\n"
    seed = code_seed("root_sum", helper + _GUARDED, ["assert root_sum([4]) == 2"])
    alone = code_seed("root_sum", _GUARDED, ["assert root_sum([4]) == 2"])
    trace = plan_to_trace(alone)
    assert judge_code(seed, trace) == judge_code(alone, trace)


def test_a_variable_named_by_its_plan_word_is_misused_after_an_import() -> None:
    program = (
        "import math\n"
        "def scaled_gap(lst, res):\n"
        "    cnt = len(lst)\n"
        "    total = res * cnt\n"
        "    return math.floor(total - cnt)\n"
    )
    seed = code_seed("scaled_gap", program, ["assert scaled_gap([1, 2], 3) == 6"])
    reference = plan_to_trace(seed)
    edit = rule(Domain.CODE, Kind.VARIABLE_MISUSE)(seed, reference, random.Random(0))
    assert edit is not None
    assert edit.evidence.to_json()["twin_program"] != program


def test_an_update_moved_before_its_start_is_an_order_error() -> None:
    program = (
        "def product_mean(numbers):\n"
        "    total = 1\n"
        "    for x in numbers:\n"
        "        total *= x\n"
        "    return total / len(numbers)\n"
    )
    twin = pt.swap_statements(program, [2], [3, 4])
    assert twin is not None
    assert twin.program.index("total *= x") < twin.program.index("total = 1")
