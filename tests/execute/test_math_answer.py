"""Final answers are found in any trace or reply, and equal values compare equal in any form."""

from __future__ import annotations

import json

import pytest
from paths import SHARED_DATA

from groupbuild.execute.math_answer import equivalent, extract_answer

DATA = SHARED_DATA
GSM8K = DATA / "gsm8k" / "train.jsonl"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("She sold 48/2 = <<48/2=24>>24 clips.\n#### 72", "72"),
        ("Total: 1,080 apples\n#### 1,080", "1080"),
        ("Thus $x = \\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"),
        ("So \\boxed{\\sqrt{3}} then, finally, \\boxed{2\\sqrt{3}}.", "2\\sqrt{3}"),
        ("The answer is $1,234.50.", "1234.50"),
        ("Final answer: 3.5", "3.5"),
        ("The final answer is 25%.", "25%"),
        ("The answer is $\\dfrac{7}{3}$.", "\\dfrac{7}{3}"),
        ("The answer is 12 apples.", "12"),
        ("answer = -7/3", "-7/3"),
        ("It loses \u22125 degrees overnight.", "-5"),
        ("He paid $1,200 and then 15 more, 1,215 in all", "1215"),
        ("The half is .5", ".5"),
        ("The answer is B.", "B"),
        ("\\boxed{(1, 2)}", "(1, 2)"),
    ],
)
def test_extract_answer_finds_the_final_answer(text: str, answer: str) -> None:
    assert extract_answer(text) == answer


def test_extract_answer_is_none_without_any_answer() -> None:
    assert extract_answer("I am not sure how to proceed.") is None


def test_hashes_outrank_boxed_and_boxed_outranks_numbers() -> None:
    assert extract_answer("\\boxed{5} so 7 things\n#### 9") == "9"
    assert extract_answer("\\boxed{5} and then 7 more") == "5"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("72", "$72"),
        ("1234", "1,234"),
        ("1234", "1234.0"),
        ("\\$1,234.50", "1234.5"),
        ("0.5", "\\frac{1}{2}"),
        ("0.5", "\\dfrac12"),
        ("3.5", "7/2"),
        ("-\\frac{3}{4}", "-0.75"),
        ("25", "25%"),
        ("1/3", "0.333333"),
        ("10\\text{ cm}", "10"),
        ("\\frac{\\sqrt{2}}{2}", "\\sqrt{2}/2"),
        ("x^2+2x+1", "(x+1)^2"),
        ("(1,2)", "(1, 2)"),
        ("2\\pi", "\\pi \\cdot 2"),
    ],
)
def test_equal_values_in_different_forms_are_equivalent(a: str, b: str) -> None:
    assert equivalent(a, b)
    assert equivalent(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("5", "6"),
        ("1/3", "0.33"),
        ("1234", "1,235"),
        ("\\frac{1}{2}", "\\frac{1}{3}"),
        ("x+1", "x+2"),
        ("\\sqrt{2}", "\\sqrt{3}"),
        ("1/0", "0"),
    ],
)
def test_different_values_are_not_equivalent(a: str, b: str) -> None:
    assert not equivalent(a, b)


def test_tolerance_forgives_rounded_decimals_but_never_integers() -> None:
    assert equivalent("2", "2.0000001")
    assert not equivalent("2", "2.0000001", rel_tol=1e-9)
    assert not equivalent("2", "2.00001")
    assert not equivalent("192000000", "192000001")
    assert not equivalent("0.001", "0.0011")


@pytest.mark.skipif(not GSM8K.exists(), reason="shared GSM8K train file not present")
def test_every_gsm8k_train_answer_extracts_and_matches_its_other_forms() -> None:
    records = [json.loads(line) for line in GSM8K.read_text().splitlines()]
    assert len(records) == 7473
    for record in records:
        gold = record["answer"].split("####")[-1].strip()
        value = int(gold.replace(",", ""))
        assert extract_answer(record["answer"]) == str(value), record["answer"][-60:]
        assert extract_answer(f"So the answer is ${value:,}.") == str(value)
        for form in (f"${value}", f"{value}.0", f"{value:,}", f"\\boxed{{{value}}}", str(value)):
            assert equivalent(gold, form), (gold, form)
        assert not equivalent(gold, str(value + 1))
