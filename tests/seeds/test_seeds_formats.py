"""Every seed format loads into the same normalized `Seed` record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from groupbuild.config import SeedSource
from groupbuild.errors import InputError
from groupbuild.schema import Domain, Seed
from groupbuild.seeds import iter_source

GSM8K_ROWS = [
    {
        "question": "A pen costs $2 and a notebook costs 3 times as much. What do both cost?",
        "answer": "The notebook costs 2 * 3 = $<<2*3=6>>6.\nBoth cost 2 + 6 = $<<2+6=8>>8.\n#### 8",
    },
    {
        "question": "Ana walks 1,500 meters a day for 4 days. How many meters does she walk?",
        "answer": "She walks 1500 * 4 = <<1500*4=6000>>6,000 meters.\n#### 6,000",
    },
]
MBPP_ROW = {
    "text": "Write a function to add up the squares of a list of numbers.",
    "code": "def square_sum(xs):\r\n    return sum(x * x for x in xs)",
    "task_id": 901,
    "test_setup_code": "",
    "test_list": ["assert square_sum([1, 2]) == 5", "assert square_sum([]) == 0"],
    "challenge_test_list": ["assert square_sum([3]) == 9"],
}
HUMANEVAL_ROW = {
    "task_id": "Toy/0",
    "prompt": 'def twice(n: int) -> int:\n    """Return n doubled."""\n',
    "canonical_solution": "    return 2 * n\n",
    "test": "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(0) == 0\n",
    "entry_point": "twice",
}
MATH_ROW = {
    "problem": "What is $\\frac{1}{2} + \\frac{1}{3}$?",
    "solution": "The common denominator is 6, so the sum is $\\boxed{\\frac{5}{6}}$.",
    "level": "Level 1",
    "type": "Prealgebra",
}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def load(tmp_path: Path, **source: Any) -> list[Seed]:
    results = list(iter_source(SeedSource(**source), base_dir=tmp_path))
    assert all(isinstance(r, Seed) for r in results)
    return results  # type: ignore[return-value]


def run_tests(seed: Seed) -> None:
    """Execute a code seed's program, setup and tests in a fresh namespace."""
    namespace: dict[str, Any] = {}
    exec(seed.solution or "", namespace)
    exec(seed.test_setup, namespace)
    for test in seed.tests:
        exec(test, namespace)


def test_gsm8k_ids_are_line_indexes_and_answers_are_plain_numbers(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "train.jsonl", GSM8K_ROWS)
    seeds = load(tmp_path, format="gsm8k", path="train.jsonl")
    assert [s.problem_id for s in seeds] == ["gsm8k:0", "gsm8k:1"]
    assert [s.answer for s in seeds] == ["8", "6000"]
    assert seeds[1].origin == "train.jsonl:2"
    assert seeds[0].solution == GSM8K_ROWS[0]["answer"]
    assert (seeds[0].license, seeds[0].task_type, seeds[0].domain) == ("mit", "math", Domain.MATH)


