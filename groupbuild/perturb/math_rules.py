"""Rule perturbations of math traces (taxonomy.md §2.1), one function per kind.

Each rule finds the places in the reference where its kind applies, tries them in an order
drawn from `rng`, and returns the first edit that keeps its promise: the edited step plus the
numeric fallout that re-evaluation predicts (`mathtext.propagate`), no error-announcing words,
the length within tolerance, and for answer-changing kinds an answer different from both the
reference's and the gold one. None when no place works.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import TypeVar

from groupbuild import mathtext as mt
from groupbuild.cues import CUE_LEXICON
from groupbuild.perturb.kinds import Kind
from groupbuild.perturb.math_lemmas import LEMMA_FINDERS, Lemma
from groupbuild.perturb.registry import Edit, perturbation
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.traces import length_ratio

LENGTH_TOLERANCE = 0.10
T = TypeVar("T")


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


def _shuffled(items: list[T], rng: random.Random) -> list[T]:
    items = list(items)
    rng.shuffle(items)
    return items


def _finish(
    ctx: Context,
    steps: list[str],
    span: tuple[int, ...],
    evidence: dict[str, object],
    *,
    changes_answer: bool = True,
    length_exempt: bool = False,
) -> Edit | None:
    """The edit, if it keeps the promises every math rule makes; else None."""
    if steps == list(ctx.steps) or not steps:
        return None
    trace = Trace(steps=tuple(steps))
    reference = Trace(steps=ctx.steps)
    originals = set(ctx.steps)
    if any(CUE_LEXICON.search(s) for s in steps if s not in originals):
        return None
    if not length_exempt and abs(length_ratio(reference, trace) - 1) > LENGTH_TOLERANCE:
        return None
    answer = mt.answer_value(trace)
    if changes_answer:
        if answer is None or answer == ctx.answer or answer == ctx.gold:
            return None
    elif answer != ctx.answer:
        return None
    evidence.setdefault("propagated", [])
    evidence["answer"] = None if answer is None else mt.canonical(answer)
    return Edit(trace=trace, declared_span=span, evidence=evidence)


def _apply(
    ctx: Context,
    j: int,
    new_text: str | None,
    changes: dict[Fraction, Fraction],
    evidence: dict[str, object],
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
    evidence["propagated"] = touched
    return _finish(ctx, new_steps, (j,), evidence)


def _slips(value: Fraction, rng: random.Random) -> list[Fraction]:
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
    return _shuffled([v for v in out if v > 0 and v != value], rng)


@perturbation(Kind.ARITHMETIC_SLIP, domain=Domain.MATH)
def arithmetic_slip(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M3: one equation gets a wrong result; the steps after it use the wrong value."""
    ctx = Context.of(seed, reference)
    for j, step, _eq, result in _shuffled(list(ctx.sites()), rng):
        old = step.tokens[result].value
        assert old is not None
        for wrong in _slips(old, rng):
            redone = mt.recompute_step(step.text, {}, {result: wrong}, ctx.ambiguous)
            if redone is None or mt.count_false((redone[0],)) != 1 + mt.count_false((step.text,)):
                continue
            evidence: dict[str, object] = {"from": mt.canonical(old), "to": mt.canonical(wrong)}
            edit = _apply(ctx, j, redone[0], redone[1], evidence)
            if edit is not None:
                return edit
    return None


_SWAP = {"+": "-", "-": "+", "–": "+", "−": "+", "*": "/", "x": "/", "X": "/", "×": "÷", "÷": "×"}


