"""Where the numbers of a LaTeX trace come from, and how a changed value flows on.

A number written in a step is a *result* when it sits in the last segment of an `=` chain
(`$x=5$`, `$3\\cdot 4=\\boxed{12}$`), else an *operand* (used, stated in prose). An operand is
grounded when the problem states it, an earlier step writes it, it is a small or common
constant, or the same step derives it; otherwise it dangles, which is what a dropped
derivation leaves behind. `carry` rewrites later steps after one value changed, re-evaluating
their equations so the trace stays consistent with the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from groupbuild.text.math.grounding import problem_values
from groupbuild.text.math.latex_eval import (
    NUMBER,
    agree,
    bare_integer,
    chains,
    claims,
    refutes,
    relation,
    value_of,
)

COMMON = frozenset({0, 1, 2, 10, 100, 180, 360})
"""Values any solution may write without deriving them."""
AMBIGUOUS = frozenset({*range(0, 13), 24, 30, 45, 60, 90, 100, 180, 360, 1000})
"""Values too common to tell one use from another: a change to one of them is not carried."""


@dataclass(frozen=True)
class Number:
    start: int
    end: int
    value: float
    result: bool


def _value(text: str) -> float:
    return float(re.sub(r"\{,\}|,\\!|,", "", text))


@lru_cache(maxsize=8192)
def numbers(text: str) -> tuple[Number, ...]:
    """Every number written in a step, with whether it is a chain's result."""
    results = [(seg.start, seg.end) for chain in chains(text) for seg in chain[-1:]]
    out = []
    for m in NUMBER.finditer(text):
        is_result = any(a <= m.start() and m.end() <= b for a, b in results)
        out.append(Number(m.start(), m.end(), _value(m.group()), is_result))
    return tuple(out)


@lru_cache(maxsize=512)
def given(problem: str) -> frozenset[float]:
    """The values a problem states (digits, number words, LaTeX numbers)."""
    found = {float(v) for v in problem_values(problem)}
    found |= {n.value for n in numbers(problem)}
    return frozenset(found)


def known(value: float, problem: str) -> bool:
    return value in COMMON or value in given(problem)


def ambiguous(value: float, problem: str) -> bool:
    return value in AMBIGUOUS or value in given(problem)


def computed_on_nothing(steps: tuple[str, ...], problem: str) -> list[tuple[int, float]]:
    """The dangling numbers a numeric computation is built on (an operand of one of its
    equalities, not its result): worse than a number merely mentioned."""
    out = []
    for j, value in dangling(steps, problem):
        text = steps[j]
        operands = {
            n.value
            for eq in claims(text)
            for seg in eq.segments[:-1]
            for n in numbers(text)
            if seg.start <= n.start and n.end <= seg.end
        }
        if value in operands:
            out.append((j, value))
    return out


@lru_cache(maxsize=8192)
def derived(text: str) -> frozenset[float]:
    """Values a step's own equalities derive: every number of a segment that a holding link
    equates to the segment before it (`(7-3)^2 = 16`, `2(x^2-6x)+3 = 2(x-3)^2 - 15`), the
    chain's results included. A chain shows how such a number is obtained, so it neither
    dangles nor is merely asserted."""
    out: set[float] = set()
    if refutes(text):
        return frozenset()
    found = numbers(text)
    for chain in chains(text):
        for a, b in pairwise(chain):
            if relation(a.text, b.text):
                out |= {n.value for n in found if b.start <= n.start and n.end <= b.end}
    return frozenset(out)


def dangling(steps: tuple[str, ...], problem: str) -> list[tuple[int, float]]:
    """(step, value) of operands neither given, common, written earlier nor derived there."""
    seen: set[float] = set()
    out: list[tuple[int, float]] = []
    for j, text in enumerate(steps):
        found = numbers(text)
        shown = {n.value for n in found if n.result} | derived(text)
        for n in found:
            if n.result or n.value in seen or n.value in shown or known(n.value, problem):
                continue
            out.append((j, n.value))
        seen |= {n.value for n in found}
    return out


def asserted(steps: tuple[str, ...], problem: str) -> list[tuple[int, float]]:
    """(step, value) of results stated with no computation behind them: a number first
    written as the result of an equality whose step holds no numeric equation giving it."""
    seen: set[float] = set()
    out: list[tuple[int, float]] = []
    for j, text in enumerate(steps):
        computed = {round(eq.value.real, 9) for eq in claims(text) if eq.holds}
        shown = {round(v, 9) for v in derived(text)}
        for n in numbers(text):
            fresh = n.value not in seen and not known(n.value, problem)
            if n.result and fresh and round(n.value, 9) not in computed | shown:
                out.append((j, n.value))
        seen |= {n.value for n in numbers(text)}
    return out


def values_before(steps: tuple[str, ...], j: int) -> set[float]:
    return {n.value for s in steps[:j] for n in numbers(s)}


def replace_numbers(text: str, old: float, new: int) -> str:
    """`text` with every written `old` (an integer) replaced by `new`."""
    out, pos = [], 0
    for n in numbers(text):
        if n.value == old:
            out.append(text[pos : n.start])
            out.append(str(new))
            pos = n.end
    out.append(text[pos:])
    return "".join(out)


