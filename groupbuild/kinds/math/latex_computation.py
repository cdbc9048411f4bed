"""LaTeX forms of the computation kinds: an arithmetic slip, a sign error, an off-by-one
count, goal drift (M3, M4, M9, M10). Each edits one equality of a competition solution, carries
the changed value on, and changes the boxed answer; each proof re-derives the edit with sympy.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from groupbuild.kinds import evidence as ev
from groupbuild.kinds.math.latex_edits import (
    LatexCase,
    LatexContext,
    apply_change,
    finish,
    integer_slips,
    proven,
    same_answer,
)
from groupbuild.kinds.registry import Edit
from groupbuild.schema import Seed, Trace
from groupbuild.text.math import latex_eval as le
from groupbuild.text.math import latex_flow as lf
from groupbuild.text.math.latex import boxed_spans


def _shuffled(
    items: list[tuple[int, le.Equation, int]], rng: random.Random
) -> list[tuple[int, le.Equation, int]]:
    items = list(items)
    rng.shuffle(items)
    return items


def arithmetic_slip(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M3: one equality gets a wrong integer result; the later steps use the wrong value."""
    ctx = LatexContext.of(seed, reference)
    for j, eq, value in _shuffled(ctx.sites(), rng):
        text = ctx.steps[j]
        for wrong in integer_slips(value, rng):
            new = lf.rewrite_segment(text, eq.result.start, eq.result.end, wrong)
            if new is None or le.count_false([new]) != le.count_false([text]) + 1:
                continue
            pos = eq.result.end + len(new) - len(text)
            evidence = ev.ValueChange(before=str(value), after=str(wrong))
            edit = apply_change(ctx, j, new, pos, {float(value): wrong}, evidence)
            edit = proven(ctx, edit, prove_arithmetic_slip)
            if edit is not None:
                return edit
    return _result_slip(ctx, rng)


def _result_pairs(text: str) -> list[tuple[le.Segment, le.Segment]]:
    """The last two segments of every chain of a step: a result and what it is equal to."""
    return [(chain[-2], chain[-1]) for chain in le.chains(text)]


def solved_equation(
    steps: tuple[str, ...], j: int, head: str, result: str
) -> tuple[str, str] | None:
    """An equation in the variable `head` that steps up to `j` write and that `head = result`
    solves: what makes a value stated for a solved variable checkable."""
    name = le.bare_text(head)
    if not re.fullmatch(r"[A-Za-z]", name):
        return None
    value = le.value_of(result)
    for text in steps[: j + 1]:
        for a, b in _all_pairs(text):
            if le.bare_text(a.text) == name:
                continue
            if le.satisfied(a.text, b.text, name, value):
                return a.text, b.text
    return None


def _all_pairs(text: str) -> list[tuple[le.Segment, le.Segment]]:
    return [(c[k], c[k + 1]) for c in le.chains(text) for k in range(len(c) - 1)]


def stated_values(steps: tuple[str, ...], j: int, cut: int) -> dict[str, object]:
    """The one value the trace states for each one-letter variable (`$b=4$`, `$x = \\frac{1}{2}$`)
    before offset `cut` of step `j`; a variable given two values is left out."""
    found: dict[str, set[object]] = {}
    for k, text in enumerate(steps[: j + 1]):
        for chain in le.chains(text):
            if k == j and chain[-1].end > cut:
                continue
            name = le.bare_text(chain[0].text)
            value = le.value_of(chain[-1].text)
            if re.fullmatch(r"[A-Za-z]", name) and value is not None:
                found.setdefault(name, set()).add(value)
    return {name: next(iter(v)) for name, v in found.items() if len(v) == 1}


def substituted(steps: tuple[str, ...], j: int, before: le.Segment) -> object | None:
    """The value of `before`, an expression in variables (not a variable alone), at the values
    the trace stated for them earlier: what `r+s = 11` after `r=-2`, `s=13` is checked by."""
    if re.fullmatch(r"[A-Za-z]", le.bare_text(before.text)):
        return None
    return le.evaluated(before.text, stated_values(steps, j, before.start))


def _holds(ctx: LatexContext, j: int, before: le.Segment, result: le.Segment) -> bool:
    if le.bare_integer(result.text) is None and le.relation(before.text, result.text):
        return True
    value = substituted(ctx.steps, j, before)
    if value is not None:
        return _agrees(value, result.text)
    return solved_equation(ctx.steps, j, before.text, result.text) is not None


def _agrees(value: object, result: str) -> bool:
    stated = le.value_of(result)
    return stated is not None and le.agree(value, stated, "", result)


