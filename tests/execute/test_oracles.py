"""Function seeds become verified stdin/stdout oracles in the contract's shape, or say why not."""

from __future__ import annotations

import json

import pytest
from paths import SHARED_DATA

from groupbuild.execute.oracles import Oracle, OracleFailure, build_oracle, parse_assert
from groupbuild.execute.sandbox import run_stdio_tests
from groupbuild.schema import Domain, Seed

DATA = SHARED_DATA
MBPP = DATA / "mbpp" / "mbpp.jsonl"
SANITIZED = DATA / "mbpp" / "sanitized-mbpp.json"


def make_seed(
    solution: str, tests: list[str], *, setup: str = "", entry: str | None = None
) -> Seed:
    return Seed(
        problem_id="bundled:t",
        source="bundled",
        source_id="t",
        domain=Domain.CODE,
        task_type="python_function",
        problem="Write the function.",
        solution=solution,
        tests=tuple(tests),
        test_setup=setup,
        entry_point=entry,
    )


def build(seed: Seed) -> Oracle:
    oracle = build_oracle(seed)
    assert isinstance(oracle, Oracle), oracle
    return oracle


def test_equality_asserts_become_json_lines_judged_by_the_program() -> None:
    seed = make_seed(
        "def add(a, b):\n    return a + b\n",
        ["assert add(1, 2) == 3", "assert add([1], [2]) == [1, 2]", "assert add('a', 'b') == 'ab'"],
    )
    oracle = build(seed)
    assert [(t.input, t.output) for t in oracle.tests] == [
        ("[1, 2]", "3"),
        ("[[1], [2]]", "[1, 2]"),
        ('["a", "b"]', '"ab"'),
    ]
    cases = [(t.input, t.output) for t in oracle.tests]
    assert run_stdio_tests(oracle.program, cases).all_passed


def test_record_has_the_contract_shape_and_a_reward_test() -> None:
    seed = make_seed("def sq(x):\n    return x * x\n", ["assert sq(2) == 4", "assert sq(3) == 9"])
    record = build(seed).to_record("mbpp:7")
    assert set(record) == {"problem_id", "tests", "test_counts", "oracle_source", "match_method"}
    assert record["problem_id"] == "mbpp:7" and record["oracle_source"] == "bundled"
    assert set(record["tests"][0]) == {
        "input",
        "output",
        "source",
        "is_feedback_test",
        "is_reward_test",
    }
    assert [t["source"] for t in record["tests"]] == ["public", "private"]
    assert record["test_counts"]["total"] == 2 and record["test_counts"]["reward"] == 1
    assert json.loads(json.dumps(record)) == record


def test_a_single_test_is_a_reward_test_not_an_example() -> None:
    oracle = build(make_seed("def sq(x):\n    return x * x\n", ["assert sq(2) == 4"]))
    assert [(t.is_reward_test, t.is_feedback_test) for t in oracle.tests] == [(True, False)]
    assert "Example input" not in oracle.io_note


def test_io_note_states_the_format_and_shows_the_public_example() -> None:
    seed = make_seed("def sq(x):\n    return x * x\n", ["assert sq(2) == 4", "assert sq(3) == 9"])
    oracle = build(seed)
    assert "JSON array of the arguments of `sq`" in oracle.io_note
    assert "Example input:\n[2]\nExample output:\n4" in oracle.io_note
    assert oracle.problem_text("Square it.").startswith("Square it.\n\nInput/output format")


def test_tuples_are_restored_for_the_reference_and_printed_as_arrays() -> None:
    seed = make_seed(
        "def extend(t, x):\n    return t + (x,)\n",
        ["assert extend((1, 2), 3) == (1, 2, 3)", "assert extend((), 'a') == ('a',)"],
    )
    oracle = build(seed)
    assert [(t.input, t.output) for t in oracle.tests] == [
        ("[[1, 2], 3]", "[1, 2, 3]"),
        ('[[], "a"]', '["a"]'),
    ]


def test_set_comparison_prints_a_sorted_array() -> None:
    seed = make_seed(
        "def common(a, b):\n    return list(set(a) & set(b))[::-1]\n",
        [
            "assert set(common([3, 1, 2], [2, 3])) == set([2, 3])",
            "assert set(common([5], [5])) == {5}",
        ],
    )
    oracle = build(seed)
    assert [t.output for t in oracle.tests] == ["[2, 3]", "[5]"]
    assert "as a set" in oracle.io_note


