"""Computation kinds: a wrong result, a flipped operator, an off-by-one count, a unit
conversion the wrong way round (M3, M4, M9, M11). Each changes the answer, and its proof
re-derives the edit from the texts.
"""

from __future__ import annotations

import random

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math import latex_computation as lc
from groupbuild.kinds.math.case import LatexForm, MathCase, MathKind, consistent_edit, results
from groupbuild.kinds.math.edits import (
    Context,
    apply_change,
    by_position,
    changes_in,
    shuffled,
    slips,
)
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt


def arithmetic_slip(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M3: one equation gets a wrong result; the steps after it use the wrong value."""
    ctx = Context.of(seed, reference)
    for j, step, _eq, result in by_position(list(ctx.sites()), len(ctx.steps), rng):
        old = step.tokens[result].value
        assert old is not None
        for wrong in slips(old, rng):
            redone = mt.recompute_step(step.text, {}, {result: wrong}, ctx.ambiguous)
            if redone is None or mt.count_false((redone[0],)) != 1 + mt.count_false((step.text,)):
                continue
            evidence = ev.ValueChange(before=mt.canonical(old), after=mt.canonical(wrong))
            edit = apply_change(ctx, j, redone[0], redone[1], evidence)
            if edit is not None:
                return edit
    return None


_SWAP = {"+": "-", "-": "+", "–": "+", "−": "+", "*": "/", "x": "/", "X": "/", "×": "÷", "÷": "×"}


def operator_swap(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M4: one operator flips (+ and -, times and divided by); the arithmetic stays right."""
    ctx = Context.of(seed, reference)
    times = "x" if any(" x " in s for s in ctx.steps) else "*"
    for j, step, eq, _ in by_position(list(ctx.sites()), len(ctx.steps), rng):
        ops = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "op"]
        for i in shuffled(ops, rng):
            text = step.tokens[i].text
            new = times if text == "/" else _SWAP.get(text)
            if new is None:
                continue
            edited = mt.replace_tokens(step, {i: new})
            redone = mt.recompute_step(edited, {}, None, ctx.ambiguous, reevaluate=True)
            if redone is None:
                continue
            evidence = ev.OperatorChange(operator=(text, new))
            edit = apply_change(ctx, j, redone[0], changes_in(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


_PLUS_MINUS = frozenset("+-–−")


def off_by_one(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M9: a count becomes inclusive or exclusive. An endpoint of a difference moves by one
    (`30 - 12` becomes `30 - 11`), or a `+ 1` the reference writes goes missing; no literal
    `+ 1` is added, which a reader would spot without doing any arithmetic."""
    ctx = Context.of(seed, reference)
    for j, step, eq, _ in by_position(list(ctx.sites()), len(ctx.steps), rng):
        lo, hi = eq.segments[0]
        toks = step.tokens
        nums = [i for i in range(lo, hi) if toks[i].kind == "num"]
        ops = [i for i in range(lo, hi) if toks[i].kind == "op"]
        if any(t.value is None or t.value.denominator != 1 for t in (toks[i] for i in nums)):
            continue
        if not ops or any(toks[i].text not in _PLUS_MINUS for i in ops):
            continue
        if any(toks[i].kind in ("lp", "rp") for i in range(lo, hi)):
            continue
        for edited in shuffled(_count_shifts(step, nums, ops), rng):
            redone = mt.recompute_step(edited, {}, None, ctx.ambiguous, reevaluate=True)
            if redone is None:
                continue
            evidence = ev.CountShift()
            edit = apply_change(ctx, j, redone[0], changes_in(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


def _count_shifts(step: mt.Step, nums: list[int], ops: list[int]) -> list[str]:
    """The step with one endpoint of a difference moved by one, or a trailing `+ 1` dropped."""
    toks = step.tokens
    out: list[str] = []
    last = nums[-1]
    if len(ops) >= 2 and toks[last].value == 1 and toks[last - 1].text in _PLUS_MINUS:
        out.append(step.text[: toks[last - 1].start].rstrip() + step.text[toks[last].end :])
    minus = {i for i in ops if toks[i].text in "-–−"}
    ends = {i for i in nums if i - 1 in minus or i + 1 in minus}
    for i in sorted(ends):
        value = toks[i].value
        assert value is not None
        for moved in (value + 1, value - 1):
            shown = mt.render(moved, toks[i].text) if moved > 0 else None
            if shown is not None:
                out.append(mt.replace_tokens(step, {i: shown}))
    return out


_WRONG_DIRECTION = {"*": "/", "x": "/", "X": "/", "×": "÷", "/": "*", "÷": "×"}


def unit_error(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M11: a unit conversion applied the wrong way round (times 60 where it divides by 60)."""
    ctx = Context.of(seed, reference)
    for j, step, eq, _ in by_position(list(ctx.sites()), len(ctx.steps), rng):
        units = mt.unit_factors_in(step.text)
        constants = {q.token for q in ctx.flow[j] if q.source == "constant"}
        for i in range(eq.segments[0][0] + 1, eq.segments[0][1]):
            tok = step.tokens[i]
            if tok.kind != "num" or tok.value not in units or i not in constants:
                continue
            k = i - 1
            while k > eq.segments[0][0] and step.tokens[k].kind == "unit":
                k -= 1
            new_op = _WRONG_DIRECTION.get(step.tokens[k].text)
            if step.tokens[k].kind != "op" or new_op is None:
                continue
            if new_op == "*" and any(" x " in s for s in ctx.steps):
                new_op = "x"
            edited = mt.replace_tokens(step, {k: new_op})
            redone = mt.recompute_step(edited, {}, None, ctx.ambiguous, reevaluate=True)
            if redone is None:
                continue
            evidence = ev.UnitChange(
                factor=mt.canonical(tok.value),
                unit=units[tok.value],
                operator=(step.tokens[k].text, new_op),
            )
            edit = apply_change(ctx, j, redone[0], changes_in(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


def prove_arithmetic_slip(c: MathCase) -> str | None:
    added = c.new_false()
    if added <= 0:
        return "no_false_equation"
    if added > 1:
        return "more_than_one_false_equation"
    return c.answer_changed()


def prove_operator_swap(c: MathCase) -> str | None:
    reason, _ = consistent_edit(c, same_ops=False, same_operands=True)
    return reason or c.answer_changed()


def prove_off_by_one(c: MathCase) -> str | None:
    pair = c.step_pair()
    if pair is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    old, new = results(pair[0]), results(pair[1])
    if not old or not new or abs(old[0] - new[0]) != 1:
        return "result_not_shifted_by_one"
    return c.answer_changed()


def prove_unit_error(c: MathCase) -> str | None:
    reason, pair = consistent_edit(c, same_ops=False, same_operands=True)
    if reason:
        return reason
    before, after = pair
    factors = mt.unit_factors_in(before.text)
    flipped = [
        before.tokens[i + 1].value
        for i in range(len(before.tokens) - 1)
        if before.tokens[i].kind == "op"
        and i < len(after.tokens)
        and after.tokens[i].text != before.tokens[i].text
    ]
    if not any(v in factors for v in flipped):
        return "no_unit_factor_flipped"
    return c.answer_changed()


_A = Signature.ANSWER
register(
    MathKind(Kind.ARITHMETIC_SLIP, "M3", _A, propagates=True, evidence=ev.ValueChange).define(
        arithmetic_slip,
        prove_arithmetic_slip,
        "perturb/math/arithmetic_slip.j2",
        latex=LatexForm(lc.arithmetic_slip, lc.prove_arithmetic_slip),
    )
)
register(
    MathKind(Kind.OPERATOR_SWAP, "M4", _A, propagates=True, evidence=ev.OperatorChange).define(
        operator_swap,
        prove_operator_swap,
        "perturb/math/operator_swap.j2",
        latex=LatexForm(lc.sign_error, lc.prove_sign_error),
    )
)
register(
    MathKind(Kind.OFF_BY_ONE, "M9", _A, propagates=True, evidence=ev.CountShift).define(
        off_by_one,
        prove_off_by_one,
        "perturb/math/off_by_one.j2",
        latex=LatexForm(lc.off_by_one, lc.prove_off_by_one),
    )
)
register(
    MathKind(Kind.UNIT_ERROR, "M11", _A, propagates=True, evidence=ev.UnitChange).define(
        unit_error, prove_unit_error, "perturb/math/unit_error.j2"
    )
)
register(MathKind(Kind.COMPENSATING_ERROR, "M14a", Signature.SUPPORT, max_steps=2).define())