def test_bundled_reads_math_then_code_with_plan_links(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b" / "math.jsonl", [{"id": "m9", **GSM8K_ROWS[0]}])
    code = {
        "id": "c1",
        "text": "Write a function that returns the larger of two numbers.",
        "code": "def larger(a, b):\n    return a if a >= b else b\n",
        "entry_point": "larger",
        "tests": ["assert larger(1, 2) == 2", "assert larger(5, 5) == 5"],
        "test_setup": "",
        "plan": ["Compare the two numbers.", "Return the one that is not smaller."],
        "plan_links": [[2], [2]],
        "notes": "extra keys are ignored",
    }
    write_jsonl(tmp_path / "b" / "code.jsonl", [code])
    math, program = load(tmp_path, format="bundled", path="b")
    assert (math.problem_id, program.problem_id) == ("bundled:m9", "bundled:c1")
    assert program.plan == tuple(code["plan"]) and program.entry_point == "larger"
    assert program.task_type == "python_function" and program.license == "apache-2.0"
    assert program.origin == "b/code.jsonl:1"
    assert program.plan_links == ((2,), (2,))
    run_tests(program)


def test_bundled_plan_links_must_match_the_plan(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b" / "math.jsonl", [{"id": "m9", **GSM8K_ROWS[0]}])
    code = {
        "id": "c1",
        "text": "Write a function that returns the larger of two numbers.",
        "code": "def larger(a, b):\n    return a if a >= b else b\n",
        "entry_point": "larger",
        "tests": ["assert larger(1, 2) == 2"],
        "plan": ["Compare the two numbers.", "Return the one that is not smaller."],
        "plan_links": {"0": [1]},
    }
    write_jsonl(tmp_path / "b" / "code.jsonl", [code])
    with pytest.raises(InputError, match=r"code\.jsonl:1: field 'plan_links'"):
        load(tmp_path, format="bundled", path="b")


def test_mbpp_code_gets_lf_line_endings_and_challenge_tests(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "mbpp.jsonl", [MBPP_ROW])
    (seed,) = load(tmp_path, format="mbpp", path="mbpp.jsonl")
    assert seed.problem_id == "mbpp:901" and seed.license == "cc-by-4.0"
    assert "\r" not in (seed.solution or "")
    assert len(seed.tests) == 3 and seed.entry_point == "square_sum"
    run_tests(seed)


def test_sanitized_mbpp_is_one_json_array_with_test_imports(tmp_path: Path) -> None:
    row = {
        "source_file": "x.ipynb",
        "task_id": 77,
        "prompt": "Write a function to return the square root of a number, rounded to 2 places.",
        "code": "import math\ndef root2(x):\n    return round(math.sqrt(x), 2)",
        "test_imports": ["import math"],
        "test_list": ["assert math.isclose(root2(2), 1.41)"],
    }
    (tmp_path / "sanitized-mbpp.json").write_text(json.dumps([row]), encoding="utf-8")
    (seed,) = load(tmp_path, format="mbpp_sanitized", path="sanitized-mbpp.json")
    assert seed.problem_id == "mbpp:77" and seed.test_setup == "import math"
    assert seed.origin == "sanitized-mbpp.json:1" and seed.entry_point == "root2"
    run_tests(seed)


@pytest.mark.parametrize("name", ["HumanEval.jsonl", "HumanEval.jsonl.gz"])
def test_humaneval_joins_prompt_and_solution_and_reads_check_as_asserts(
    tmp_path: Path, name: str
) -> None:
    line = (json.dumps(HUMANEVAL_ROW) + "\n").encode()
    (tmp_path / name).write_bytes(gzip.compress(line) if name.endswith(".gz") else line)
    (seed,) = load(tmp_path, format="humaneval", path=name)
    assert seed.problem_id == "humaneval:Toy/0" and seed.entry_point == "twice"
    assert seed.solution == HUMANEVAL_ROW["prompt"] + HUMANEVAL_ROW["canonical_solution"]
    assert seed.tests == ("assert twice(2) == 4", "assert twice(0) == 0")
    run_tests(seed)


def test_math_answer_is_the_boxed_string_from_jsonl_json_or_a_directory(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "math.jsonl", [MATH_ROW])
    (tmp_path / "MATH" / "train" / "prealgebra").mkdir(parents=True)
    (tmp_path / "MATH" / "train" / "prealgebra" / "12.json").write_text(json.dumps(MATH_ROW))
    (line_seed,) = load(tmp_path, format="math", path="math.jsonl")
    (dir_seed,) = load(tmp_path, format="math", path="MATH")
    assert line_seed.answer == dir_seed.answer == "\\frac{5}{6}"
    assert line_seed.problem_id == "math:0"
    assert dir_seed.problem_id == "math:train/prealgebra/12"
    assert dir_seed.origin == "MATH/train/prealgebra/12.json:1"


def test_math_keeps_nested_braces_of_the_last_boxed_answer(tmp_path: Path) -> None:
    row = {
        **MATH_ROW,
        "unique_id": "test/algebra/1.json",
        "solution": "First $\\boxed{1}$, then $\\boxed{\\left(\\frac{1}{2}, 3\\right)}$.",
    }
    write_jsonl(tmp_path / "m.jsonl", [row])
    (seed,) = load(tmp_path, format="math", path="m.jsonl")
    assert seed.answer == "\\left(\\frac{1}{2}, 3\\right)"
    assert seed.problem_id == "math:test/algebra/1.json"


def test_generic_jsonl_maps_fields_and_needs_a_domain(tmp_path: Path) -> None:
    rows = [{"uid": "a7", "q": "What is 6 times 7?", "final": "$42"}]
    write_jsonl(tmp_path / "mine.jsonl", rows)
    fields = {"id": "uid", "problem": "q", "answer": "final"}
    (seed,) = load(
        tmp_path, format="jsonl", path="mine.jsonl", domain="math", fields=fields, license="cc0-1.0"
    )
    assert (seed.problem_id, seed.answer, seed.license) == ("mine:a7", "42", "cc0-1.0")
    with pytest.raises(InputError, match="domain"):
        load(tmp_path, format="jsonl", path="mine.jsonl", fields=fields)


def test_generic_math_in_gsm8k_shape_needs_no_mapping(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "gsm.jsonl", GSM8K_ROWS)
    first, second = load(tmp_path, format="jsonl", path="gsm.jsonl", domain="math")
    assert (first.problem_id, first.answer, second.answer) == ("gsm:0", "8", "6000")
    assert first.solution == GSM8K_ROWS[0]["answer"]
    bad = [{**GSM8K_ROWS[0], "answer": GSM8K_ROWS[0]["answer"].replace("=6>>", "=7>>")}]
    write_jsonl(tmp_path / "bad.jsonl", bad)
    with pytest.raises(InputError, match="annotation"):
        load(tmp_path, format="jsonl", path="bad.jsonl", domain="math")


def test_generic_parquet_code_rows_load_with_a_source_name(tmp_path: Path) -> None:
    table = pa.table(
        {
            "name": ["sq"],
            "description": ["Write a function that squares a number."],
            "program": ["def sq(x):\n    return x * x\n"],
            "asserts": [["assert sq(3) == 9"]],
        }
    )
    pq.write_table(table, tmp_path / "code.parquet")
    fields = {"id": "name", "problem": "description", "solution": "program", "tests": "asserts"}
    (seed,) = load(
        tmp_path, format="parquet", path="code.parquet", domain="code", fields=fields, source="toy"
    )
    assert seed.problem_id == "toy:sq" and seed.entry_point == "sq"
    assert seed.origin == "code.parquet:1" and seed.license == "unknown"
    run_tests(seed)


def test_limit_reads_only_the_first_records(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "train.jsonl", GSM8K_ROWS)
    seeds = load(tmp_path, format="gsm8k", path="train.jsonl", limit=1)
    assert [s.problem_id for s in seeds] == ["gsm8k:0"]


def test_absolute_paths_ignore_base_dir(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", GSM8K_ROWS)
    seeds = list(iter_source(SeedSource(format="gsm8k", path=str(path)), base_dir=Path("/nope")))
    assert len(seeds) == 2
