"""Fidelity kinds: a number misread from the problem, a derived value carried over wrongly, the
wrong quantity reported (M5, M6, M10).
"""

from __future__ import annotations

import random
from fractions import Fraction

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math import latex_computation as lc
from groupbuild.kinds.math.case import (
    LatexForm,
    MathCase,
    MathKind,
    changed_operand,
    consistent_edit,
)
from groupbuild.kinds.math.edits import (
    Context,
    by_position,
    finish,
    first_swap,
    operand_sites,
    shuffled,
    slips,
)
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt


def misread_value(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M5: a number from the problem is used in place of another number of the problem."""
    ctx = Context.of(seed, reference)
    stated = sorted({t.value for t in mt.tokenize(seed.problem) if t.kind == "num" and t.value})
    for j, step, i, value in by_position(operand_sites(ctx, "problem"), len(ctx.steps), rng):
        in_step = {q.value for q in ctx.flow[j]}
        others = shuffled([v for v in stated if v not in in_step], rng)
        others += shuffled([v for v in stated if v in in_step and v != value], rng)
        edit = first_swap(ctx, j, step, i, value, others)
        if edit is not None:
            return edit
    return None


def inconsistent_carry(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M6: a later step uses a value other than the one derived for it earlier."""
    ctx = Context.of(seed, reference)
    for j, step, i, value in by_position(operand_sites(ctx, "derived"), len(ctx.steps), rng):
        others = [
            other
            for other in slips(value, rng)
            if other not in ctx.ambiguous and not ctx.derived_elsewhere(-1, other)
        ]
        edit = first_swap(ctx, j, step, i, value, others)
        if edit is not None:
            return edit
    return None


def goal_drift(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M10: the last step reports a quantity computed earlier instead of the one asked."""
    ctx = Context.of(seed, reference)
    last = len(ctx.steps) - 1
    if last < 1:
        return None
    earlier = [(j, step, eq, r) for j, step, eq, r in ctx.sites() if j < last]
    final = mt.parse_step(ctx.steps[last])
    for j, step, eq, result in shuffled(earlier, rng):
        value = step.tokens[result].value
        if value in (ctx.answer, ctx.gold):
            continue
        lo = step.tokens[eq.segments[0][0]].start
        borrowed = step.text[lo : step.tokens[result].end]
        if final.equations:
            f_eq = final.equations[-1]
            f_res = mt.bare(final.tokens, *f_eq.result)
            if f_res is None:
                continue
            start = final.tokens[f_eq.segments[0][0]].start
            new_last = final.text[:start] + borrowed + final.text[final.tokens[f_res].end :]
        elif final.nums:
            shown = mt.render(value, final.tokens[final.nums[-1]].text) if value else None
            if shown is None:
                continue
            new_last = mt.replace_tokens(final, {final.nums[-1]: shown})
        else:
            return None
        drifted = _restated(new_last, ctx.answer, value)
        if drifted is None:
            continue
        steps = [*ctx.steps[:last], drifted]
        edit = finish(ctx, steps, (last,), ev.ReportedFrom(reported_from_step=j))
        if edit is not None:
            return edit
    return None


def _restated(text: str, answer: Fraction | None, value: Fraction | None) -> str | None:
    """The drifted last step with the sentence's other mentions of the answer (`He eats 48
    pieces because ...`) saying the reported value too; None when the answer still shows
    (as an operand): a step stating both would contradict itself, not drift."""
    if answer is None or value is None:
        return text
    step = mt.parse_step(text)
    inside = {i for eq in step.equations for lo, hi in eq.segments for i in range(lo, hi)}
    shown = {
        i: mt.render(value, step.tokens[i].text)
        for i in step.nums
        if i not in inside and step.tokens[i].value == answer
    }
    if any(v is None for v in shown.values()):
        return None
    text = mt.replace_tokens(step, {i: v for i, v in shown.items() if v is not None})
    return None if answer in _written(text) else text


def _written(text: str) -> set[Fraction]:
    return {t.value for t in mt.tokenize(text) if t.kind == "num" and t.value is not None}


def prove_misread_value(c: MathCase) -> str | None:
    reason, pair = consistent_edit(c, same_ops=True, same_operands=False)
    if reason:
        return reason
    swapped = changed_operand(pair)
    if swapped is None:
        return "not_one_operand_changed"
    stated = {t.value for t in mt.tokenize(c.seed.problem) if t.kind == "num"}
    if swapped[1] not in stated:
        return "new_value_not_in_problem"
    return c.answer_changed()


def prove_inconsistent_carry(c: MathCase) -> str | None:
    reason, pair = consistent_edit(c, same_ops=True, same_operands=False)
    if reason:
        return reason
    swapped = changed_operand(pair)
    if swapped is None:
        return "not_one_operand_changed"
    if not any(q.value == swapped[1] for q in c.new_dangling()):
        return "carried_value_not_contradicted"
    return c.answer_changed()


def prove_goal_drift(c: MathCase) -> str | None:
    last = len(c.ref.steps) - 1
    if c.diff.changed != (last,) or c.diff.deleted or c.diff.inserted:
        return "not_last_step_only"
    earlier = mt.analyze(c.ref.steps[:-1], c.seed.problem)
    if c.answer not in {q.value for qs in earlier for q in qs if q.role == "result"}:
        return "answer_not_an_earlier_value"
    if c.ref_answer is not None and c.ref_answer in _written(c.cand.steps[last]):
        return "reference_answer_still_stated"
    return c.answer_changed()


_A = Signature.ANSWER
register(
    MathKind(Kind.MISREAD_VALUE, "M5", _A, propagates=True, evidence=ev.ValueChange).define(
        misread_value,
        prove_misread_value,
        "perturb/math/misread_value.j2",
        latex=LatexForm(lc.misread_value, lc.prove_misread_value),
    )
)
register(
    MathKind(Kind.INCONSISTENT_CARRY, "M6", _A, propagates=True, evidence=ev.ValueChange).define(
        inconsistent_carry,
        prove_inconsistent_carry,
        "perturb/math/inconsistent_carry.j2",
        latex=LatexForm(lc.inconsistent_carry, lc.prove_inconsistent_carry),
    )
)
register(
    MathKind(Kind.GOAL_DRIFT, "M10", _A, evidence=ev.ReportedFrom).define(
        goal_drift,
        prove_goal_drift,
        "perturb/math/goal_drift.j2",
        latex=LatexForm(lc.goal_drift, lc.prove_goal_drift),
    )
)