def rewrite_segment(text: str, start: int, end: int, new: int) -> str | None:
    """The segment `text[start:end]`, a bare (maybe boxed) integer, written as `new`."""
    inner = [n for n in numbers(text) if start <= n.start and n.end <= end]
    if len(inner) != 1 or bare_integer(text[start:end]) is None:
        return None
    n = inner[0]
    lead = text[start : n.start]
    digits = str(abs(new))
    if new < 0 and "-" not in lead:
        digits = f"-{digits}"
    elif new >= 0 and lead.rstrip().endswith("-"):
        cut = lead.rstrip()[:-1]
        return text[:start] + cut + lead[len(lead.rstrip()) :] + digits + text[n.end :]
    return text[: n.start] + digits + text[n.end :]


def settle(text: str) -> tuple[str, dict[float, int]] | None:
    """Re-evaluate a step's false equations, rewriting their results (integers, fractions); the
    integer changes made, or None when some false equation cannot be put right that way."""
    changes: dict[float, int] = {}
    for _ in range(6):
        bad = next((eq for eq in claims(text) if not eq.holds), None)
        if bad is None:
            return text, changes
        first = value_of(bad.segments[0].text)
        if first is None or not first.is_Rational:
            return None
        for seg in reversed(bad.segments[1:]):
            if agree(first, value_of(seg.text), bad.segments[0].text, seg.text):
                continue
            old = bare_integer(seg.text)
            if old is not None and first.q == 1:
                rewritten = rewrite_segment(text, seg.start, seg.end, int(first.p))
                if rewritten is not None:
                    changes[float(old)] = int(first.p)
            else:
                rewritten = rewrite_fraction(text, seg.start, seg.end, int(first.p), int(first.q))
            if rewritten is None:
                return None
            text = rewritten
    return None


_FRACTION = re.compile(
    r"^(?P<lead>\s*(?:\\boxed\s*\{)?\s*)(?P<body>-?\s*(?:\\[dt]?frac\{\d+\}\{\d+\}|\d+))"
    r"(?P<tail>\s*\}?[\s.,;]*)$"
)


def rewritable(segment: str) -> bool:
    """Whether `settle` can write a new value into this segment (an integer or a fraction)."""
    return _FRACTION.match(segment) is not None


def rewrite_fraction(text: str, start: int, end: int, p: int, q: int) -> str | None:
    """The segment `text[start:end]`, an integer or a `\\frac{a}{b}` (maybe boxed or signed),
    written as the rational p/q in the same style."""
    m = _FRACTION.match(text[start:end])
    if m is None:
        return None
    command = re.search(r"\\[dt]?frac", m.group("body"))
    frac = command.group() if command else "\\frac"
    sign = "-" if p < 0 else ""
    body = f"{sign}{abs(p)}" if q == 1 else f"{sign}{frac}{{{abs(p)}}}{{{q}}}"
    return text[:start] + m.group("lead") + body + m.group("tail") + text[end:]


def carry(
    steps: list[str], start: int, changes: dict[float, int], problem: str
) -> tuple[list[str], list[int]] | None:
    """Carry changed values through `steps[start:]`; the new steps and those rewritten, or
    None when a changed value is ambiguous (a given or small number) or cannot follow."""
    out = list(steps)
    touched: list[int] = []
    current = dict(changes)
    for j in range(start, len(out)):
        if not current:
            break
        text = out[j]
        for old, new in current.items():
            if any(n.value == old for n in numbers(text)):
                if ambiguous(old, problem) or old < 0 or new < 0:
                    return None
                text = replace_numbers(text, old, new)
        if text == out[j]:
            continue
        settled = settle(text)
        if settled is None:
            return None
        text, more = settled
        current.update(more)
        out[j] = text
        touched.append(j)
    return out, touched


_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")
_LETTER = re.compile(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z])")
_DEFINES = re.compile(r"\b(?:let|where|suppose|denote|call|define|say|set)\b", re.I)


@lru_cache(maxsize=8192)
def symbols(text: str) -> tuple[str, ...]:
    """The one-letter variables a step's math writes, in order (commands and text removed)."""
    from groupbuild.text.math.latex import math_spans

    found: list[str] = []
    for span in math_spans(text):
        inner = re.sub(
            r"\\(?:text|mbox|mathrm|textbf)\{[^{}]*\}", " ", text[span.inner_start : span.inner_end]
        )
        for m in _LETTER.finditer(_COMMAND.sub(" ", inner)):
            if m.group() not in found:
                found.append(m.group())
    return tuple(found)


@lru_cache(maxsize=512)
def problem_symbols(problem: str) -> frozenset[str]:
    return frozenset(symbols(problem))


def first_uses(steps: tuple[str, ...], problem: str) -> dict[str, int]:
    """For each variable the problem does not name, the step that writes it first."""
    named = problem_symbols(problem)
    first: dict[str, int] = {}
    for j, text in enumerate(steps):
        for name in symbols(text):
            if name not in named:
                first.setdefault(name, j)
    return first


def undefined_symbols(steps: tuple[str, ...], problem: str) -> list[tuple[int, str]]:
    """Variables first written where nothing introduces them: not by "let/where/suppose...",
    not as the left side of an equality (`$x = ...$`)."""
    out = []
    for name, j in first_uses(steps, problem).items():
        text = steps[j]
        heads = {c[0].text.strip() for c in chains(text)}
        if name in heads or _DEFINES.search(text):
            continue
        out.append((j, name))
    return sorted(out)
