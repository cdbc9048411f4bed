"""Equations in plain-text steps are found, evaluated exactly, and rewritten consistently."""

from __future__ import annotations

from fractions import Fraction

import pytest

from groupbuild.schema import Trace
from groupbuild.text import math as mt


@pytest.mark.parametrize(
    ("step", "value"),
    [
        ("Natalia sold 48/2 = 24 clips in May.", 24),
        ("Working 50 minutes, she earned 0.2 x 50 = $10.", 10),
        ("Betty needs 100 - 50 - 30 - 15 = $5 more.", 5),
        ("He makes 1,200 × 2 = 2,400 dollars.", 2400),
        ("So 50 * 20% = 10 of them stayed.", 10),
        ("The share is 25/100*100 = 25%.", 25),
        ("Noah earned $60/large painting x 8 large paintings = $480.", 480),
        ("It feeds 14 * 1 1/2 = 21 birds.", 21),
        ("He has 2 * (3+4) = 2 * 7 = 14 apples.", 14),
        ("Each gets 10/3 = 3.33 pounds.", Fraction(10, 3)),
    ],
)
def test_gsm8k_style_equations_parse_and_hold(step: str, value: float) -> None:
    parsed = mt.parse_step(step)
    assert len(parsed.equations) == 1
    assert parsed.equations[0].holds
    assert parsed.equations[0].value == Fraction(value)


@pytest.mark.parametrize(
    "step",
    ["The box 5 x 3 = 16 holds.", "So 48+24 = 27 clips.", "Each gets 10/3 = 3 pounds."],
)
def test_wrong_results_are_false_equations(step: str) -> None:
    assert mt.false_equations(Trace(steps=("A first step.", step))) == [1]


def test_words_and_algebra_do_not_make_equations() -> None:
    for step in ("She is 5-year-old and x = 5.", "We get 2x - 5 = 13.", "She has 3 pears = 8"):
        assert not mt.parse_step(step).equations


def test_evaluator_refuses_code() -> None:
    with pytest.raises(ValueError):
        mt.evaluate_text("__import__('os')")
    assert mt.evaluate_text("(a + b) / 2", {"a": Fraction(3), "b": Fraction(5)}) == 4


def test_trace_answer_is_the_last_steps_result() -> None:
    trace = Trace(steps=("Natalia sold 48/2 = 24 clips in May.", "She sold 48+24 = 72 in all."))
    assert mt.trace_answer(trace) == "72"
    assert (
        mt.trace_answer(Trace(steps=("She sold 48/2 = 24 clips.", "So she has 24 left."))) == "24"
    )
    assert mt.same_value("1,080", "1080.0")


def test_dangling_quantity_is_neither_given_nor_derived() -> None:
    problem = "Natalia sold clips to 48 of her friends in April, and then half as many in May."
    whole = ("Natalia sold 48/2 = 24 clips in May.", "Natalia sold 48+24 = 72 clips in all.")
    assert mt.dangling_quantities(whole, problem) == []
    dangling = mt.dangling_quantities(whole[1:], problem)
    assert [(q.step, q.value) for q in dangling] == [(0, 24)]


def test_common_knowledge_constants_are_not_dangling() -> None:
    problem = "Weng earns $12 an hour. She babysat for 50 minutes. How much did she earn?"
    steps = ("Weng earns 12/60 = $0.2 per minute.", "She earned 0.2 x 50 = $10.")
    assert mt.dangling_quantities(steps, problem) == []


def test_propagate_rewrites_only_the_numeric_fallout() -> None:
    steps = (
        "Natalia sold 48/2 = 24 clips in May.",
        "Natalia sold 48+24 = 72 clips altogether.",
        "So the answer is 72.",
    )
    result = mt.propagate(steps, 1, {Fraction(24): Fraction(25)})
    assert result is not None
    new_steps, touched = result
    assert new_steps[1:] == ["Natalia sold 48+25 = 73 clips altogether.", "So the answer is 73."]
    assert touched == [1, 2]
    assert mt.false_equations(tuple(new_steps)) == []


def test_propagate_refuses_values_it_cannot_write_exactly() -> None:
    steps = ("She earns 12/60 = $0.2 a minute.", "She earned 0.2 x 50 = $10.")
    assert mt.propagate(steps, 1, {Fraction(1, 5): Fraction(1, 3)}) is None


def test_format_number_keeps_the_written_style() -> None:
    assert mt.format_number(Fraction(1500), "$1,200") == "$1,500"
    assert mt.format_number(Fraction(9), "$144.00") == "$9.00"
    assert mt.format_number(Fraction(720), "0.2") == "720"
    assert mt.format_number(Fraction(30), "25%") == "30%"
    assert mt.format_number(Fraction(1, 3), "2") is None