def test_isclose_uses_the_reference_value_once_the_assert_holds() -> None:
    seed = make_seed(
        "import math\ndef area(r):\n    return math.pi * r * r\n",
        [
            "assert math.isclose(area(1), 3.1416, rel_tol=0.001)",
            "assert math.isclose(area(2), 12.566, rel_tol=0.001)",
        ],
        setup="import math",
    )
    oracle = build(seed)
    assert [t.output for t in oracle.tests] == ["3.141592654", "12.56637061"]


def test_truth_asserts_expect_true_or_false() -> None:
    seed = make_seed(
        "def even(n):\n    return n % 2 == 0\n", ["assert even(2)", "assert not even(3)"]
    )
    assert [t.output for t in build(seed).tests] == ["true", "false"]


def test_truthy_results_of_truth_asserts_print_as_booleans() -> None:
    program = "import re\ndef starts_a(s):\n    return re.match('a', s)\n"
    oracle = build(make_seed(program, ["assert starts_a('abc')", "assert not starts_a('b')"]))
    assert [t.output for t in oracle.tests] == ["true", "false"]
    assert "truth value" in oracle.io_note


def test_whole_floats_print_like_the_integers_they_equal() -> None:
    seed = make_seed(
        "def half(n):\n    return n / 2\n", ["assert half(8) == 4", "assert half(3) == 1.5"]
    )
    assert [t.output for t in build(seed).tests] == ["4", "1.5"]


def test_humaneval_check_function_is_split_into_tests() -> None:
    check = (
        "def check(candidate):\n"
        "    assert candidate([1, 2, 3]) == 6\n"
        "    assert candidate([]) == 0\n"
    )
    seed = make_seed("def total(xs):\n    return sum(xs)\n", [check], entry="total")
    assert [(t.input, t.output) for t in build(seed).tests] == [("[[1, 2, 3]]", "6"), ("[[]]", "0")]


def test_wrong_gold_assert_rejects_the_oracle() -> None:
    seed = make_seed("def sq(x):\n    return x * x\n", ["assert sq(2) == 5"])
    failure = build_oracle(seed)
    assert isinstance(failure, OracleFailure)
    assert failure.reason == "reference_fails_assert"


def test_unserializable_arguments_reject_the_oracle() -> None:
    seed = make_seed("def re_(z):\n    return z.real\n", ["assert re_(complex(1, 2)) == 1.0"])
    failure = build_oracle(seed)
    assert isinstance(failure, OracleFailure)
    assert "not JSON data" in failure.detail


def test_reference_that_breaks_on_stdin_form_is_rejected() -> None:
    program = "import sys\ndef f(x):\n    return x + len(sys.argv)\n"
    seed = make_seed(program + "print('noise')\n", ["assert f(1) == 2"])
    failure = build_oracle(seed)
    assert isinstance(failure, OracleFailure)
    assert failure.reason == "reference_failed_test"


@pytest.mark.parametrize(
    ("test", "reason"),
    [
        ("assert f(1) > 2", "unsupported_comparison"),
        ("assert f(x=1) == 2", "keyword_or_starred_arguments"),
        ("x = f(1)", "not_a_single_assert"),
        ("assert g(f(1)) == 2", "unsupported_assert"),
        ("assert f(1) ==", "assert_syntax_error"),
    ],
)
def test_unsupported_asserts_are_named(test: str, reason: str) -> None:
    failure = parse_assert(test, "f")
    assert isinstance(failure, OracleFailure)
    assert failure.reason == reason


@pytest.mark.skipif(not MBPP.exists(), reason="shared MBPP files not present")
def test_real_mbpp_seeds_convert_and_verify() -> None:
    rows = [json.loads(line) for line in MBPP.read_text().splitlines()[:12]]
    seeds = [
        make_seed(row["code"], row["test_list"], setup=row["test_setup_code"]).model_copy(
            update={"problem_id": f"mbpp:{row['task_id']}"}
        )
        for row in rows
    ]
    results = [build_oracle(seed) for seed in seeds]
    verified = [r for r in results if isinstance(r, Oracle)]
    assert len(verified) >= 10
    assert all(r.to_record("p")["test_counts"]["reward"] >= 1 for r in verified)


@pytest.mark.skipif(not SANITIZED.exists(), reason="shared MBPP files not present")
def test_real_sanitized_mbpp_set_asserts_convert() -> None:
    rows = json.loads(SANITIZED.read_text())
    row = next(r for r in rows if r["task_id"] == 2)
    oracle = build(make_seed(row["code"], row["test_list"]))
    assert [t.output for t in oracle.tests] == ["[4, 5]", "[3, 4]", "[13, 14]"]
