"""A gold worked solution as a reference trace (GSM8K form here; LaTeX in `latex_steps`).

GSM8K marks every calculation with a calculator annotation, `48/2 = <<48/2=24>>24`. The trace
keeps what a reader sees, `48/2 = 24`; when the text does not already write the expression
before the annotation (`earned $<<12*5=60>>60`), the expression is written out
(`earned 12*5 = $60`) so that every computed number is shown with its derivation. The
`#### N` answer line is dropped: the answer is what the last step reaches.
"""

from __future__ import annotations

import re

from groupbuild.errors import StageReject
from groupbuild.schema import Trace
from groupbuild.text.math.latex import is_latex
from groupbuild.text.math.latex_steps import latex_solution_to_trace

_ANNOTATION = re.compile(r"(?P<cur>[$€£]\s?)?<<(?P<expr>[^<>=]*)=(?P<value>[^<>]*)>>")
_ANSWER_LINE = re.compile(r"^\s*####")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_HAS_OPERATOR = re.compile(r"\d\s*[-+*/x×÷^]\s*[\d.(]|\)")


def _rewrite_line(line: str) -> str:
    def replace(match: re.Match[str]) -> str:
        expr = match.group("expr").strip()
        currency = (match.group("cur") or "").strip()
        before = line[: match.start()].rstrip()
        written = before.endswith("=")
        if written or not _HAS_OPERATOR.search(expr) or expr[:1] in "+-*/":
            return currency
        return f"{expr} = {currency}"

    return _SPACE.sub(" ", _ANNOTATION.sub(replace, line)).strip()


def solution_to_trace(solution: str) -> Trace:
    """The reference trace of a worked solution; rejects one that cannot be read.

    A LaTeX solution (MATH form, answer in `\\boxed{}`) is split into sentences and display
    math (`text.math.latex_steps`); a GSM8K-form one line by line, as described above.
    """
    if is_latex(solution):
        return latex_solution_to_trace(solution)
    steps: list[str] = []
    for line in solution.splitlines():
        if _ANSWER_LINE.match(line):
            continue
        step = _rewrite_line(line)
        if "<<" in step or ">>" in step:
            raise StageReject("unparseable_solution", f"malformed calculator annotation: {line!r}")
        if step:
            steps.append(step)
    if not steps:
        raise StageReject("unparseable_solution", "the solution has no steps")
    return Trace(steps=tuple(steps))
