"""Economy kinds: a correct but useless restatement inserted after a step (M13)."""

from __future__ import annotations

import random

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math import latex_support as ls
from groupbuild.kinds.math.case import LatexForm, MathCase, MathKind
from groupbuild.kinds.math.edits import Context, finish, shuffled
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text import math as mt

_DETOUR_LEADS = ("Put another way, ", "In other words, ", "Going the other way, ", "Put simply, ")


_INVERSE = {"+": "-", "-": "+", "*": "/", "x": "/", "×": "÷", "/": "x", "÷": "×"}


def redundant_detour(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M13: a correct but useless restatement is inserted after a step (the inverse operation)."""
    ctx = Context.of(seed, reference)
    last = len(ctx.steps) - 1
    for j, step, eq, result in shuffled([s for s in ctx.sites() if s[0] < last], rng):
        nums = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "num"]
        ops = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "op"]
        if len(nums) != 2 or len(ops) != 1 or len(eq.segments) != 2:
            continue
        inverse = _INVERSE.get(step.tokens[ops[0]].text)
        if inverse is None:
            continue
        a, b = (step.tokens[i].text for i in nums)
        r = step.tokens[result].text
        lead = rng.choice(_DETOUR_LEADS)
        line = f"{lead}{r} {inverse} {b} = {a}."
        steps = [*ctx.steps[: j + 1], line, *ctx.steps[j + 1 :]]
        if mt.count_false((line,)) or not mt.parse_step(line).equations:
            continue
        evidence = ev.Insertion(inserted_after=j)
        edit = finish(ctx, steps, (j + 1,), evidence, changes_answer=False, length_exempt=True)
        if edit is not None:
            return edit
    return None


def prove_redundant_detour(c: MathCase) -> str | None:
    if not c.diff.inserted or len(c.diff.inserted) > 2 or c.diff.changed or c.diff.deleted:
        return "not_an_insertion"
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
