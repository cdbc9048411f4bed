"""LaTeX forms of the support and economy kinds: a load-bearing step dropped, a derivation
replaced by its bare result, a useless restatement inserted (M1, M14b, M13). The boxed answer
stays; each proof shows what is now missing (a number used but never derived) or redundant.
"""

from __future__ import annotations

import random
import re

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math.latex_edits import LatexCase, LatexContext, finish
from groupbuild.kinds.registry import Edit
from groupbuild.schema import Seed, Trace
from groupbuild.text.math import latex_eval as le
from groupbuild.text.math import latex_flow as lf
from groupbuild.text.math import restate
from groupbuild.text.math.latex import boxed_spans, math_spans


def _fresh(ctx: LatexContext, j: int, value: float) -> bool:
    """A value step `j` introduces: not given, not common, not written before."""
    return not lf.known(value, ctx.problem) and value not in lf.values_before(ctx.steps, j)


def dropped_step(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M1: a step deriving a value that later steps use disappears."""
    ctx = LatexContext.of(seed, reference)
    last = len(ctx.steps) - 1
    sites = [j for j in range(last) if not boxed_spans(ctx.steps[j])]
    rng.shuffle(sites)
    for j in sites:
        values = {n.value for n in lf.numbers(ctx.steps[j]) if n.result and _fresh(ctx, j, n.value)}
        used = {
            n.value
            for s in ctx.steps[j + 1 :]
            for n in lf.numbers(s)
            if not n.result and n.value in values
        }
        steps = [s for k, s in enumerate(ctx.steps) if k != j]
        orphans = _orphaned(ctx.steps, tuple(steps), j, ctx.problem)
        if used:
            before = {v for _, v in lf.dangling(ctx.steps, ctx.problem)}
            if not {v for _, v in lf.dangling(tuple(steps), ctx.problem)} - before:
                used = set()
        if not used and not orphans and not _newly_asserted(ctx.steps, tuple(steps), ctx.problem):
            continue
        asserted = _newly_asserted(ctx.steps, tuple(steps), ctx.problem)
        shown = _shown(min(used)) if used else orphans[0] if orphans else _shown(min(asserted))
        evidence = ev.DroppedValue(dropped_value=shown)
        edit = finish(ctx, steps, (j,), evidence, changes_answer=False, length_exempt=True)
        if edit is not None:
            return edit
    return None


def _shown(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def overclaim(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M14b: a computation written out is replaced by a bare statement of its result
    (`$f(3) = 5-2(3) = -1$` as `$f(3) = -1$`)."""
    ctx = LatexContext.of(seed, reference)
    sites = [(j, eq) for j, eq in ctx.computations() if _fresh(ctx, j, eq.value.real)]
    rng.shuffle(sites)
    for j, eq in sites:
        text = ctx.steps[j]
        chain = next((c for c in le.chains(text) if c[-1].end == eq.result.end), None)
        if chain is None:
            continue
        new = text[: eq.segments[0].start] + text[eq.result.start :].lstrip()
        steps = [*ctx.steps[:j], new, *ctx.steps[j + 1 :]]
        if not _newly_asserted(ctx.steps, tuple(steps), ctx.problem):
            continue
        evidence = ev.Assertion(asserted_value=le.bare_text(eq.result.text))
        edit = finish(ctx, steps, (j,), evidence, changes_answer=False)
        if edit is not None:
            return edit
    return None


def _newly_asserted(ref: tuple[str, ...], cand: tuple[str, ...], problem: str) -> set[float]:
    """Values the candidate states with no computation behind them that the reference did
    compute (or use only after deriving)."""
    before = {v for _, v in lf.asserted(ref, problem)} | {v for _, v in lf.dangling(ref, problem)}
    after = {v for _, v in lf.asserted(cand, problem)} | {v for _, v in lf.dangling(cand, problem)}
    return after - before


_SIMPLE = re.compile(r"^\s*(\d+)\s*(\+|-|\\cdot|\\times)\s*(\d+)\s*$")


def _restatable(text: str) -> list[str]:
    """Inline math of a step worth restating: an equality that writes a number."""
    out = []
    for span in math_spans(text):
        inner = text[span.inner_start : span.inner_end].strip()
        if "=" in inner and "\\boxed" not in inner and len(inner) <= 80 and "\\\\" not in inner:
            out.append(inner)
    return out


def redundant_detour(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M13: a correct but useless restatement after a step: its computation run backwards, or
    one of its equalities said again."""
    ctx = LatexContext.of(seed, reference)
    last = len(ctx.steps) - 1
    sites = [s for s in ctx.sites() if s[0] < last and len(s[1].segments) == 2]
    rng.shuffle(sites)
    inverse = _inverse_detour(ctx, sites, rng)
    if inverse is not None:
        return inverse
    spans = [(j, f"${inner}$.") for j in range(last) for inner in _restatable(ctx.steps[j])]
    rng.shuffle(spans)
    whole = [(j, _restated(ctx.steps[j])) for j in range(last) if math_spans(ctx.steps[j])]
    rng.shuffle(whole)
    for j, said in [*spans, *whole]:
        edit = _inserted(ctx, j, restate.pick_opener(ctx.steps, rng) + said)
        if edit is not None:
            return edit
    given = _restatable(ctx.problem)
    rng.shuffle(given)
    for inner in given:
        edit = _inserted(ctx, -1, f"We are given that ${inner}$.")
        if edit is not None:
            return edit
    return None


def _inserted(ctx: LatexContext, after: int, step: str) -> Edit | None:
    """`step` inserted after step `after` (-1: before the first), the answer kept."""
    steps = [*ctx.steps[: after + 1], step, *ctx.steps[after + 1 :]]
    return finish(
        ctx,
        steps,
        (after + 1,),
        ev.Insertion(inserted_after=after),
        changes_answer=False,
        length_exempt=True,
    )


def _inverse_detour(
    ctx: LatexContext, sites: list[tuple[int, le.Equation, int]], rng: random.Random
) -> Edit | None:
    for j, eq, c in sites:
        m = _SIMPLE.match(eq.segments[0].text)
        if m is None:
            continue
        a, op, b = m.group(1), m.group(2), m.group(3)
        if op == "+":
            line = f"{c} - {b} = {a}"
        elif op == "-":
            line = f"{c} + {b} = {a}"
        elif int(b) != 0:
            line = f"\\frac{{{c}}}{{{b}}} = {a}"
        else:
            continue
        step = f"{restate.pick_opener(ctx.steps, rng)}${line}$."
        if not le.claims(step) or le.count_false([step]):
            continue
        edit = _inserted(ctx, j, step)
        if edit is not None:
            return edit
    return None


def _orphaned(ref: tuple[str, ...], cand: tuple[str, ...], j: int, problem: str) -> list[str]:
    """Variables step `j` of the reference introduces that the candidate, without step `j`,
    still uses later, now with nothing introducing them."""
    first = lf.first_uses(ref, problem)
    undefined = {name for _, name in lf.undefined_symbols(cand, problem)}
    before = {name for _, name in lf.undefined_symbols(ref, problem)}
    return sorted(
        name for name, k in first.items() if k == j and name in undefined and name not in before
    )


def prove_dropped_step(c: LatexCase) -> str | None:
    if len(c.diff.deleted) != 1 or c.diff.changed or c.diff.inserted:
        return "not_a_single_deletion"
    gone = _orphaned(c.ref, c.cand, c.diff.deleted[0], c.seed.problem)
    unsupported = _newly_asserted(c.ref, c.cand, c.seed.problem)
    if not c.new_dangling() and not gone and not unsupported:
        return "no_dangling_reference"
    return c.answer_kept()


def prove_overclaim(c: LatexCase) -> str | None:
    edited = c.edited_step()
    if edited is None or len(c.diff.changed) != 1:
        return "no_single_step_edit"
    _, before, after = edited
    if len(le.claims(after)) >= len(le.claims(before)):
        return "derivation_not_removed"
    if not _newly_asserted(c.ref, c.cand, c.seed.problem):
        return "assertion_is_supported"
    return c.answer_kept()


def prove_redundant_detour(c: LatexCase) -> str | None:
    if len(c.diff.inserted) != 1 or c.diff.changed or c.diff.deleted:
        return "not_an_insertion"
    if c.new_false() > 0:
        return "false_equation_added"
    j = c.diff.inserted[0]
    step = c.cand[j]
    restated = {_squeezed(t) for s in (c.seed.problem, *c.cand[:j]) for t in _inline(s)}
    if not le.claims(step) and not (
        _inline(step) and set(map(_squeezed, _inline(step))) <= restated
    ):
        return "detour_restates_nothing"
    known = lf.values_before(c.cand, j) | set(lf.given(c.seed.problem))
    if any(
        n.value not in known and not lf.known(n.value, c.seed.problem) for n in lf.numbers(step)
    ):
        return "detour_adds_a_value"
    return c.answer_kept()


def _restated(text: str) -> str:
    """A whole step said again after an opener the trace writes itself (`So we have ...`)."""
    body = text.rstrip()
    if body[:1].isupper() and body[1:2].islower():
        body = body[0].lower() + body[1:]
    return body if body.endswith((".", "!", "?")) else body + "."


def _inline(text: str) -> list[str]:
    return [text[sp.inner_start : sp.inner_end] for sp in math_spans(text)]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)
