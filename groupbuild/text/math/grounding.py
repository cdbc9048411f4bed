"""Where each number of a trace comes from: the problem, common knowledge, an earlier step,
or nowhere (a dangling quantity)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from groupbuild.schema import Trace
from groupbuild.text.math.equations import parse_step
from groupbuild.text.math.numerals import parse_number
from groupbuild.text.math.tokens import TOKEN
from groupbuild.text.math.units import constants_for

_WORD_VALUES: dict[str, tuple[int | Fraction, ...]] = {
    "one": (1,),
    "two": (2,),
    "three": (3,),
    "four": (4,),
    "five": (5,),
    "six": (6,),
    "seven": (7,),
    "eight": (8,),
    "nine": (9,),
    "ten": (10,),
    "eleven": (11,),
    "twelve": (12,),
    "thirteen": (13,),
    "fourteen": (14,),
    "fifteen": (15,),
    "sixteen": (16,),
    "seventeen": (17,),
    "eighteen": (18,),
    "nineteen": (19,),
    "twenty": (20,),
    "thirty": (30,),
    "forty": (40,),
    "fifty": (50,),
    "sixty": (60,),
    "seventy": (70,),
    "eighty": (80,),
    "ninety": (90,),
    "hundred": (100,),
    "thousand": (1000,),
    "million": (10**6,),
    "billion": (10**9,),
    "half": (2, Fraction(1, 2)),
    "halves": (2,),
    "twice": (2,),
    "double": (2,),
    "doubles": (2,),
    "pair": (2,),
    "pairs": (2,),
    "couple": (2,),
    "both": (2,),
    "triple": (3,),
    "thrice": (3,),
    "third": (3, Fraction(1, 3)),
    "thirds": (3,),
    "quarter": (4, Fraction(1, 4)),
    "quarters": (4,),
    "fourth": (4,),
    "fifth": (5,),
    "sixth": (6,),
    "seventh": (7,),
    "eighth": (8,),
    "ninth": (9,),
    "tenth": (10,),
    "dozen": (12,),
    "dozens": (12,),
    "quadruple": (4,),
    "score": (20,),
}


@lru_cache(maxsize=256)
def problem_values(problem: str) -> frozenset[Fraction]:
    """Every number a problem states: digits, `%` as both 45 and 0.45, number words."""
    values: set[Fraction] = set()
    for m in TOKEN.finditer(problem):
        if m.lastgroup == "num" and (value := parse_number(m.group())) is not None:
            values.add(value)
            if m.group("pct"):
                values.add(value / 100)
    lowered = problem.lower()
    for word in re.findall(r"[a-z]+", lowered):
        for word_value in _WORD_VALUES.get(word, ()):
            values.add(Fraction(word_value))
    if "percent" in lowered:
        values.update([v / 100 for v in values])
    if "and a half" in lowered:
        values.update([v + Fraction(1, 2) for v in values if v.denominator == 1])
    return frozenset(values)


@dataclass(frozen=True)
class Quantity:
    """A number written in a step and where it comes from."""

    step: int
    token: int
    value: Fraction
    text: str
    role: str
    """`operand` (used in an equation), `mention` (prose), or `result` (an equation's value)."""
    source: str
    """`derived`, `problem`, `constant`, `result`, or `dangling`."""
    origin: int | None = None
    """For `derived`: the step that derived the value."""


@lru_cache(maxsize=256)
def analyze(steps: tuple[str, ...], problem: str) -> tuple[tuple[Quantity, ...], ...]:
    """Per step, every number with its role and its source (the trace's dataflow)."""
    given = problem_values(problem)
    consts = constants_for(problem, steps)
    derived: dict[Fraction, int] = {}
    out: list[tuple[Quantity, ...]] = []
    for j, text in enumerate(steps):
        step = parse_step(text)
        results = step.result_tokens()
        roles: dict[int, str] = {}
        for eq in step.equations:
            for lo, hi in eq.segments[1:-1]:
                roles.update({i: "chain" for i in range(lo, hi)})
            roles.update({i: "operand" for i in range(*eq.segments[0])})
        quantities: list[Quantity] = []
        step_results = {eq.value for eq in step.equations}
        step_results.update(v for i in results if (v := step.tokens[i].value) is not None)
        pending: list[tuple[int, Fraction]] = []
        for i in step.nums:
            tok = step.tokens[i]
            value = tok.value
            assert value is not None
            while pending and pending[0][0] < i:
                derived[pending.pop(0)[1]] = j
            if i in results:
                quantities.append(Quantity(j, i, value, tok.text, "result", "result", j))
                pending.append((i, value))
                continue
            role = roles.get(i, "mention")
            source, origin = _ground(value, tok.percent, derived, given, consts)
            if role == "chain" or (
                source == "dangling" and role == "mention" and value in step_results
            ):
                source, origin = "derived", j
            quantities.append(Quantity(j, i, value, tok.text, role, source, origin))
        for _, value in pending:
            derived[value] = j
        for eq in step.equations:
            derived.setdefault(eq.value, j)
        out.append(tuple(quantities))
    return tuple(out)


def _ground(
    value: Fraction,
    percent: bool,
    derived: dict[Fraction, int],
    given: frozenset[Fraction],
    consts: frozenset[Fraction],
) -> tuple[str, int | None]:
    if value in derived:
        return "derived", derived[value]
    if value in given or (percent and value / 100 in given):
        return "problem", None
    if value in consts:
        return "constant", None
    return "dangling", None


def dangling_quantities(trace: Trace | tuple[str, ...], problem: str) -> list[Quantity]:
    """Numbers a step uses that are neither given, common knowledge, nor derived before."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    return [q for qs in analyze(steps, problem) for q in qs if q.source == "dangling"]