def _broken(steps: tuple[str, ...], j: int, before: le.Segment, result: str, solved: bool) -> bool:
    """The pair `before = result` of step `j` no longer holds: numerically or as an
    identity, at the values the trace stated for its variables, or (`solved`) the value no
    longer solves the equation the trace wrote."""
    if not solved:
        return le.relation(before.text, result) is False
    value = substituted(steps, j, before)
    if value is not None:
        return le.value_of(result) is not None and not _agrees(value, result)
    name = le.bare_text(before.text)
    value = le.value_of(result)
    return any(
        le.satisfied(a.text, b.text, name, value) is False
        for text in steps[: j + 1]
        for a, b in _all_pairs(text)
        if le.bare_text(a.text) != name
    )


def _result_slip(ctx: LatexContext, rng: random.Random) -> Edit | None:
    """A number inside a result is slipped where the equality held (numerically, as an
    identity, or as the solution of an equation the trace wrote): `\\frac{5}{6}`, `8+4i`,
    `x = \\boxed{5}` after `2x = 10`."""
    sites = [
        (j, before, result, n)
        for j, text in enumerate(ctx.steps)
        for before, result in _result_pairs(text)
        if _holds(ctx, j, before, result)
        for n in lf.numbers(text)
        if result.start <= n.start and n.end <= result.end and n.value == int(n.value)
    ]
    rng.shuffle(sites)
    for j, before, result, n in sites[:12]:
        text = ctx.steps[j]
        solved = le.relation(before.text, result.text) is not True
        for wrong in integer_slips(int(n.value), rng)[:3]:
            if wrong < 0:
                continue
            new = text[: n.start] + str(wrong) + text[n.end :]
            shift = len(new) - len(text)
            steps = (*ctx.steps[:j], new)
            if not _broken(steps, j, before, new[result.start : result.end + shift], solved):
                continue
            if le.count_false([new]) > le.count_false([text]) + 1:
                continue
            evidence = ev.ValueChange(before=str(int(n.value)), after=str(wrong))
            edit = apply_change(ctx, j, new, result.end + shift, {n.value: wrong}, evidence)
            edit = proven(ctx, edit, prove_arithmetic_slip)
            if edit is not None:
                return edit
    return None


def _binary_signs(segment: str) -> list[int]:
    """Offsets of the `+` and `-` of a segment that join two terms (not a leading sign)."""
    out = []
    for i, ch in enumerate(segment):
        if ch in "+-":
            before = segment[:i].rstrip()
            if before and (before[-1].isdigit() or before[-1] in ")}"):
                out.append(i)
    return out


def _respelled(
    ctx: LatexContext, j: int, eq: le.Equation, new_first: str, evidence: ev.MathEvidence
) -> Edit | None:
    """Step `j` with its equation's first segment rewritten, its results re-evaluated."""
    text = ctx.steps[j]
    first = eq.segments[0]
    edited = text[: first.start] + new_first + text[first.end :]
    settled = lf.settle(edited)
    if settled is None or settled[0] == edited:
        return None
    new_text, changes = settled
    pos = eq.result.end + len(new_text) - len(text)
    return apply_change(ctx, j, new_text, pos, changes, evidence)


