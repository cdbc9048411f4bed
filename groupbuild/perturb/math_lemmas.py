"""A bank of plausible false identities, each keyed to a pattern it can be applied to.

A finder looks at one true equation of a step and proposes the step rewritten with a false
identity applied (`20% of 50` computed as `50 / 20`, a dozen taken as 10, a mean divided by
n - 1, parentheses dropped). The identity rides along as evidence in variables (`lhs`, `rhs`,
`bindings`) so a checker can show it false at random points instead of trusting the label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from groupbuild import mathtext as mt


@dataclass(frozen=True)
class Lemma:
    """A step rewritten with a false identity, and that identity."""

    name: str
    text: str
    identity: str
    lhs: str
    rhs: str
    bindings: dict[str, Fraction] = field(default_factory=dict)

    def evidence(self) -> dict[str, object]:
        return {
            "lemma": self.name,
            "identity": self.identity,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "bindings": {k: mt.canonical(v) for k, v in self.bindings.items()},
        }


_FALSE_FACTS: tuple[tuple[int, str, int, str], ...] = (
    (60, "minute", 100, "1 hour = 100 minutes"),
    (60, "second", 100, "1 minute = 100 seconds"),
    (24, "hour", 12, "1 day = 12 hours"),
    (7, "day", 5, "1 week = 5 days"),
    (7, "week", 5, "1 week = 5 days"),
    (12, "dozen", 10, "1 dozen = 10"),
    (12, "month", 10, "1 year = 10 months"),
    (12, "inch", 10, "1 foot = 10 inches"),
    (52, "week", 48, "1 year = 48 weeks"),
    (365, "day", 360, "1 year = 360 days"),
    (16, "ounce", 10, "1 pound = 10 ounces"),
    (100, "cent", 10, "1 dollar = 10 cents"),
    (1000, "gram", 100, "1 kilogram = 100 grams"),
    (1000, "meter", 100, "1 kilometer = 100 meters"),
)


def _segment(step: mt.Step, eq: mt.Equation) -> list[mt.Tok]:
    return [t for t in step.tokens[slice(*eq.segments[0])] if t.kind != "unit"]


def _rewrite(step: mt.Step, eq: mt.Equation, new_lhs: str) -> str:
    lo, hi = eq.segments[0]
    return step.text[: step.tokens[lo].start] + new_lhs + step.text[step.tokens[hi - 1].end :]


def unit_fact(step: mt.Step, eq: mt.Equation, constants: frozenset[int]) -> list[Lemma]:
    """A conversion factor replaced by a plausible wrong one: 60 minutes taken as 100.

    Only numbers the trace takes from common knowledge (`constants`, token indices) qualify:
    a 60 stated by the problem is data, not a conversion.
    """
    lowered = step.text.lower()
    out = []
    for i in eq.operands():
        tok = step.tokens[i]
        if i not in constants:
            continue
        for true, word, wrong, identity in _FALSE_FACTS:
            if tok.kind == "num" and tok.value == true and word in lowered and not tok.percent:
                shown = mt.render(Fraction(wrong), tok.text)
                if shown is not None:
                    text = mt.replace_tokens(step, {i: shown})
                    out.append(Lemma("unit_fact", text, identity, str(true), str(wrong)))
    return out


_TIMES = frozenset("*xX×")


def percent_of(step: mt.Step, eq: mt.Equation, _constants: frozenset[int]) -> list[Lemma]:
    """`p% of x` computed as `x / p` (right only when p = 10)."""
    toks = _segment(step, eq)
    kinds = "".join("n" if t.kind == "num" else t.text for t in toks)
    x = p = None
    if kinds in ("n*n/n", "nxn/n", "n×n/n") and toks[4].value == 100:
        x, p = toks[0], toks[2]
    elif kinds in ("n/n*n", "n/nxn", "n/n×n") and toks[2].value == 100:
        x, p = toks[4], toks[0]
    elif len(toks) == 3 and toks[1].text in _TIMES and toks[0].percent != toks[2].percent:
        p, x = (toks[0], toks[2]) if toks[0].percent else (toks[2], toks[0])
    if x is None or p is None or p.value in (None, 0, 10) or x.value is None:
        return []
    p_text = p.text.rstrip("%").strip()
    lemma = Lemma(
        "percent_of",
        _rewrite(step, eq, f"{x.text} / {p_text}"),
        "p% of x = x / p",
        "x * p / 100",
        "x / p",
        {"x": x.value, "p": p.value},
    )
    return [lemma]


def mean_over_n_minus_one(
    step: mt.Step, eq: mt.Equation, _constants: frozenset[int]
) -> list[Lemma]:
    """The mean of n values taken as their sum divided by n - 1."""
    toks = _segment(step, eq)
    if len(toks) < 7 or toks[0].kind != "lp" or toks[-3].kind != "rp" or toks[-2].text not in "/÷":
        return []
    inner = toks[1:-3]
    if any(t.kind == "op" and t.text != "+" for t in inner) or any(
        t.kind in ("lp", "rp") for t in inner
    ):
        return []
    terms = [t for t in inner if t.kind == "num"]
    divisor = toks[-1]
    if divisor.value != len(terms) or len(terms) < 2 or any(t.value is None for t in terms):
        return []
    total = sum((t.value for t in terms if t.value is not None), Fraction(0))
    n = Fraction(len(terms))
    shown = mt.render(n - 1, divisor.text)
    if shown is None:
        return []
    i = step.tokens.index(divisor)
    lemma = Lemma(
        "mean_over_n_minus_one",
        mt.replace_tokens(step, {i: shown}),
        "mean of n values = sum / (n - 1)",
        "s / n",
        "s / (n - 1)",
        {"s": total, "n": n},
    )
    return [lemma]


_ASCII = {"x": "*", "X": "*", "×": "*", "÷": "/", "–": "-", "−": "-"}


def dropped_parentheses(step: mt.Step, eq: mt.Equation, _constants: frozenset[int]) -> list[Lemma]:
    """`(a + b) * c` computed as `a + b * c`: a product (or quotient) not distributed."""
    toks = _segment(step, eq)
    shape = "".join(
        "n" if t.kind == "num" else "(" if t.kind == "lp" else ")" if t.kind == "rp" else "o"
        for t in toks
    )
    if shape == "(non)on":
        a, op1, b, op2, c = toks[1], toks[2], toks[3], toks[5], toks[6]
        lhs_t, rhs_t = "(a {1} b) {2} c", "a {1} b {2} c"
        text = f"{a.text} {op1.text} {b.text} {op2.text} {c.text}"
    elif shape == "no(non)":
        c, op2, a, op1, b = toks[0], toks[1], toks[3], toks[4], toks[5]
        lhs_t, rhs_t = "c {2} (a {1} b)", "c {2} a {1} b"
        text = f"{c.text} {op2.text} {a.text} {op1.text} {b.text}"
    else:
        return []
    o1, o2 = _ASCII.get(op1.text, op1.text), _ASCII.get(op2.text, op2.text)
    if o1 not in "+-" or o2 not in "*/":
        return []
    if any(t.value is None for t in (a, b, c)):
        return []
    lhs, rhs = (
        lhs_t.replace("{1}", o1).replace("{2}", o2),
        rhs_t.replace("{1}", o1).replace("{2}", o2),
    )
    bindings = {"a": a.value, "b": b.value, "c": c.value}
    return [
        Lemma(
            "dropped_parentheses",
            _rewrite(step, eq, text),
            f"{lhs} = {rhs}",
            lhs,
            rhs,
            {k: v for k, v in bindings.items() if v is not None},
        )
    ]


LEMMA_FINDERS: tuple[Callable[[mt.Step, mt.Equation, frozenset[int]], list[Lemma]], ...] = (
    unit_fact,
    percent_of,
    mean_over_n_minus_one,
    dropped_parentheses,
)
