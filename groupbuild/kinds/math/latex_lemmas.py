"""Wrong lemma (M7) in LaTeX: a bank of plausible false identities, each keyed to a pattern of
a competition computation (`\\binom{n}{k}` read as an ordered count, a hypotenuse as a sum, a
square of a sum as the sum of squares).

The identity travels as LaTeX templates with `<x>` placeholders; the proof instantiates them at
random points and evaluates both sides with sympy, so an identity that happens to hold is
caught, then checks that the reference step holds the left side and the candidate the right.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from groupbuild.kinds.evidence import LemmaUse
from groupbuild.kinds.math.latex_edits import LatexCase, LatexContext, apply_change
from groupbuild.kinds.registry import Edit
from groupbuild.schema import Seed, Trace
from groupbuild.text.math import latex_eval as le
from groupbuild.text.math import latex_flow as lf


@dataclass(frozen=True)
class LatexLemma:
    name: str
    pattern: re.Pattern[str]
    lhs: str
    rhs: str
    variables: tuple[str, ...]
    domain: tuple[int, int]
    """Random points are drawn from this range of integers."""

    def instance(self, side: str, bindings: dict[str, str]) -> str:
        for name, value in bindings.items():
            side = side.replace(f"<{name}>", value)
        return side


BANK = (
    LatexLemma(
        "binomial_as_permutation",
        re.compile(r"\\[dt]?binom\{(?P<n>\d+)\}\{(?P<k>\d+)\}"),
        "\\binom{<n>}{<k>}",
        "\\frac{<n>!}{(<n>-<k>)!}",
        ("n", "k"),
        (2, 9),
    ),
    LatexLemma(
        "hypotenuse_as_sum",
        re.compile(r"\\sqrt\{\s*(?P<a>\d+)\s*\^\s*\{?2\}?\s*\+\s*(?P<b>\d+)\s*\^\s*\{?2\}?\s*\}"),
        "\\sqrt{<a>^2+<b>^2}",
        "(<a>+<b>)",
        ("a", "b"),
        (1, 30),
    ),
    LatexLemma(
        "square_of_sum",
        re.compile(r"\((?P<a>\d+)\s*\+\s*(?P<b>\d+)\)\s*\^\s*\{?2\}?"),
        "(<a>+<b>)^2",
        "(<a>^2+<b>^2)",
        ("a", "b"),
        (1, 30),
    ),
)
_BY_NAME = {lemma.name: lemma for lemma in BANK}


def wrong_lemma(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M7: a step applies a false identity from the bank where its pattern appears."""
    ctx = LatexContext.of(seed, reference)
    found = []
    for j, eq, _value in ctx.sites():
        first = eq.segments[0]
        for lemma in BANK:
            for m in lemma.pattern.finditer(first.text):
                found.append((j, eq, lemma, m))
    rng.shuffle(found)
    for j, eq, lemma, m in found:
        bindings = {v: m.group(v) for v in lemma.variables}
        if lemma.name == "binomial_as_permutation" and not 2 <= int(bindings["k"]) < int(
            bindings["n"]
        ):
            continue
        text = ctx.steps[j]
        first = eq.segments[0]
        start, end = first.start + m.start(), first.start + m.end()
        edited = text[:start] + lemma.instance(lemma.rhs, bindings) + text[end:]
        settled = lf.settle(edited)
        if settled is None or not settled[1]:
            continue
        new_text, changes = settled
        pos = eq.result.end + len(new_text) - len(text)
        evidence = LemmaUse(
            lemma=lemma.name,
            identity=f"{lemma.lhs} = {lemma.rhs}",
            lhs=lemma.lhs,
            rhs=lemma.rhs,
            bindings=bindings,
        )
        edit = apply_change(ctx, j, new_text, pos, changes, evidence)
        if edit is not None:
            return edit
    return None


def identity_is_false(lemma: LatexLemma, rng: random.Random, points: int = 6) -> bool:
    """True when the two sides differ at some random integer point of the lemma's domain."""
    lo, hi = lemma.domain
    for _ in range(points):
        values = sorted(rng.randint(lo, hi) for _ in lemma.variables)[::-1]
        bindings = {v: str(x) for v, x in zip(lemma.variables, values, strict=True)}
        left = le.value_of(lemma.instance(lemma.lhs, bindings))
        right = le.value_of(lemma.instance(lemma.rhs, bindings))
        if left is not None and right is not None and not le.agree(left, right):
            return True
    return False


def prove_wrong_lemma(c: LatexCase) -> str | None:
    assert isinstance(c.evidence, LemmaUse)
    lemma = _BY_NAME.get(c.evidence.lemma)
    if lemma is None or (lemma.lhs, lemma.rhs) != (c.evidence.lhs, c.evidence.rhs):
        return "identity_not_in_bank"
    if not identity_is_false(lemma, random.Random(lemma.name)):
        return "identity_not_false"
    edited = c.edited_step()
    if edited is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    _, before, after = edited
    bindings = c.evidence.bindings
    lhs, rhs = lemma.instance(lemma.lhs, bindings), lemma.instance(lemma.rhs, bindings)
    if _squeezed(rhs) not in _squeezed(after) or _squeezed(lhs) not in _squeezed(before):
        return "identity_not_applied"
    return c.answer_changed()


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"\\[dt]binom", r"\\binom", text))
