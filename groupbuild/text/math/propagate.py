"""The numeric fallout of a changed value: re-evaluating later steps so the trace stays
consistent with the change."""

from __future__ import annotations

from fractions import Fraction

from groupbuild.text.math.equations import Equation, Step, bare, parse_step, replace_tokens
from groupbuild.text.math.expressions import evaluate
from groupbuild.text.math.numerals import parse_number, render


def recompute_step(
    text: str,
    changes: dict[Fraction, Fraction],
    forced: dict[int, Fraction] | None = None,
    ambiguous: frozenset[Fraction] = frozenset(),
    reevaluate: bool = False,
) -> tuple[str, dict[Fraction, Fraction]] | None:
    """Re-evaluate one step after values changed upstream.

    Numbers whose value is a key of `changes` take the new value; every equation is then
    evaluated again and its written result rewritten, so the step stays internally consistent.
    `forced` pins numbers by token index: a pinned result is written as given and its
    equation is not re-evaluated (an arithmetic slip). Returns the new text and the changes
    to carry on, or None when the fallout cannot be written (a changed value that is also an
    `ambiguous` given number, a chain that stops agreeing, a value needing rounding).
    `reevaluate` rewrites every equation's result even when no input changed (after an edit
    of the expression itself).
    """
    step = parse_step(text)
    forced = forced or {}
    changes = dict(changes)
    new_values: dict[int, Fraction] = {}
    done: set[int] = set()
    for eq in step.equations:
        ok = _recompute_equation(step, eq, changes, forced, ambiguous, reevaluate, new_values, done)
        if not ok:
            return None
    for i in step.nums:
        if i in done:
            continue
        value = forced.get(i, step.tokens[i].value)
        assert value is not None
        if i not in forced and value in changes:
            if value in ambiguous:
                return None
            value = changes[value]
        if value != step.tokens[i].value:
            new_values[i] = value
    written: dict[int, str] = {}
    for i, value in new_values.items():
        shown = render(value, step.tokens[i].text)
        if shown is None:
            return None
        written[i] = shown
    return replace_tokens(step, written), changes


def _recompute_equation(
    step: Step,
    eq: Equation,
    changes: dict[Fraction, Fraction],
    forced: dict[int, Fraction],
    ambiguous: frozenset[Fraction],
    reevaluate: bool,
    new_values: dict[int, Fraction],
    done: set[int],
) -> bool:
    tokens = step.tokens
    subs: dict[int, Fraction] = {}
    for i in eq.operands():
        if tokens[i].kind != "num":
            continue
        old = tokens[i].value
        assert old is not None
        if i in forced:
            subs[i] = forced[i]
        elif old in changes:
            if old in ambiguous:
                return False
            subs[i] = changes[old]
    result = bare(tokens, *eq.result)
    if result is not None and result in forced:
        new_values.update(subs)
        new_values[result] = forced[result]
        done.update(subs, {result})
        _carry(changes, tokens[result].value, forced[result])
        return True
    try:
        value = evaluate(tokens, *eq.segments[0], subs, eq.percent_div[0])
    except (ValueError, ZeroDivisionError):
        return False
    if not subs and eq.holds and result is not None:
        stale = tokens[result].value
        if stale is not None and stale in changes:
            del changes[stale]
    if not subs and not reevaluate:
        done.update(eq.operands())
        if result is not None:
            done.add(result)
        return True
    for (lo, hi), pdiv in zip(eq.segments[1:], eq.percent_div[1:], strict=True):
        single = bare(tokens, lo, hi)
        if single is None:
            return False
        scaled = value * 100 if tokens[single].percent and pdiv else value
        written = render(scaled, tokens[single].text)
        shown = None if written is None else parse_number(written)
        if shown is None:
            return False
        new_values[single] = shown
        _carry(changes, tokens[single].value, shown)
    new_values.update(subs)
    done.update(eq.operands())
    if result is not None:
        done.add(result)
    return True


def _carry(changes: dict[Fraction, Fraction], old: Fraction | None, new: Fraction) -> None:
    if old is not None and old != new:
        changes[old] = new


def propagate(
    steps: tuple[str, ...] | list[str],
    start: int,
    changes: dict[Fraction, Fraction],
    ambiguous: frozenset[Fraction] = frozenset(),
) -> tuple[list[str], list[int]] | None:
    """Carry changed values through `steps[start:]` (the fallout a re-evaluation predicts).

    Returns the new steps and the indices of the steps that were rewritten, or None when some
    step cannot follow consistently (see `recompute_step`).
    """
    out = list(steps)
    touched: list[int] = []
    current = dict(changes)
    for j in range(start, len(out)):
        if not current:
            break
        redone = recompute_step(out[j], current, None, ambiguous)
        if redone is None:
            return None
        text, current = redone
        if text != out[j]:
            out[j] = text
            touched.append(j)
    return out, touched
