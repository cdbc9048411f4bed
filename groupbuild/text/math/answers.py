"""What a trace concludes, recomputed from its own text: its answer and its false equations."""

from __future__ import annotations

from fractions import Fraction

from groupbuild.schema import Trace
from groupbuild.text.math import latex_eval
from groupbuild.text.math.equations import bare, parse_step
from groupbuild.text.math.latex import is_latex, last_boxed
from groupbuild.text.math.numerals import canonical, parse_number


def false_equations(trace: Trace | tuple[str, ...]) -> list[int]:
    """Indices of the steps holding at least one equation that does not hold (LaTeX steps:
    the numeric equalities sympy can evaluate)."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    if is_latex(steps):
        return latex_eval.false_steps(steps)
    return [j for j, s in enumerate(steps) if any(not e.holds for e in parse_step(s).equations)]


def count_false(trace: Trace | tuple[str, ...]) -> int:
    steps = trace.steps if isinstance(trace, Trace) else trace
    if is_latex(steps):
        return latex_eval.count_false(steps)
    return sum(not e.holds for s in steps for e in parse_step(s).equations)


def answer_value(trace: Trace | tuple[str, ...]) -> Fraction | None:
    """The value the trace ends on (see `trace_answer`)."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    for text in reversed(steps):
        step = parse_step(text)
        if step.equations:
            eq = step.equations[-1]
            single = bare(step.tokens, *eq.result)
            return eq.value if single is None else step.tokens[single].value
        if step.nums:
            return step.tokens[step.nums[-1]].value
    return None


def trace_answer(trace: Trace | tuple[str, ...]) -> str | None:
    """The final answer a trace reaches, recomputed from its own text.

    It is the result of the last equation of the last step that holds a number, as written
    (so a wrong but propagated value counts); when that step has no equation, its last number.
    None when the trace holds no number at all. A LaTeX trace states its answer: the content
    of its last `\\boxed{}`, as written.
    """
    steps = trace.steps if isinstance(trace, Trace) else trace
    if is_latex(steps):
        return last_boxed(steps)
    value = answer_value(trace)
    return None if value is None else canonical(value)


def same_value(a: str | None, b: str | None) -> bool:
    """Numeric equality of two answer strings (`1,080` equals `1080.0`)."""
    if a is None or b is None:
        return False
    x, y = parse_number(a), parse_number(b)
    return x is not None and x == y
