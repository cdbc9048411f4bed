"""Equations in a step (`a = b = c`), judged true or false under the written precision."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from groupbuild.text.math.expressions import evaluate
from groupbuild.text.math.numerals import tolerance
from groupbuild.text.math.tokens import Tok, tokenize


@dataclass(frozen=True)
class Equation:
    """`seg0 = seg1 = ...`; each segment is a half-open range of token indices."""

    segments: tuple[tuple[int, int], ...]
    holds: bool
    value: Fraction
    """The value the chain reaches (the first segment under the reading that makes it hold)."""
    percent_div: tuple[bool, ...]
    """Per segment: whether its `%` numbers were read as /100 (the reading that holds)."""

    @property
    def result(self) -> tuple[int, int]:
        return self.segments[-1]

    def operands(self) -> tuple[int, ...]:
        """Token indices of the numbers in every segment but the last."""
        return tuple(i for lo, hi in self.segments[:-1] for i in range(lo, hi))


@dataclass(frozen=True)
class Step:
    """A parsed step: its tokens, the indices of its numbers, its equations."""

    text: str
    tokens: tuple[Tok, ...]
    nums: tuple[int, ...]
    equations: tuple[Equation, ...]

    def result_tokens(self) -> set[int]:
        """Token indices that are the bare-number results of an equation."""
        found = (bare(self.tokens, *eq.result) for eq in self.equations)
        return {i for i in found if i is not None}


def bare(tokens: tuple[Tok, ...], lo: int, hi: int) -> int | None:
    """The index of the one number a segment consists of (units aside), else None."""
    found = None
    for i in range(lo, hi):
        kind = tokens[i].kind
        if kind == "num" and found is None:
            found = i
        elif kind != "unit":
            return None
    return found


class _Values:
    """Segment values of one step, computed once (an equation is judged under two readings)."""

    def __init__(self, tokens: tuple[Tok, ...]) -> None:
        self.tokens = tokens
        self.memo: dict[tuple[int, int, bool], Fraction | None] = {}

    def get(self, lo: int, hi: int, pdiv: bool = True) -> Fraction | None:
        key = (lo, hi, pdiv)
        if key not in self.memo:
            try:
                self.memo[key] = evaluate(self.tokens, lo, hi, percent_div=pdiv)
            except (ValueError, ZeroDivisionError, OverflowError):
                self.memo[key] = None
        return self.memo[key]


def _runs(tokens: tuple[Tok, ...]) -> list[tuple[int, int]]:
    """Maximal stretches of arithmetic tokens (anything but a break) that contain `=`."""
    runs, start = [], 0
    for i in range(len(tokens) + 1):
        if i == len(tokens) or tokens[i].kind == "brk":
            if any(t.kind == "eq" for t in tokens[start:i]):
                runs.append((start, i))
            start = i + 1
    return runs


def _equations_in_run(tokens: tuple[Tok, ...], lo: int, hi: int) -> list[Equation]:
    values = _Values(tokens)
    cuts = [i for i in range(lo, hi) if tokens[i].kind == "eq"]
    bounds = [lo, *cuts, hi]
    pieces = [(bounds[k] + (k > 0), bounds[k + 1]) for k in range(len(bounds) - 1)]
    first_lo, first_hi = pieces[0]
    start = first_lo
    while start < first_hi and values.get(start, first_hi) is None:
        start += 1
    if start > first_lo and tokens[start - 1].kind == "op":
        return []
    if start == lo and lo > 0 and tokens[lo].kind == "op":
        return []
    pieces[0] = (start, first_hi)
    last_lo, last_hi = pieces[-1]
    end = last_hi
    while end > last_lo and values.get(last_lo, end) is None:
        end -= 1
    pieces[-1] = (last_lo, end)
    segments = tuple(p for p in pieces if p[1] > p[0])
    if len(segments) < 2 or any(values.get(a, b) is None for a, b in segments):
        return []
    if bare(tokens, *segments[0]) is not None:
        return []
    return [_judge(tokens, segments, values)]


def _judge(
    tokens: tuple[Tok, ...], segments: tuple[tuple[int, int], ...], values: _Values
) -> Equation:
    """Does some reading of `%` make every segment agree (within the written precision)?"""
    has_pct = [any(tokens[i].percent for i in range(a, b)) for a, b in segments]
    readings = [(True, False) if p else (True,) for p in has_pct]
    first = segments[0]
    for first_div in readings[0]:
        target = values.get(*first, first_div)
        if target is None:
            continue
        chosen = [first_div]
        for (a, b), options in zip(segments[1:], readings[1:], strict=True):
            match = next((d for d in options if _agree(values, a, b, target, d)), None)
            if match is None:
                break
            chosen.append(match)
        else:
            return Equation(segments, True, target, tuple(chosen))
    target = values.get(*first)
    assert target is not None
    literal = tuple(k > 0 and has_pct[k] and not has_pct[0] for k in range(len(segments)))
    return Equation(segments, False, target, tuple(not lit for lit in literal))


def _agree(values: _Values, a: int, b: int, target: Fraction, pdiv: bool) -> bool:
    value = values.get(a, b, pdiv)
    if value is None:
        return False
    single = bare(values.tokens, a, b)
    tol = tolerance(values.tokens[single].text) if single is not None else Fraction(0)
    return abs(value - target) <= tol


@lru_cache(maxsize=4096)
def parse_step(text: str) -> Step:
    """Tokens and equations of one step (cached: perturbed traces share most steps)."""
    tokens = tokenize(text)
    equations: list[Equation] = []
    for lo, hi in _runs(tokens):
        equations.extend(_equations_in_run(tokens, lo, hi))
    nums = tuple(i for i, t in enumerate(tokens) if t.kind == "num")
    return Step(text, tokens, nums, tuple(equations))


def replace_tokens(step: Step, new_text: dict[int, str]) -> str:
    """The step text with the tokens at the given indices replaced, everything else kept."""
    out, pos = [], 0
    for i in sorted(new_text):
        tok = step.tokens[i]
        out.append(step.text[pos : tok.start])
        out.append(new_text[i])
        pos = tok.end
    out.append(step.text[pos:])
    return "".join(out)
