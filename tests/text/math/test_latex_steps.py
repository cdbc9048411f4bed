"""LaTeX solutions (MATH form) become balanced reasoning steps: sentences and display math."""

from __future__ import annotations

import json

import pytest
from paths import SHARED_DATA

from groupbuild.errors import StageReject
from groupbuild.text.math.gold import solution_to_trace
from groupbuild.text.math.latex import balanced, boxed_spans, is_latex, last_boxed, math_spans
from groupbuild.text.math.latex_steps import latex_solution_to_trace, split_solution

MATH = SHARED_DATA / "math" / "train.jsonl"


def test_steps_end_at_sentences_never_inside_math() -> None:
    solution = (
        "We have $x = 2.5$ and\n$y = 3.$ Then \\[x + y = 5.5.\\] So the answer is $\\boxed{5.5}$."
    )
    steps = split_solution(solution)
    assert steps == [
        "We have $x = 2.5$ and $y = 3.$ Then \\[x + y = 5.5.\\]",
        "So the answer is $\\boxed{5.5}$.",
    ]
    assert all(balanced(s) for s in steps)


def test_source_lines_are_wraps_not_steps() -> None:
    solution = "The sum of the\nfirst two terms is $1+2=3$.\nSo the answer\nis $\\boxed{3}$."
    assert split_solution(solution) == [
        "The sum of the first two terms is $1+2=3$.",
        "So the answer is $\\boxed{3}$.",
    ]


def test_environments_and_display_math_stay_whole() -> None:
    solution = (
        "Subtracting gives \\begin{align*} 2x &= 10. \\\\ x &= 5. \\end{align*} "
        "Hence $x=\\boxed{5}$."
    )
    steps = split_solution(solution)
    assert steps[0].startswith("Subtracting gives \\begin{align*}")
    assert steps[0].endswith("\\end{align*}")
    assert steps[-1] == "Hence $x=\\boxed{5}$."


def test_drawings_are_not_reasoning() -> None:
    solution = '[asy]\ndraw((0,0)--(1,1));\nlabel("$A$",(0,0));\n[/asy]\nThe area is $\\boxed{4}$.'
    assert split_solution(solution) == ["The area is $\\boxed{4}$."]


def test_boxed_answers_keep_nested_braces() -> None:
    text = "So $x = \\boxed{\\frac{1}{2}}$ and then $\\boxed{\\sqrt{\\frac{3}{4}}}$."
    assert last_boxed(text) == "\\sqrt{\\frac{3}{4}}"
    assert len(boxed_spans(text)) == 2
    assert is_latex(text) and not is_latex("She pays $5 for 2 apples.")


def test_unbalanced_latex_is_caught() -> None:
    assert not balanced("so we get 153$.")
    assert not balanced("$\\frac{1}{2$")
    assert balanced("costs \\$5 and $x^{2}$")
    assert [(s.start, s.end) for s in math_spans("a $b$ c $$d$$")] == [(2, 5), (8, 13)]


def test_a_solution_without_steps_is_rejected() -> None:
    with pytest.raises(StageReject) as caught:
        latex_solution_to_trace("[asy]draw((0,0));[/asy]\n")
    assert caught.value.reason == "unparseable_solution"
    with pytest.raises(StageReject) as caught:
        latex_solution_to_trace("The answer is $\\boxed{153}.")
    assert caught.value.reason == "unbalanced_latex"


@pytest.mark.skipif(not MATH.exists(), reason=f"MATH train not found at {MATH}")
def test_real_solutions_split_into_balanced_steps_without_drawings() -> None:
    rows = [json.loads(line) for _, line in zip(range(300), MATH.open(), strict=False)]
    traces = []
    for row in rows:
        try:
            traces.append(solution_to_trace(row["solution"]))
        except StageReject:
            continue
    assert len(traces) >= 0.98 * len(rows)
    steps = [s for t in traces for s in t.steps]
    assert all(balanced(s) and "[asy]" not in s for s in steps)
    assert sum(len(t.steps) > 1 for t in traces) >= 0.75 * len(traces)