def sign_error(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M4: one `+` becomes `-` or back (a sign lost moving a term); the arithmetic after it is
    done right, so the result and the answer change."""
    ctx = LatexContext.of(seed, reference)
    sites = ctx.computations()
    rng.shuffle(sites)
    for j, eq in sites:
        segment = eq.segments[0].text
        signs = _binary_signs(segment)
        rng.shuffle(signs)
        for i in signs:
            flipped = "-" if segment[i] == "+" else "+"
            new_first = segment[:i] + flipped + segment[i + 1 :]
            evidence = ev.OperatorChange(operator=(segment[i], flipped))
            edit = proven(ctx, _respelled(ctx, j, eq, new_first, evidence), prove_sign_error)
            if edit is not None:
                return edit
    return _result_sign(ctx, rng)


def _result_sign(ctx: LatexContext, rng: random.Random) -> Edit | None:
    """A sign lost in a result that held: a `+`/`-` flipped, or a leading minus dropped or
    added (`\\boxed{-\\frac{2}{5}}` as `\\boxed{\\frac{2}{5}}`)."""
    sites = [
        (j, before, result)
        for j, text in enumerate(ctx.steps)
        for before, result in _result_pairs(text)
        if _holds(ctx, j, before, result)
    ]
    rng.shuffle(sites)
    for j, before, result in sites[:8]:
        text = ctx.steps[j]
        solved = le.relation(before.text, result.text) is not True
        body = result.text
        inner = body.lstrip()
        lead = len(body) - len(inner)
        if inner.startswith("\\boxed{"):
            lead += len("\\boxed{")
            inner = body[lead:]
        options = [
            body[:i] + ("-" if body[i] == "+" else "+") + body[i + 1 :] for i in _binary_signs(body)
        ]
        if inner.startswith("-"):
            options.append(body[:lead] + inner[1:])
        elif inner[:1].isdigit() or inner.startswith("\\frac"):
            options.append(body[:lead] + "-" + inner)
        rng.shuffle(options)
        for option in options:
            new = text[: result.start] + option + text[result.end :]
            if not _broken((*ctx.steps[:j], new), j, before, option, solved):
                continue
            old_sign = "-" if "-" in body else "+"
            evidence = ev.OperatorChange(operator=(old_sign, "+" if old_sign == "-" else "-"))
            edit = apply_change(ctx, j, new, result.start + len(option), {}, evidence)
            edit = proven(ctx, edit, prove_sign_error)
            if edit is not None:
                return edit
    return None


def _one_sign_apart(a: str, b: str) -> bool:
    """`b` is `a` with one `+` and `-` swapped, or one `-` added or removed."""
    if len(a) == len(b):
        diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        return len(diff) == 1 and set(diff[0]) == {"+", "-"}
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return False
    k = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return long[k] == "-" and long[:k] + long[k + 1 :] == short


_PLUS_ONE = re.compile(r"\s*\+\s*1\s*$")
_DIFFERENCE = re.compile(r"^\s*\d+\s*-\s*\d+\s*$")


def off_by_one(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M9: a count becomes inclusive or exclusive: `b - a + 1` loses its `+ 1`, `b - a` gains
    one."""
    ctx = LatexContext.of(seed, reference)
    sites = ctx.computations()
    rng.shuffle(sites)
    for j, eq in sites:
        segment = eq.segments[0].text
        options = []
        if _PLUS_ONE.search(segment) and _binary_signs(segment):
            cut = _PLUS_ONE.sub("", segment)
            options.append(cut + segment[len(segment.rstrip()) :])
        if _DIFFERENCE.match(segment):
            body = segment.rstrip()
            options.append(body + rng.choice([" + 1", " - 1"]) + segment[len(body) :])
        for m in _ENDPOINTS.finditer(segment):
            group = rng.choice(("a", "b"))
            value = int(m.group(group)) + rng.choice((1, -1))
            if value >= 0:
                lo, hi = m.span(group)
                options.append(segment[:lo] + str(value) + segment[hi:])
        for new_first in options:
            edit = _respelled(ctx, j, eq, new_first, ev.CountShift())
            edit = proven(ctx, edit, prove_off_by_one)
            if edit is not None:
                return edit
    return None


_ENDPOINTS = re.compile(r"(?<![\w.^{\\])(?P<a>\d+)\s*-\s*(?P<b>\d+)(?![\d.])")
"""A difference of two written integers: the endpoints of a count (`100-10+1`)."""


def goal_drift(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M10: the last step boxes a value the trace wrote before (an intermediate result or a
    quantity it used) instead of the one asked."""
    ctx = LatexContext.of(seed, reference)
    last = answer_step(ctx.steps)
    if last is None:
        return None
    text = ctx.steps[last]
    lo, hi = boxed_spans(text)[-1]
    earlier = sorted(
        {
            (k, str(int(n.value)))
            for k in range(last + 1)
            for n in lf.numbers(ctx.steps[k])
            if n.value == int(n.value) and n.value not in lf.COMMON and (k < last or n.end <= lo)
        }
    )
    rng.shuffle(earlier)
    earlier += sorted(_earlier_results(ctx.steps[: last + 1], lo) - set(earlier))
    run = next(
        (eq for eq in le.claims(text) if eq.result.start <= lo and hi <= eq.result.end), None
    )
    for k, value in earlier:
        if same_answer(value, ctx.answer) or same_answer(value, ctx.gold):
            continue
        new = text[:lo] + value + text[hi:]
        if run is not None:
            new = text[: run.segments[0].start] + text[run.result.start : lo] + value
            new += text[hi:]
        steps = [*ctx.steps[:last], new, *ctx.steps[last + 1 :]]
        if le.count_false(steps) > le.count_false(ctx.steps):
            continue
        edit = finish(ctx, steps, (last,), ev.ReportedFrom(reported_from_step=k))
        if edit is not None:
            return edit
    return None


def prove_arithmetic_slip(c: LatexCase) -> str | None:
    """A new false equality: one more numeric equation fails, or a result that held (as a
    number or an identity) in the reference no longer does."""
    added = c.new_false()
    if added > 1:
        return "more_than_one_false_equation"
    if added <= 0 and not _broken_result(c):
        return "no_false_equation"
    return c.answer_changed()


def _broken_result(c: LatexCase) -> bool:
    edited = c.edited_step()
    if edited is None:
        return False
    j, before, after = edited
    ref_pairs = {p.text.strip(): (p, r.text) for p, r in _result_pairs(before)}
    for p, r in _result_pairs(after):
        old_pair, old = ref_pairs.get(p.text.strip(), (None, None))
        if old_pair is None or old is None or old == r.text:
            continue
        held = substituted(c.ref, j, old_pair)
        if held is not None:
            if _agrees(held, old) and _broken(tuple(c.cand), j, p, r.text, solved=True):
                return True
            continue
        if solved_equation(c.ref, j, p.text, old) and _broken(
            tuple(c.cand), j, p, r.text, solved=True
        ):
            return True
    held = {
        (p.text.strip(), r.text.strip())
        for p, r in _result_pairs(before)
        if le.relation(p.text, r.text)
    }
    lhs = {p for p, _ in held}
    return any(
        p.text.strip() in lhs
        and (p.text.strip(), r.text.strip()) not in held
        and le.relation(p.text, r.text) is False
        for p, r in _result_pairs(after)
    )


def _first_segments(text: str) -> list[str]:
    return [eq.segments[0].text for eq in le.claims(text)]


def prove_sign_error(c: LatexCase) -> str | None:
    """One sign differs, and either the step's arithmetic follows it (the result moved with
    it) or the result it now states no longer holds; the answer changed."""
    edited = c.edited_step()
    if edited is None:
        return "no_single_step_edit"
    _, before, after = edited
    if (
        _one_sign_apart(before, after)
        and c.new_false() <= 1
        and (c.new_false() == 1 or _broken_result(c))
    ):
        return c.answer_changed()
    if c.new_false() > 0:
        return "false_equation_added"
    old, new = _first_segments(before), _first_segments(after)
    if len(old) != len(new):
        return "equations_changed"
    flips = [
        (a, b)
        for a, b in zip(old, new, strict=True)
        if a != b and a.replace("-", "+") == b.replace("-", "+")
    ]
    others = [(a, b) for a, b in zip(old, new, strict=True) if a != b and (a, b) not in flips]
    if len(flips) != 1 or others:
        return "no_sign_flipped"
    a, b = flips[0]
    if sum(x != y for x, y in zip(a, b, strict=True)) != 1:
        return "no_sign_flipped"
    return c.answer_changed()


def prove_off_by_one(c: LatexCase) -> str | None:
    edited = c.edited_step()
    if edited is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    _, before, after = edited
    if _endpoint_moved(before, after):
        return c.answer_changed()
    old = [eq.value for eq in le.claims(before)]
    new = [eq.value for eq in le.claims(after)]
    shifted = [(a, b) for a, b in zip(old, new, strict=False) if abs(a - b) > 1e-9]
    if len(old) != len(new) or not shifted or abs(abs(shifted[0][0] - shifted[0][1]) - 1) > 1e-9:
        return "result_not_shifted_by_one"
    return c.answer_changed()


def _endpoint_moved(before: str, after: str) -> bool:
    """The first computation differs in one endpoint of a difference, moved by exactly one."""
    old = [eq.segments[0].text for eq in le.claims(before)]
    new = [eq.segments[0].text for eq in le.claims(after)]
    changed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    if len(old) != len(new) or len(changed) != 1:
        return False
    a, b = changed[0]
    for m in _ENDPOINTS.finditer(a):
        for group in ("a", "b"):
            lo, hi = m.span(group)
            for step in (1, -1):
                if a[:lo] + str(int(m.group(group)) + step) + a[hi:] == b:
                    return True
    return False


def answer_step(steps: tuple[str, ...] | list[str]) -> int | None:
    """The step that boxes the final answer (a closing remark may follow it)."""
    return next((j for j in range(len(steps) - 1, -1, -1) if boxed_spans(steps[j])), None)


def prove_goal_drift(c: LatexCase) -> str | None:
    last = answer_step(c.ref)
    if last is None or c.diff.changed != (last,) or c.diff.deleted or c.diff.inserted:
        return "not_answer_step_only"
    if c.new_false() > 0:
        return "false_equation_added"
    cut = boxed_spans(c.ref[last])[-1][0]
    written = [*c.ref[:last], c.ref[last][:cut]]
    earlier = {n.value for s in written for n in lf.numbers(s) if n.value not in lf.COMMON}
    stated = le.bare_integer(c.answer or "")
    results = {text for _, text in _earlier_results(c.ref[: last + 1], cut)}
    if (stated is None or float(stated) not in earlier) and _squeezed(c.answer) not in results:
        return "answer_not_an_earlier_value"
    return c.answer_changed()


def _earlier_results(steps: tuple[str, ...] | list[str], cut: int) -> set[tuple[int, str]]:
    """(step, text) of the results the trace states before the last step's boxed answer
    (at offset `cut`), written as they would be boxed: `\\frac{1}{2}`, `(2,3)`."""
    last = len(steps) - 1
    return {
        (k, _squeezed(le.bare_text(result.text)))
        for k, text in enumerate(steps)
        for _, result in _result_pairs(text)
        if (k < last or result.end <= cut)
        and le.bare_text(result.text)
        and "\\boxed" not in result.text
        and len(le.bare_text(result.text)) <= 40
        and le.value_of(result.text) is not None
    }


def _squeezed(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def inconsistent_carry(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M6: a later step uses a value other than the one derived for it earlier; its own
    arithmetic, and the steps after it, follow the wrong value."""
    ctx = LatexContext.of(seed, reference)
    sites = []
    for k, text in enumerate(ctx.steps):
        before = lf.values_before(ctx.steps, k)
        for n in lf.numbers(text):
            if (
                not n.result
                and n.value in before
                and n.value == int(n.value)
                and not lf.known(n.value, ctx.problem)
            ):
                sites.append((k, n))
    rng.shuffle(sites)
    for k, n in sites[:12]:
        wrongs = [
            w
            for w in integer_slips(int(n.value), rng)[:4]
            if w > 0 and float(w) not in lf.values_before(ctx.steps, k + 1)
        ]
        edit = _swap_operand(ctx, k, n, wrongs, prove_inconsistent_carry)
        if edit is not None:
            return edit
    return None


def misread_value(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M5: a number the problem states is used in place of another number it states."""
    ctx = LatexContext.of(seed, reference)
    stated = sorted(v for v in lf.given(ctx.problem) if v == int(v) and v > 0)
    sites = [
        (k, n)
        for k, text in enumerate(ctx.steps)
        for n in lf.numbers(text)
        if not n.result and n.value in stated and n.value not in lf.COMMON
    ]
    rng.shuffle(sites)
    for k, n in sites[:12]:
        others = [int(v) for v in stated if v != n.value and v not in lf.COMMON]
        rng.shuffle(others)
        edit = _swap_operand(ctx, k, n, others[:4], prove_misread_value)
        if edit is not None:
            return edit
    return None


def _swap_operand(
    ctx: LatexContext,
    k: int,
    n: lf.Number,
    wrongs: list[int],
    proof: Callable[[LatexCase], str | None],
) -> Edit | None:
    """Step `k` with number `n` written as one of `wrongs`, its equations re-evaluated and
    the change carried on."""
    text = ctx.steps[k]
    for wrong in wrongs:
        settled = lf.settle(text[: n.start] + str(wrong) + text[n.end :])
        if settled is None:
            continue
        new, changes = settled
        evidence = ev.ValueChange(before=str(int(n.value)), after=str(wrong))
        pos = min(len(new), n.end + len(new) - len(text))
        edit = proven(ctx, apply_change(ctx, k, new, pos, changes, evidence), proof)
        if edit is not None:
            return edit
    return None


def prove_misread_value(c: LatexCase) -> str | None:
    edited = c.edited_step()
    if edited is None:
        return "no_single_step_edit"
    if c.new_false() > 0:
        return "false_equation_added"
    _, before, after = edited
    old = [n.value for n in lf.numbers(before)]
    new = [n.value for n in lf.numbers(after)]
    given = lf.given(c.seed.problem)
    if len(old) != len(new):
        return "not_one_operand_changed"
    swapped = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    if not swapped or not (swapped[0][0] in given and swapped[0][1] in given):
        return "new_value_not_in_problem"
    return c.answer_changed()


def prove_inconsistent_carry(c: LatexCase) -> str | None:
    edited = c.edited_step()
    if edited is None:
        return "no_single_step_edit"
    if c.new_false() > 0:
        return "false_equation_added"
    j, before, after = edited
    old = [n.value for n in lf.numbers(before)]
    new = [n.value for n in lf.numbers(after)]
    if len(old) != len(new):
        return "not_one_operand_changed"
    written = lf.values_before(c.ref, j)
    swapped = [(a, b) for a, b in zip(old, new, strict=True) if a != b and a in written]
    if not swapped:
        return "not_one_operand_changed"
    if not any(b in c.new_dangling() for _, b in swapped):
        return "carried_value_not_contradicted"
    return c.answer_changed()
