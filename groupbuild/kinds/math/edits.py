"""What every math rule shares: the facts of one reference, and how an edit is finished.

Each rule (in the family modules beside this one) finds the places in the reference where its
kind applies, tries them in an order drawn from `rng`, and returns the first edit that keeps its
promise: the edited step plus the numeric fallout that re-evaluation predicts
(`text.math.propagate`), no error-announcing words, the length within tolerance, and for
answer-changing kinds an answer different from both the reference's and the gold one. The LLM
path splices a model's rewrite of one step through the same propagation (`splice`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeVar

from groupbuild.kinds.evidence import DroppedValue, Insertion, MathEvidence, ValueChange
from groupbuild.kinds.registry import Edit, SpliceFn, StepRewrite
from groupbuild.schema import Seed, Trace
from groupbuild.text import math as mt
from groupbuild.text.cues import CUE_LEXICON
from groupbuild.text.math.latex import is_latex, last_boxed
from groupbuild.text.traces import length_ratio

LENGTH_TOLERANCE = 0.10
T = TypeVar("T")
S = TypeVar("S", bound=tuple[Any, ...])
A = TypeVar("A")
E = TypeVar("E", bound=MathEvidence)


@dataclass(frozen=True)
class Context:
    """What every rule needs to know about one reference trace."""

    seed: Seed
    steps: tuple[str, ...]
    flow: tuple[tuple[mt.Quantity, ...], ...]
    answer: Fraction | None
    gold: Fraction | None
    given: frozenset[Fraction]
    ambiguous: frozenset[Fraction] = field(default=frozenset())

    @classmethod
    def of(cls, seed: Seed, reference: Trace) -> Context:
        return _context(seed, reference.steps)

    @classmethod
    def build(cls, seed: Seed, steps: tuple[str, ...]) -> Context:
        given = mt.problem_values(seed.problem)
        consts = mt.constants_for(seed.problem, steps)
        gold = mt.parse_number(seed.answer) if seed.answer else None
        return cls(
            seed,
            steps,
            mt.analyze(steps, seed.problem),
            mt.answer_value(steps),
            gold,
            given,
            given | consts,
        )

    def sites(self) -> Iterator[tuple[int, mt.Step, mt.Equation, int]]:
        """(step, parsed step, equation, result token) for every true equation with a result."""
        for j, text in enumerate(self.steps):
            step = mt.parse_step(text)
            for eq in step.equations:
                result = mt.bare(step.tokens, *eq.result)
                if eq.holds and result is not None:
                    yield j, step, eq, result

    def used_later(self, j: int, value: Fraction) -> bool:
        return any(
            q.value == value and q.origin == j and q.role != "result"
            for qs in self.flow[j + 1 :]
            for q in qs
        )

    def derived_elsewhere(self, j: int, value: Fraction) -> bool:
        return any(
            q.value == value and q.role == "result" and q.step != j for qs in self.flow for q in qs
        )


@lru_cache(maxsize=256)
def _context(seed: Seed, steps: tuple[str, ...]) -> Context:
    return Context.build(seed, steps)


def shuffled(items: list[T], rng: random.Random) -> list[T]:
    items = list(items)
    rng.shuffle(items)
    return items


def spread(items: list[T], step_of: Callable[[T], int], steps: int, rng: random.Random) -> list[T]:
    """`items` in the order to try them: nearest first to a position drawn uniformly over the
    trace. Trying sites in plain random order lets the late steps win (an early edit fails
    more often down the line), and a reader could then find the flaw by its position alone."""
    target = rng.random()
    keys = [(abs((step_of(x) + 0.5) / max(1, steps) - target), rng.random()) for x in items]
    order = sorted(range(len(items)), key=keys.__getitem__)
    return [items[i] for i in order]


def by_position(items: list[S], steps: int, rng: random.Random) -> list[S]:
    """Sites whose first field is their step index, in `spread` order."""
    return spread(items, lambda site: int(site[0]), steps, rng)


def finish(
    ctx: Context,
    steps: list[str],
    span: tuple[int, ...],
    evidence: E,
    *,
    changes_answer: bool = True,
    length_exempt: bool = False,
) -> Edit | None:
    """The edit, if it keeps the promises every math rule makes; else None. A GSM8K-form edit
    also writes no number of a shape (sign, decimals, `a/b`) that the reference never writes."""
    shapes = set().union(*map(mt.number_shapes, ctx.steps))
    if any(mt.number_shapes(s) - shapes for s in steps if s not in ctx.steps):
        return None
    return promised_edit(
        ctx.steps,
        steps,
        span,
        evidence,
        answer_of=mt.answer_value,
        same=lambda a, b: a == b,
        shown=mt.canonical,
        answer=ctx.answer,
        gold=ctx.gold,
        changes_answer=changes_answer,
        length_exempt=length_exempt,
    )


def promised_edit(
    reference: tuple[str, ...],
    steps: list[str],
    span: tuple[int, ...],
    evidence: E,
    *,
    answer_of: Callable[[Trace], A | None],
    same: Callable[[A | None, A | None], bool],
    shown: Callable[[A], str],
    answer: A | None,
    gold: A | None,
    changes_answer: bool,
    length_exempt: bool,
    step_ok: Callable[[str], bool] = lambda step: True,
) -> Edit | None:
    """What every math rule promises, GSM8K form or LaTeX (which differ in how they read and
    compare answers): a real change, no cue word or bad step in new text, the reference's
    length, and the answer changed (or kept) as the kind's signature says."""
    if not steps or tuple(steps) == reference:
        return None
    originals = set(reference)
    if any(CUE_LEXICON.search(s) or not step_ok(s) for s in steps if s not in originals):
        return None
    trace = Trace(steps=tuple(steps))
    if (
        not length_exempt
        and abs(length_ratio(Trace(steps=reference), trace) - 1) > LENGTH_TOLERANCE
    ):
        return None
    value = answer_of(trace)
    if changes_answer:
        if value is None or same(value, answer) or same(value, gold):
            return None
    elif not same(value, answer):
        return None
    update = {"answer": None if value is None else shown(value)}
    return Edit(trace=trace, declared_span=span, evidence=evidence.model_copy(update=update))


