"""LaTeX equalities are judged with sympy; what cannot be read is skipped, never called false."""

from __future__ import annotations

import json

import pytest
from paths import SHARED_DATA

from groupbuild.text.math import latex_eval as le
from groupbuild.text.math import latex_flow as lf
from groupbuild.text.math.latex_steps import split_solution

MATH = SHARED_DATA / "math" / "train.jsonl"


def _holds(step: str) -> list[bool]:
    return [eq.holds for eq in le.equations(step)]


def test_numeric_chains_are_checked() -> None:
    assert _holds("So $a+b=-3+3=\\boxed{0}$.") == [True]
    assert _holds("So $a+b=-3+3=\\boxed{1}$.") == [False]
    assert _holds("We get $\\frac{1}{2}+\\frac{1}{3}=\\frac{5}{6}$ and $2^{10} = 1024$.") == [
        True,
        True,
    ]
    assert _holds("$\\binom{5}{2} = 10$, so $5! = 120$ and $3(7)-2 = 19$.") == [True, True, True]


def test_written_precision_and_thousands_groups() -> None:
    assert _holds("$\\frac{1}{3} = 0.33$") == [True]
    assert _holds("$\\frac{1}{3} = 0.35$") == [False]
    assert _holds("$1{,}000 + 1 = 1,\\!001$") == [True]


def test_what_cannot_be_read_is_skipped() -> None:
    assert le.equations("$x = 5$ and $f(2) = 7$") == ()
    assert le.equations("$6 \\& 3 = 27$ and $3*2 = 11$") == ()
    assert le.equations("$2^{2^{100}} = 4$") == ()
    assert le.claims("Then $0 = 8$, which has no solutions.") == ()


def test_identities_and_solutions() -> None:
    assert le.relation("(x-6)^2", "x^2-12x+36") is True
    assert le.relation("(x-6)^2", "x^2-12x+30") is False
    assert le.relation("x+2", "5") is False
    assert le.satisfied("7q", "-7", "q", le.value_of("-1")) is True
    assert le.satisfied("7q", "-7", "q", le.value_of("-2")) is False


def test_settling_rewrites_results_after_a_change() -> None:
    settled = lf.settle("so $3+5=\\boxed{7}$.")
    assert settled == ("so $3+5=\\boxed{8}$.", {7.0: 8})
    fraction = lf.settle("so $\\frac{1}{2}+\\frac{1}{4}=\\frac{1}{2}$.")
    assert fraction is not None and fraction[0] == "so $\\frac{1}{2}+\\frac{1}{4}=\\frac{3}{4}$."


def test_numbers_used_without_a_source_dangle() -> None:
    problem = "Multiply 3 by 17, then add 4."
    steps = ("We have $3 \\cdot 17 = 51$.", "So $51 + 4 = 55$.")
    assert lf.dangling(steps, problem) == []
    assert lf.dangling(steps[1:], problem) == [(0, 51.0)]


def test_numbers_a_holding_link_derives_neither_dangle_nor_are_asserted() -> None:
    problem = "Find the distance from $(2,1)$ to $(7,13)$ and complete the square in $2x^2-8x+3$."
    steps = (
        "The distance is $\\sqrt{(7-2)^2+(13-1)^2} = \\sqrt{25+144} = \\sqrt{169}$.",
        "Also $2x^2-8x+3 = 2(x-2)^2-5$.",
    )
    assert lf.dangling(steps, problem) == []
    assert lf.asserted(steps, problem) == []
    assert lf.derived(steps[0]) >= {25.0, 144.0, 169.0}
    # a link that does not hold derives nothing: its numbers still dangle
    wrong = ("The distance is $\\sqrt{(7-2)^2+(13-1)^2} = \\sqrt{26+144} = \\sqrt{170}$.",)
    assert (0, 26.0) in lf.dangling(wrong, problem)


@pytest.mark.skipif(not MATH.exists(), reason=f"MATH train not found at {MATH}")
def test_gold_solutions_hold_almost_everywhere() -> None:
    rows = [json.loads(line) for _, line in zip(range(400), MATH.open(), strict=False)]
    steps = [s for row in rows for s in split_solution(row["solution"])]
    checked = [eq for s in steps for eq in le.claims(s)]
    assert len(checked) >= 200
    assert sum(not eq.holds for eq in checked) <= 2
