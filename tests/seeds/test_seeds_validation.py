"""Malformed seed records stop the load with file, line and field, or become named rejects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from groupbuild.config import SeedsConfig, SeedSource
from groupbuild.errors import InputError
from groupbuild.schema import Reject, Seed
from groupbuild.seeds import iter_source, load_seeds

GOOD = {
    "question": "Tea costs $3 a cup. What do 4 cups cost?",
    "answer": "Four cups cost 4 * 3 = $<<4*3=12>>12.\n#### 12",
}
GOOD_CODE = {
    "text": "Write a function to negate a number.",
    "code": "def neg(x):\n    return -x",
    "task_id": 5,
    "test_setup_code": "",
    "test_list": ["assert neg(1) == -1"],
    "challenge_test_list": [],
}


def lines_file(tmp_path: Path, name: str, lines: list[str]) -> str:
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def dumps(**changes: Any) -> str:
    row = {**GOOD, **changes}
    return json.dumps({k: v for k, v in row.items() if v is not None})


def code_dumps(**changes: Any) -> str:
    row = {**GOOD_CODE, **changes}
    return json.dumps({k: v for k, v in row.items() if v is not None})


MATH_CASES = [
    pytest.param("{not json", None, "invalid_json", id="bad_json"),
    pytest.param("[1, 2]", None, "wrong_type", id="not_an_object"),
    pytest.param(dumps(question=None), "question", "missing_field", id="missing_question"),
    pytest.param(dumps(question=7), "question", "wrong_type", id="question_not_text"),
    pytest.param(dumps(question="  "), "question", "empty_field", id="empty_question"),
    pytest.param(dumps(answer=""), "answer", "empty_field", id="empty_solution"),
    pytest.param(
        dumps(answer="Four cups cost 12."), "answer", "missing_final_answer", id="no_final_line"
    ),
    pytest.param(
        dumps(answer="Four cups cost 4 * 3 = $<<4*3=12>>12.\n#### twelve"),
        "answer",
        "answer_not_numeric",
        id="final_not_a_number",
    ),
    pytest.param(
        dumps(answer="Four cups cost 4 * 3 = $<<4*3=12>>12.\n#### 13"),
        "answer",
        "answer_not_reached",
        id="answer_not_reached",
    ),
    pytest.param(
        dumps(answer="Four cups cost 4 * 3 = $<<4*3=14>>14.\n#### 14"),
        "answer",
        "annotation_mismatch",
        id="annotation_mismatch",
    ),
    pytest.param(
        dumps(answer="Four cups cost <<four*3=12>>12.\n#### 12"),
        "answer",
        "annotation_unparsable",
        id="annotation_not_arithmetic",
    ),
]


@pytest.mark.parametrize(("line", "field", "code"), MATH_CASES)
def test_malformed_gsm8k_line_raises_with_its_location(
    tmp_path: Path, line: str, field: str | None, code: str
) -> None:
    name = lines_file(tmp_path, "train.jsonl", [dumps(), line])
    with pytest.raises(InputError) as info:
        list(iter_source(SeedSource(format="gsm8k", path=name), base_dir=tmp_path))
    assert (info.value.path, info.value.line, info.value.field) == (name, 2, field)
    assert info.value.code == code  # type: ignore[attr-defined]


@pytest.mark.parametrize(("line", "field", "code"), MATH_CASES)
def test_malformed_gsm8k_line_becomes_a_reject_when_skipping(
    tmp_path: Path, line: str, field: str | None, code: str
) -> None:
    name = lines_file(tmp_path, "train.jsonl", [dumps(), line, dumps()])
    source = SeedSource(format="gsm8k", path=name)
    results = list(iter_source(source, base_dir=tmp_path, skip_invalid=True))
    assert [type(r) for r in results] == [Seed, Reject, Seed]
    reject = results[1]
    assert isinstance(reject, Reject)
    assert (reject.stage, reject.reason) == ("seeds", code)
    assert (reject.id, reject.problem_id) == (f"gsm8k:{name}:2#reject", "gsm8k:1")
    assert reject.detail.startswith(f"{name}:2 {field or 'record'}: ")


def test_rounded_annotations_are_accepted(tmp_path: Path) -> None:
    answer = "Each gets 10 / 3 = $<<10/3=3.33>>3.33.\n#### 3.33"
    name = lines_file(tmp_path, "train.jsonl", [dumps(answer=answer)])
    (seed,) = iter_source(SeedSource(format="gsm8k", path=name), base_dir=tmp_path)
    assert isinstance(seed, Seed) and seed.answer == "3.33"


def test_an_answer_stated_on_the_last_line_counts_as_reached(tmp_path: Path) -> None:
    answer = "Tea for 4 is 4 * 3 = <<4*3=12>>12 and cake is 5.\nSo she pays 12, not 5.\n#### 12"
    name = lines_file(tmp_path, "train.jsonl", [dumps(answer=answer)])
    (seed,) = iter_source(SeedSource(format="gsm8k", path=name), base_dir=tmp_path)
    assert isinstance(seed, Seed)


CODE_CASES = [
    pytest.param(
        code_dumps(code="def neg(x)\n    return -x"), "code", "syntax_error", id="syntax_error"
    ),
    pytest.param(code_dumps(test_list=[]), "test_list", "no_tests", id="no_tests"),
    pytest.param(
        code_dumps(test_list=["assert neg(1) =="]),
        "test_list[0]",
        "syntax_error",
        id="test_syntax_error",
    ),
    pytest.param(
        code_dumps(test_list="assert neg(1) == -1", task_id=[5]),
        "task_id",
        "wrong_type",
        id="task_id_not_scalar",
    ),
    pytest.param(code_dumps(test_list=[3]), "test_list", "wrong_type", id="test_not_text"),
]


@pytest.mark.parametrize(("line", "field", "code"), CODE_CASES)
def test_malformed_mbpp_line_raises_or_rejects(
    tmp_path: Path, line: str, field: str, code: str
) -> None:
    name = lines_file(tmp_path, "mbpp.jsonl", [line])
    source = SeedSource(format="mbpp", path=name)
    with pytest.raises(InputError) as info:
        list(iter_source(source, base_dir=tmp_path))
    assert (info.value.line, info.value.field) == (1, field)
    (reject,) = iter_source(source, base_dir=tmp_path, skip_invalid=True)
    assert isinstance(reject, Reject) and reject.reason == code
    assert reject.id == f"mbpp:{name}:1#reject"
    assert reject.problem_id == ("mbpp:5" if field != "task_id" else None)


def test_math_without_a_boxed_answer_is_rejected(tmp_path: Path) -> None:
    row = {"problem": "What is 1 + 1?", "solution": "It is 2.", "level": "Level 1", "type": "x"}
    name = lines_file(tmp_path, "m.jsonl", [json.dumps(row)])
    (reject,) = iter_source(
        SeedSource(format="math", path=name), base_dir=tmp_path, skip_invalid=True
    )
    assert isinstance(reject, Reject) and reject.reason == "no_boxed_answer"


def test_humaneval_without_check_has_no_tests(tmp_path: Path) -> None:
    row = {
        "task_id": "T/1",
        "prompt": "def f():\n",
        "canonical_solution": "    return 1\n",
        "test": "assert True\n",
        "entry_point": "f",
    }
    name = lines_file(tmp_path, "he.jsonl", [json.dumps(row)])
    with pytest.raises(InputError, match="check"):
        list(iter_source(SeedSource(format="humaneval", path=name), base_dir=tmp_path))


def test_a_missing_file_is_an_error_even_when_skipping(tmp_path: Path) -> None:
    cfg = SeedsConfig(sources=[SeedSource(format="gsm8k", path="absent.jsonl")], skip_invalid=True)
    with pytest.raises(InputError, match=r"absent\.jsonl"):
        list(load_seeds(cfg, base_dir=tmp_path))


def test_a_broken_json_array_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('[\n{"task_id": 1,\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(iter_source(SeedSource(format="mbpp_sanitized", path="s.json"), base_dir=tmp_path))
    assert info.value.line == 3


def test_load_seeds_counts_every_outcome(tmp_path: Path) -> None:
    name = lines_file(tmp_path, "train.jsonl", [dumps(), "{", dumps(question="Q?"), dumps()])
    cfg = SeedsConfig(sources=[SeedSource(format="gsm8k", path=name)], skip_invalid=True)
    stream = load_seeds(cfg, base_dir=tmp_path)
    results = list(stream)
    assert len(results) == 4
    assert dict(stream.counts) == {"seeds": 2, "invalid_json": 1, "exact_duplicate": 1}
