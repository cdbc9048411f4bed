"""The calculator-annotation evaluator is exact, and refuses anything but arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from groupbuild.seeds.arith import (
    ArithError,
    annotations,
    close,
    evaluate,
    normalize_number,
    rounds_to,
)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("1/3*3", Fraction(1)),
        ("0.1+0.2", Fraction(3, 10)),
        ("2**10", Fraction(1024)),
        ("-4.5+12", Fraction(15, 2)),
        ("7//2", Fraction(3)),
        ("17%5", Fraction(2)),
        ("1,200*3", Fraction(3600)),
        ("$5*2", Fraction(10)),
        ("16**0.5", Fraction(4)),
    ],
)
def test_expressions_evaluate_exactly(expr: str, value: Fraction) -> None:
    assert evaluate(expr) == value


@pytest.mark.parametrize(
    "expr",
    ["__import__('os')", "x*2", "abs(-3)", "(1).real", "[1][0]", "2**1000", "1/0", "", "3 <"],
)
def test_anything_but_arithmetic_is_refused(expr: str) -> None:
    with pytest.raises(ArithError):
        evaluate(expr)


def test_annotations_are_found_in_order_with_their_values() -> None:
    text = "He pays 2*3=<<2*3=6>>6 and then <<6+1=7>>7, and <<oops>>."
    found = [(a.expr, a.value) for a in annotations(text)]
    assert found == [("2*3", "6"), ("6+1", "7"), ("oops", "")]


def test_rounding_to_the_shown_decimals_is_told_from_an_error() -> None:
    third = Fraction(10, 3)
    assert rounds_to(third, "3.33") and rounds_to(third, "3")
    assert not rounds_to(third, "3.34") and not rounds_to(third, "4")


def test_closeness_is_relative_and_exact_numbers_match() -> None:
    assert close(Fraction(1_000_000), Fraction(1_000_000) + Fraction(1, 2))
    assert not close(Fraction(1), Fraction(1001, 1000))


def test_answers_are_normalized_to_plain_numbers() -> None:
    assert normalize_number(" $1,234.50 ") == "1234.50"
    assert normalize_number("-7") == "-7"
    with pytest.raises(ArithError):
        normalize_number("12 apples")