def apply_change(
    ctx: Context,
    j: int,
    new_text: str | None,
    changes: dict[Fraction, Fraction],
    evidence: E,
) -> Edit | None:
    """Step `j` becomes `new_text`, `changes` flow on through the later steps."""
    if new_text is None:
        return None
    steps = list(ctx.steps)
    steps[j] = new_text
    carried = mt.propagate(steps, j + 1, changes, ctx.ambiguous)
    if carried is None:
        return None
    new_steps, touched = carried
    evidence = evidence.model_copy(update={"propagated": tuple(touched)})
    return finish(ctx, new_steps, (j,), evidence)


def slips(value: Fraction, rng: random.Random) -> list[Fraction]:
    """Plausible wrong results: off by a little, a transposition, a misplaced decimal point."""
    out: list[Fraction] = []
    if value.denominator == 1:
        n = value.numerator
        out += [Fraction(n + d) for d in (1, -1, 2, -2, 10, -10)]
        digits = str(abs(n))
        if len(digits) >= 2 and digits[-1] != digits[-2] and digits[-1] != "0":
            out.append(Fraction(int(digits[:-2] + digits[-1] + digits[-2])))
        out.append(Fraction(n * 10))
    else:
        out += [value + Fraction(1, 10), value - Fraction(1, 10), value * 10, value + 1]
    return shuffled([v for v in out if v > 0 and v != value], rng)


def changes_in(before: mt.Step, after_text: str) -> dict[Fraction, Fraction]:
    """Old -> new values of the equation results that an edit of one step changed."""
    after = mt.parse_step(after_text)
    out: dict[Fraction, Fraction] = {}
    for old_eq, new_eq in zip(before.equations, after.equations, strict=False):
        i, k = mt.bare(before.tokens, *old_eq.result), mt.bare(after.tokens, *new_eq.result)
        if i is None or k is None:
            continue
        a, b = before.tokens[i].value, after.tokens[k].value
        if a is not None and b is not None and a != b:
            out[a] = b
    return out