@perturbation(Kind.OPERATOR_SWAP, domain=Domain.MATH)
def operator_swap(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M4: one operator flips (+ and -, times and divided by); the arithmetic stays right."""
    ctx = Context.of(seed, reference)
    times = "x" if any(" x " in s for s in ctx.steps) else "*"
    for j, step, eq, _ in _shuffled(list(ctx.sites()), rng):
        ops = [i for i in range(*eq.segments[0]) if step.tokens[i].kind == "op"]
        for i in _shuffled(ops, rng):
            text = step.tokens[i].text
            new = times if text == "/" else _SWAP.get(text)
            if new is None:
                continue
            edited = mt.replace_tokens(step, {i: new})
            redone = mt.recompute_step(edited, {}, None, ctx.ambiguous, reevaluate=True)
            if redone is None:
                continue
            evidence: dict[str, object] = {"operator": [text, new]}
            edit = _apply(ctx, j, redone[0], _changes(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


def _changes(before: mt.Step, after_text: str) -> dict[Fraction, Fraction]:
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


def _operand_sites(ctx: Context, source: str) -> list[tuple[int, mt.Step, int, Fraction]]:
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


def _first_swap(
    ctx: Context, j: int, step: mt.Step, i: int, value: Fraction, others: list[Fraction]
) -> Edit | None:
    """The first of `others` that, put in place of operand `i` of step `j`, makes a valid edit."""
    for other in others:
        new_text = _with_operand(ctx, j, step, i, other)
        if new_text is None:
            continue
        evidence: dict[str, object] = {"from": mt.canonical(value), "to": mt.canonical(other)}
        edit = _apply(ctx, j, new_text, _changes(step, new_text), evidence)
        if edit is not None:
            return edit
    return None


@perturbation(Kind.MISREAD_VALUE, domain=Domain.MATH)
def misread_value(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M5: a number from the problem is used in place of another number of the problem."""
    ctx = Context.of(seed, reference)
    stated = sorted({t.value for t in mt.tokenize(seed.problem) if t.kind == "num" and t.value})
    for j, step, i, value in _shuffled(_operand_sites(ctx, "problem"), rng):
        in_step = {q.value for q in ctx.flow[j]}
        others = _shuffled([v for v in stated if v not in in_step], rng)
        others += _shuffled([v for v in stated if v in in_step and v != value], rng)
        edit = _first_swap(ctx, j, step, i, value, others)
        if edit is not None:
            return edit
    return None


@perturbation(Kind.INCONSISTENT_CARRY, domain=Domain.MATH)
def inconsistent_carry(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M6: a later step uses a value other than the one derived for it earlier."""
    ctx = Context.of(seed, reference)
    for j, step, i, value in _shuffled(_operand_sites(ctx, "derived"), rng):
        others = [
            other
            for other in _slips(value, rng)
            if other not in ctx.ambiguous and not ctx.derived_elsewhere(-1, other)
        ]
        edit = _first_swap(ctx, j, step, i, value, others)
        if edit is not None:
            return edit
    return None


@perturbation(Kind.OFF_BY_ONE, domain=Domain.MATH)
def off_by_one(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M9: a count becomes inclusive or exclusive: `b - a` gains or loses a `+ 1`."""
    ctx = Context.of(seed, reference)
    for j, step, eq, _ in _shuffled(list(ctx.sites()), rng):
        lo, hi = eq.segments[0]
        toks = step.tokens
        nums = [i for i in range(lo, hi) if toks[i].kind == "num"]
        ops = [i for i in range(lo, hi) if toks[i].kind == "op"]
        if any(t.value is None or t.value.denominator != 1 for t in (toks[i] for i in nums)):
            continue
        edits: list[str] = []
        last = nums[-1]
        if len(ops) >= 2 and toks[last].value == 1 and toks[last - 1].text in "+-–":
            cut_from = toks[last - 1].start
            edits.append(step.text[:cut_from].rstrip() + step.text[toks[last].end :])
        if len(nums) == 2 and len(ops) == 1 and toks[ops[0]].text in "-–−":
            end = toks[hi - 1].end
            for extra in _shuffled([" + 1", " - 1"], rng):
                edits.append(step.text[:end] + extra + step.text[end:])
        for edited in edits:
            redone = mt.recompute_step(edited, {}, None, ctx.ambiguous, reevaluate=True)
            if redone is None:
                continue
            evidence: dict[str, object] = {"shift": "inclusive_exclusive"}
            edit = _apply(ctx, j, redone[0], _changes(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


@perturbation(Kind.GOAL_DRIFT, domain=Domain.MATH)
def goal_drift(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M10: the last step reports a quantity computed earlier instead of the one asked."""
    ctx = Context.of(seed, reference)
    last = len(ctx.steps) - 1
    if last < 1:
        return None
    earlier = [(j, step, eq, r) for j, step, eq, r in ctx.sites() if j < last]
    final = mt.parse_step(ctx.steps[last])
    for j, step, eq, result in _shuffled(earlier, rng):
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
        steps = [*ctx.steps[:last], new_last]
        edit = _finish(ctx, steps, (last,), {"reported_from_step": j})
        if edit is not None:
            return edit
    return None


_WRONG_DIRECTION = {"*": "/", "x": "/", "X": "/", "×": "÷", "/": "*", "÷": "×"}


@perturbation(Kind.UNIT_ERROR, domain=Domain.MATH)
def unit_error(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M11: a unit conversion applied the wrong way round (times 60 where it divides by 60)."""
    ctx = Context.of(seed, reference)
    for j, step, eq, _ in _shuffled(list(ctx.sites()), rng):
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
            evidence: dict[str, object] = {
                "factor": mt.canonical(tok.value),
                "unit": units[tok.value],
                "operator": [step.tokens[k].text, new_op],
            }
            edit = _apply(ctx, j, redone[0], _changes(step, redone[0]), evidence)
            if edit is not None:
                return edit
    return None


@perturbation(Kind.WRONG_LEMMA, domain=Domain.MATH)
def wrong_lemma(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M7: a step applies a plausible false identity from a bank keyed to its pattern."""
    ctx = Context.of(seed, reference)
    found: list[tuple[int, mt.Step, Lemma]] = []
    for j, step, eq, _ in ctx.sites():
        constants = frozenset(q.token for q in ctx.flow[j] if q.source == "constant")
        for finder in LEMMA_FINDERS:
            found.extend((j, step, lemma) for lemma in finder(step, eq, constants))
    for j, step, lemma in _shuffled(found, rng):
        redone = mt.recompute_step(lemma.text, {}, None, ctx.ambiguous, reevaluate=True)
        if redone is None:
            continue
        evidence = lemma.evidence()
        edit = _apply(ctx, j, redone[0], _changes(step, redone[0]), evidence)
        if edit is not None:
            return edit
    return None


def _load_bearing(ctx: Context) -> list[tuple[int, mt.Step, mt.Equation, int, Fraction]]:
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


@perturbation(Kind.DROPPED_STEP, domain=Domain.MATH)
def dropped_step(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M1: a load-bearing step disappears; later steps still use what it derived."""
    ctx = Context.of(seed, reference)
    for j, _step, _eq, _result, value in _shuffled(_load_bearing(ctx), rng):
        steps = [s for k, s in enumerate(ctx.steps) if k != j]
        evidence: dict[str, object] = {"dropped_value": mt.canonical(value)}
        edit = _finish(ctx, steps, (j,), evidence, changes_answer=False, length_exempt=True)
        if edit is not None:
            return edit
    return None


@perturbation(Kind.DROPPED_STEP_REWIRED, domain=Domain.MATH)
def dropped_step_rewired(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M2: a step disappears and its later uses take one of that step's own inputs instead."""
    ctx = Context.of(seed, reference)
    for j, _step, eq, _result, value in _shuffled(_load_bearing(ctx), rng):
        inputs = {
            q.value
            for q in ctx.flow[j]
            if q.token in eq.operands() and q.source in ("problem", "derived")
        }
        for other in _shuffled(sorted(inputs - {value}), rng):
            steps = [s for k, s in enumerate(ctx.steps) if k != j]
            carried = mt.propagate(steps, j, {value: other}, ctx.ambiguous - {value})
            if carried is None:
                continue
            new_steps, touched = carried
            shifted = [k + 1 for k in touched]
            if len(shifted) > 3:
                continue
            evidence: dict[str, object] = {
                "dropped_value": mt.canonical(value),
                "rewired_to": mt.canonical(other),
                "propagated": shifted,
            }
            edit = _finish(ctx, new_steps, (j, *shifted[:2]), evidence, length_exempt=True)
            if edit is not None:
                return edit
    return None


_DETOUR_LEADS = ("Put another way, ", "In other words, ", "Going the other way, ", "Put simply, ")
_INVERSE = {"+": "-", "-": "+", "*": "/", "x": "/", "×": "÷", "/": "x", "÷": "×"}


@perturbation(Kind.REDUNDANT_DETOUR, domain=Domain.MATH)
def redundant_detour(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M13: a correct but useless restatement is inserted after a step (the inverse operation)."""
    ctx = Context.of(seed, reference)
    last = len(ctx.steps) - 1
    for j, step, eq, result in _shuffled([s for s in ctx.sites() if s[0] < last], rng):
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
        evidence: dict[str, object] = {"inserted_after": j}
        edit = _finish(ctx, steps, (j + 1,), evidence, changes_answer=False, length_exempt=True)
        if edit is not None:
            return edit
    return None


_CONNECTORS = (" because ", " since ", " as ")


@perturbation(Kind.OVERCLAIM, domain=Domain.MATH)
def overclaim(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """M14b: a derivation is replaced by a bare statement of its result."""
    ctx = Context.of(seed, reference)
    for j, step, eq, result in _shuffled(list(ctx.sites()), rng):
        value = step.tokens[result].value
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
        steps = [*ctx.steps[:j], new_text, *ctx.steps[j + 1 :]]
        evidence: dict[str, object] = {"asserted_value": mt.canonical(value)}
        edit = _finish(ctx, steps, (j,), evidence, changes_answer=False)
        if edit is not None:
            return edit
    return None


RULES: dict[Kind, Callable[[Seed, Trace, random.Random], Edit | None]] = {
    Kind.DROPPED_STEP: dropped_step,
    Kind.DROPPED_STEP_REWIRED: dropped_step_rewired,
    Kind.ARITHMETIC_SLIP: arithmetic_slip,
    Kind.OPERATOR_SWAP: operator_swap,
    Kind.MISREAD_VALUE: misread_value,
    Kind.INCONSISTENT_CARRY: inconsistent_carry,
    Kind.WRONG_LEMMA: wrong_lemma,
    Kind.OFF_BY_ONE: off_by_one,
    Kind.GOAL_DRIFT: goal_drift,
    Kind.UNIT_ERROR: unit_error,
    Kind.REDUNDANT_DETOUR: redundant_detour,
    Kind.OVERCLAIM: overclaim,
}
"""The math kinds these rules implement, for callers that want them without the registry."""
