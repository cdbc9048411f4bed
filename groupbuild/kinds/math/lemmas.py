"""Wrong lemma (M7): a bank of plausible false identities, each keyed to a pattern it fits.

A finder looks at one true equation of a step and proposes the step rewritten with a false
identity applied (`20% of 50` computed as `50 / 20`, a dozen taken as 10, a mean divided by
n - 1, parentheses dropped). The identity rides along as evidence in variables (`lhs`, `rhs`,
`bindings`) so the proof can show it false at random points instead of trusting the label.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from groupbuild.kinds.evidence import LemmaUse
from groupbuild.kinds.math import latex_lemmas as ll
from groupbuild.kinds.math.case import LatexForm, MathCase, MathKind, operands
from groupbuild.kinds.math.edits import Context, apply_change, by_position, changes_in
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt


@dataclass(frozen=True)
class Lemma:
    """A step rewritten with a false identity, and that identity."""

    name: str
    text: str
    identity: str
    lhs: str
    rhs: str
    bindings: dict[str, Fraction] = field(default_factory=dict)

    def evidence(self) -> LemmaUse:
        return LemmaUse(
            lemma=self.name,
            identity=self.identity,
            lhs=self.lhs,
            rhs=self.rhs,
            bindings={k: mt.canonical(v) for k, v in self.bindings.items()},
        )


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


def wrong_lemma(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M7: a step applies a plausible false identity from a bank keyed to its pattern."""
    ctx = Context.of(seed, reference)
    found: list[tuple[int, mt.Step, Lemma]] = []
    for j, step, eq, _ in ctx.sites():
        constants = frozenset(q.token for q in ctx.flow[j] if q.source == "constant")
        for finder in LEMMA_FINDERS:
            found.extend((j, step, lemma) for lemma in finder(step, eq, constants))
    for j, step, lemma in by_position(found, len(ctx.steps), rng):
        redone = mt.recompute_step(lemma.text, {}, None, ctx.ambiguous, reevaluate=True)
        if redone is None:
            continue
        evidence = lemma.evidence()
        edit = apply_change(ctx, j, redone[0], changes_in(step, redone[0]), evidence)
        if edit is not None:
            return edit
    return None


_VARIABLE = re.compile(r"\b[a-z]\b")


def identity_is_false(lhs: str, rhs: str, rng: random.Random, points: int = 6) -> bool:
    """True when `lhs` and `rhs` differ at some random rational point of their variables."""
    names = sorted(set(_VARIABLE.findall(lhs + " " + rhs)))
    for _ in range(points):
        env = {n: Fraction(rng.randint(2, 97), rng.choice((1, 2, 4))) for n in names}
        try:
            if mt.evaluate_text(lhs, env) != mt.evaluate_text(rhs, env):
                return True
        except (ValueError, ZeroDivisionError):
            continue
    return False


def prove_wrong_lemma(c: MathCase) -> str | None:
    assert isinstance(c.evidence, LemmaUse)
    lhs, rhs = c.evidence.lhs, c.evidence.rhs
    if not lhs or not rhs:
        return "no_identity"
    try:
        false = identity_is_false(lhs, rhs, random.Random(f"{lhs}={rhs}"))
    except (ValueError, ZeroDivisionError):
        return "identity_unparseable"
    if not false:
        return "identity_not_false"
    pair = c.step_pair()
    if pair is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    env = {k: mt.parse_number(v) for k, v in c.evidence.bindings.items()}
    if any(v is None for v in env.values()):
        return "identity_unparseable"
    bound = {k: v for k, v in env.items() if v is not None}
    try:
        want_old, want_new = mt.evaluate_text(lhs, bound), mt.evaluate_text(rhs, bound)
    except (ValueError, ZeroDivisionError):
        return "identity_unparseable"
    before, after = pair
    old_vals = {e.value for e in before.equations} | set(operands(before))
    new_vals = {e.value for e in after.equations} | set(operands(after))
    if not (want_old in old_vals and want_new in new_vals):
        return "identity_not_applied"
    return c.answer_changed()


register(
    MathKind(Kind.WRONG_LEMMA, "M7", Signature.ANSWER, propagates=True, evidence=LemmaUse).define(
        wrong_lemma,
        prove_wrong_lemma,
        latex=LatexForm(ll.wrong_lemma, ll.prove_wrong_lemma),
    )
)