def operand_sites(ctx: Context, source: str) -> list[tuple[int, mt.Step, int, Fraction]]:
    """(step, parsed step, token, value) of operands with the given source."""
    out = []
    for j, step, eq, _ in ctx.sites():
        operands = set(eq.operands())
        for q in ctx.flow[j]:
            if q.token in operands and q.source == source and q.role == "operand":
                out.append((j, step, q.token, q.value))
    return out


def _with_operand(ctx: Context, j: int, step: mt.Step, i: int, value: Fraction) -> str | None:
    redone = mt.recompute_step(step.text, {}, {i: value}, ctx.ambiguous)
    return None if redone is None else redone[0]


def first_swap(
    ctx: Context, j: int, step: mt.Step, i: int, value: Fraction, others: list[Fraction]
) -> Edit | None:
    """The first of `others` that, put in place of operand `i` of step `j`, makes a valid edit."""
    for other in others:
        new_text = _with_operand(ctx, j, step, i, other)
        if new_text is None:
            continue
        evidence = ValueChange(before=mt.canonical(value), after=mt.canonical(other))
        edit = apply_change(ctx, j, new_text, changes_in(step, new_text), evidence)
        if edit is not None:
            return edit
    return None


def splice(model: type[MathEvidence], *, propagates: bool) -> SpliceFn:
    """The LLM path of a kind: a model's rewrite of step `index`, with its numeric fallout
    carried through the later steps when the kind propagates, and the evidence its proof reads.
    The gates, not this function, decide whether the result is a good edit."""

    def build(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
        index, text = rewrite.index, rewrite.text
        if is_latex(reference.steps):
            return _latex_splice(model, reference, index, text)
        ctx = Context.of(seed, reference)
        steps = list(ctx.steps)
        steps[index] = text
        touched: list[int] = []
        if propagates:
            changes = changes_in(mt.parse_step(ctx.steps[index]), text)
            carried = mt.propagate(steps, index + 1, changes, ctx.ambiguous)
            if carried is None:
                return None
            steps, touched = carried
        trace = Trace(steps=tuple(steps))
        answer = mt.answer_value(trace)
        evidence = model(
            propagated=tuple(touched),
            answer=None if answer is None else mt.canonical(answer),
            rewritten_step=index,
        )
        return Edit(trace=trace, declared_span=(index,), evidence=evidence)

    return build


def _shown_answer(trace: Trace) -> str | None:
    answer = mt.answer_value(trace)
    return None if answer is None else mt.canonical(answer)


def splice_dropped(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
    """The LLM path of a dropped step: the model names the step to drop; the value that step
    derived (its last equation's result) is the evidence. None for a step deriving nothing."""
    if len(reference.steps) < 2:
        return None
    step = mt.parse_step(reference.steps[rewrite.index])
    results = [
        value
        for eq in step.equations
        if (r := mt.bare(step.tokens, *eq.result)) is not None
        and (value := step.tokens[r].value) is not None
    ]
    if not results:
        return None
    steps = reference.steps[: rewrite.index] + reference.steps[rewrite.index + 1 :]
    trace = Trace(steps=steps)
    evidence = DroppedValue(dropped_value=mt.canonical(results[-1]), answer=_shown_answer(trace))
    return Edit(trace=trace, declared_span=(rewrite.index,), evidence=evidence)


def splice_inserted(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
    """The LLM path of an inserted step: the model's new step goes in at `rewrite.index`, after
    an existing step (a new first step has nothing to restate)."""
    if rewrite.index < 1:
        return None
    steps = list(reference.steps)
    steps.insert(rewrite.index, rewrite.text)
    trace = Trace(steps=tuple(steps))
    evidence = Insertion(inserted_after=rewrite.index - 1, answer=_shown_answer(trace))
    return Edit(trace=trace, declared_span=(rewrite.index,), evidence=evidence)


def _latex_splice(
    model: type[MathEvidence], reference: Trace, index: int, text: str
) -> Edit | None:
    """A LaTeX reference takes the rewritten step as written: the model carries its own
    fallout into the boxed answer or not, and the proof decides."""
    steps = list(reference.steps)
    steps[index] = " ".join(text.split())
    if not steps[index]:
        return None
    trace = Trace(steps=tuple(steps))
    evidence = model(answer=last_boxed(trace.steps), rewritten_step=index)
    return Edit(trace=trace, declared_span=(index,), evidence=evidence)
