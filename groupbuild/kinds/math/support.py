"""Support kinds: a load-bearing step dropped (and rewired), a derivation replaced by a bare
assertion (M1, M2, M14b); the missing-case and circular kinds of the taxonomy are listed here
without a rule or proof yet.
"""

from __future__ import annotations

import random
from fractions import Fraction

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math import latex_support as ls
from groupbuild.kinds.math.balance import chars, nearest, padded, restatements, within_band
from groupbuild.kinds.math.case import LatexForm, MathCase, MathKind
from groupbuild.kinds.math.edits import Context, by_position, finish, shuffled
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt
from groupbuild.text.traces import step_diff


def load_bearing(ctx: Context) -> list[tuple[int, mt.Step, mt.Equation, int, Fraction]]:
    """Sites whose result is used later, derived nowhere else, and not a given number."""
    out = []
    last = len(ctx.steps) - 1
    for j, step, eq, result in ctx.sites():
        value = step.tokens[result].value
        assert value is not None
        if j == last or value in ctx.ambiguous or ctx.derived_elsewhere(j, value):
            continue
        if ctx.used_later(j, value):
            out.append((j, step, eq, result, value))
    return out


def dropped_step(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M1: a load-bearing step disappears; later steps still use what it derived. A true
    restatement of another step's result may take its room, so the trace keeps its length."""
    ctx = Context.of(seed, reference)
    for j, _step, _eq, _result, value in by_position(load_bearing(ctx), len(ctx.steps), rng):
        steps = [s for k, s in enumerate(ctx.steps) if k != j]
        for candidate, extra in _with_room_kept(ctx, j, steps, rng):
            evidence = ev.DroppedValue(dropped_value=mt.canonical(value), controls=extra)
            edit = finish(
                ctx, candidate, (j, *extra), evidence, changes_answer=False, length_exempt=True
            )
            if edit is not None:
                return edit
    return None


def _with_room_kept(
    ctx: Context, j: int, steps: list[str], rng: random.Random
) -> list[tuple[list[str], tuple[int, ...]]]:
    """`steps` (the reference without step `j`) as is, or with a restatement of one of its
    results put in after the step deriving it; the nearest the reference's length first.
    A repeat of the last step comes only when no other is as near: a trace ending on a
    repeat of its answer step would put most controls in one place. A restatement that
    would change how the steps align (next to the gap, a deletion and an insertion read as
    one changed step) is left out. Each comes with the candidate index of the restatement
    it adds."""
    options: list[tuple[int, list[str]]] = [(-1, steps)]
    reference = Trace(steps=ctx.steps)
    alone = step_diff(reference, Trace(steps=tuple(steps)))
    for r in restatements(ctx, rng, {j - 1}, steps):
        at = r.after + 1
        candidate = [*steps[:at], r.text, *steps[at:]]
        diff = step_diff(reference, Trace(steps=tuple(candidate)))
        if (diff.deleted, diff.changed, diff.inserted) == (alone.deleted, alone.changed, (at,)):
            options.append((at, candidate))
    target = chars(ctx.steps)
    inner = [k for k, (at, _) in enumerate(options) if at < len(steps)]
    picked = [inner[i] for i in nearest([options[k] for k in inner], target, rng)]
    if not picked or not within_band(options[picked[0]][1], target):
        picked = nearest(options, target, rng)
    return [(options[i][1], () if options[i][0] < 0 else (options[i][0],)) for i in picked[:3]]


def dropped_step_rewired(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M2: a step disappears and its later uses take one of that step's own inputs instead
    (a restatement elsewhere may keep the length, as for M1)."""
    ctx = Context.of(seed, reference)
    for j, _step, eq, _result, value in by_position(load_bearing(ctx), len(ctx.steps), rng):
        inputs = {
            q.value
            for q in ctx.flow[j]
            if q.token in eq.operands() and q.source in ("problem", "derived")
        }
        for other in shuffled(sorted(inputs - {value}), rng):
            steps = [s for k, s in enumerate(ctx.steps) if k != j]
            carried = mt.propagate(steps, j, {value: other}, ctx.ambiguous - {value})
            if carried is None:
                continue
            new_steps, touched = carried
            shifted = [k + 1 for k in touched]
            if len(shifted) > 3:
                continue
            room = _with_room_kept(ctx, j, new_steps, rng) if len(shifted) <= 1 else []
            for candidate, extra in room or [(new_steps, ())]:
                evidence = ev.DroppedValue(
                    dropped_value=mt.canonical(value),
                    rewired_to=mt.canonical(other),
                    propagated=tuple(shifted),
                    controls=extra,
                )
                span = tuple(sorted({j, *shifted[: 2 - len(extra)], *extra}))
                diff = step_diff(Trace(steps=ctx.steps), Trace(steps=tuple(candidate)))
                if not set(diff.deleted) <= set(span):
                    continue  # read as another step deleted: the span would not cover it
                edit = finish(ctx, candidate, span, evidence, length_exempt=True)
                if edit is not None:
                    return edit
    return None


_CONNECTORS = (" because ", " since ", " as ")


def overclaim(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M14b: a derivation is replaced by a bare statement of its result, led by an opener the
    trace uses when that keeps the step's length nearer the reference's."""
    ctx = Context.of(seed, reference)
    for j, step, eq, result in by_position(list(ctx.sites()), len(ctx.steps), rng):
        value = step.tokens[result].value
        assert value is not None
        if value in ctx.ambiguous or ctx.derived_elsewhere(j, value):
            continue
        start = step.tokens[eq.segments[0][0]].start
        before = step.text[:start]
        connector = next((c for c in _CONNECTORS if before.endswith(c)), None)
        mentioned = any(q.value == value and q.token < eq.segments[0][0] for q in ctx.flow[j])
        if connector is not None and mentioned:
            cut = before[: -len(connector)].rstrip(" ,")
            new_text = cut + step.text[step.tokens[result].end :]
        else:
            new_text = before + step.text[step.tokens[result].start :]
        new_text = " ".join(new_text.split())
        if not new_text or mt.parse_step(new_text).equations == step.equations:
            continue
        evidence = ev.Assertion(asserted_value=mt.canonical(value))
        options = [(0, [new_text])] + [(0, [t]) for t in padded(new_text, ctx, rng)]
        for i in nearest(options, len(step.text), rng)[:2]:
            steps = [*ctx.steps[:j], options[i][1][0], *ctx.steps[j + 1 :]]
            edit = finish(ctx, steps, (j,), evidence, changes_answer=False)
            if edit is not None:
                return edit
    return None


def prove_dropped_step(c: MathCase) -> str | None:
    if len(c.diff.deleted) != 1 or c.diff.changed or len(c.diff.inserted) > 1:
        return "not_a_single_deletion"
    if not c.restatements_only(c.diff.inserted):
        return "insertion_is_not_a_restatement"
    if not c.new_dangling():
        return "no_dangling_reference"
    return c.answer_kept()


def prove_dropped_step_rewired(c: MathCase) -> str | None:
    if len(c.diff.deleted) != 1 or len(c.diff.inserted) > 1:
        return "not_a_single_deletion"
    if not c.restatements_only(c.diff.inserted):
        return "insertion_is_not_a_restatement"
    if c.new_dangling():
        return "rewired_value_dangles"
    if c.new_false() > 0:
        return "rewired_step_inconsistent"
    return c.answer_changed()


def prove_overclaim(c: MathCase) -> str | None:
    pair = c.step_pair()
    if pair is None or len(c.diff.changed) != 1:
        return "no_single_step_edit"
    before, after = pair
    if len(after.equations) >= len(before.equations):
        return "derivation_not_removed"
    if not c.new_dangling():
        return "assertion_is_supported"
    return c.answer_kept()


_S = Signature.SUPPORT
register(
    MathKind(
        Kind.DROPPED_STEP, "M1", _S, max_steps=2, length_exempt=True, evidence=ev.DroppedValue
    ).define(
        dropped_step,
        prove_dropped_step,
        "perturb/math/dropped_step.j2",
        "delete",
        latex=LatexForm(ls.dropped_step, ls.prove_dropped_step),
    )
)
register(
    MathKind(
        Kind.DROPPED_STEP_REWIRED,
        "M2",
        Signature.ANSWER,
        max_steps=3,
        propagates=True,
        length_exempt=True,
        evidence=ev.DroppedValue,
    ).define(dropped_step_rewired, prove_dropped_step_rewired)
)
register(MathKind(Kind.MISSING_CASE, "M8", Signature.ANSWER, max_steps=2).define())
register(MathKind(Kind.CIRCULAR_REASONING, "M12", _S, max_steps=2).define())
register(
    MathKind(Kind.OVERCLAIM, "M14b", _S, evidence=ev.Assertion).define(
        overclaim,
        prove_overclaim,
        "perturb/math/overclaim.j2",
        latex=LatexForm(ls.overclaim, ls.prove_overclaim),
    )
)
