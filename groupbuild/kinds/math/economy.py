"""Economy kinds: a correct but useless restatement inserted after a step (M13)."""

from __future__ import annotations

import random

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math import latex_support as ls
from groupbuild.kinds.math.balance import chars, nearest, restatements, trimmed
from groupbuild.kinds.math.case import LatexForm, MathCase, MathKind
from groupbuild.kinds.math.edits import Context, by_position, finish, shuffled
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt
from groupbuild.text.math import restate

_INVERSE = {"+": "-", "-": "+", "*": "/", "x": "/", "×": "÷", "/": "x", "÷": "×"}


def redundant_detour(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M13: a correct but useless restatement is inserted after a step: the step again,
    arithmetic and all, or its equation run backwards, led by an opener the trace itself
    uses (or as often as GSM8K solutions use one). A filler elsewhere may go (`a total of`)
    so the length stays nearer the reference's."""
    ctx = Context.of(seed, reference)
    last = len(ctx.steps) - 1
    target = chars(ctx.steps)
    for j, step, eq, result in by_position(
        [s for s in ctx.sites() if s[0] < last], len(ctx.steps), rng
    ):
        for line in shuffled(_detour_lines(ctx, j, step, eq, result, rng), rng):
            if mt.count_false((line,)):
                continue
            steps = [*ctx.steps[: j + 1], line, *ctx.steps[j + 1 :]]
            options = [(-1, steps)] + [
                (k, [*steps[:k], t, *steps[k + 1 :]]) for k, t in trimmed(steps, {j + 1, j + 2})
            ]
            evidence = ev.Insertion(inserted_after=j)
            for i in nearest(options, target, rng)[:3]:
                k, candidate = options[i]
                span = (j + 1,) if k < 0 else tuple(sorted({j + 1, k if k <= j else k - 1}))
                edit = finish(
                    ctx, candidate, span, evidence, changes_answer=False, length_exempt=True
                )
                if edit is not None:
                    return edit
    return None


def _detour_lines(
    ctx: Context, j: int, step: mt.Step, eq: mt.Equation, result: int, rng: random.Random
) -> list[str]:
    """Restatements of step `j`: the step again, and its equation run backwards. (Its bare
    claim again, with no equation, would be no detour a reader can see is one.)"""
    skip = set(range(len(ctx.steps))) - {j}
    out = [r.text for r in restatements(ctx, rng, skip, claims=False)]
    nums = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "num"]
    ops = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "op"]
    inverse = _INVERSE.get(step.tokens[ops[0]].text) if len(ops) == 1 else None
    if len(nums) == 2 and len(eq.segments) == 2 and inverse is not None:
        a, b = (step.tokens[i].text for i in nums)
        lead = rng.choice([restate.pick_opener(ctx.steps, rng), ""])
        line = f"{lead}{step.tokens[result].text} {inverse} {b} = {a}."
        if mt.parse_step(line).equations:
            out.append(line)
    return out


def prove_redundant_detour(c: MathCase) -> str | None:
    if not c.diff.inserted or len(c.diff.inserted) > 2 or c.diff.deleted:
        return "not_an_insertion"
    if not c.controls_only(c.diff.changed):
        return "step_changed_beyond_a_trim"
    if c.new_false() > 0:
        return "false_equation_added"
    if c.new_dangling():
        return "detour_uses_unknown_value"
    flow = mt.analyze(c.cand.steps, c.seed.problem)
    for j in c.diff.inserted:
        new = {q.value for q in flow[j] if q.role == "result"}
        known = {q.value for qs in flow[:j] for q in qs} | mt.problem_values(c.seed.problem)
        later = {q.value for qs in flow[j + 1 :] for q in qs if q.origin == j}
        if new - known and later & new:
            return "detour_is_used"
    return c.answer_kept()


register(
    MathKind(
        Kind.REDUNDANT_DETOUR,
        "M13",
        Signature.QUALITY,
        max_steps=2,
        length_exempt=True,
        evidence=ev.Insertion,
    ).define(
        redundant_detour,
        prove_redundant_detour,
        "perturb/math/redundant_detour.j2",
        "insert",
        latex=LatexForm(ls.redundant_detour, ls.prove_redundant_detour),
    )
)
