"""A deterministic rubric judge for math traces, built on checkable signals only.

It sees the problem, the gold answer and the trace: never the reference, the perturbation
kind or the trace's role, so its scores are evidence about the text and not the label in
disguise. Signals: every equation re-evaluated, numbers used without being given or derived,
re-derivations of known values and results nothing uses, problem numbers left unused, and
whether the final answer (as the trace computes it) equals the gold answer, which dominates.
A LaTeX (competition) trace is read the same way through sympy: its numeric equalities, the
numbers it uses without stating where they come from, and its boxed answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from groupbuild.schema import Rubric, Seed, Trace
from groupbuild.text import math as mt

WRONG_ANSWER_CAP = 5.0
"""A trace whose answer is wrong scores at most this overall (the rubric: "a single false step
that changes or unsupports the result caps it at 5"); how far the answer is off and how many
flaws are found lower it further, so the total grades severity."""
WEIGHTS = {
    "problem_understanding": 0.15,
    "solution_strategy": 0.15,
    "step_coherence": 0.2,
    "calculation_correctness": 0.2,
    "answer_support": 0.3,
}
UNMEASURED_CAP = 7.9
"""Below the `strong` label: what an overall score is held to when no check backs it (no
equation to verify) or a located flaw breaks a computation."""
_ADJUSTED = re.compile(r"[-+*/x×÷]\s*\$?[\d.,]+\s*[-+]\s*1\s*(?==)")


@dataclass(frozen=True)
class Signals:
    """What the judge measured on one trace."""

    equations: int
    false_steps: tuple[int, ...]
    false_count: int
    dangling: tuple[mt.Quantity, ...]
    rederived: tuple[int, ...]
    """Steps whose every result was already known (given or derived before)."""
    unused: tuple[int, ...]
    """Steps (not the last) whose results no later, non-redundant step uses."""
    ignored_given: int
    """Numbers the problem states in digits that the trace never uses."""
    answer: Fraction | None
    correct: bool
    drifted: bool
    """The wrong answer is a value the trace derived before its last step."""
    steps: int = 1
    gold: Fraction | None = None
    adjusted: tuple[int, ...] = ()
    """Steps that end a computation by adding or taking away a bare 1 (a fencepost shift)."""
    carried: tuple[mt.Quantity, ...] = ()
    """Dangling operands that are a near copy of a value derived before (carried inconsistently)."""
    redundant_share: float = 0.0
    """The share of the trace's characters in steps that recompute or lead nowhere."""

    asserted: tuple[mt.Quantity, ...] = ()
    """Values stated in prose with no computation behind them anywhere."""
    missing: tuple[mt.Quantity, ...] = ()
    """Values a computation is built on that no step derives or states (a missing step)."""
    gap: bool = False
    """The answer is wrong though every step checks, a number the problem gives goes unused and
    no given number is used twice: read as a missing step (the one that would use it), not as a
    misreading, which would put one given number where another belongs."""
    fenced: tuple[mt.Quantity, ...] = ()
    """Dangling endpoints of a difference exactly one off a value given or derived before: a
    count made inclusive or exclusive (a fencepost slip), so a calculation error, not a gap."""

    @property
    def located(self) -> bool:
        """A flaw is found at a step (redundancy aside)."""
        return bool(self.false_count or self.dangling or self.adjusted)

    @property
    def unbacked(self) -> bool:
        """A located flaw that breaks a computation (a bare assertion only weakens support)."""
        return bool(
            self.false_count or self.missing or self.carried or self.adjusted or self.fenced
        )


def measure(seed: Seed, trace: Trace) -> Signals:
    steps = trace.steps
    flow = mt.analyze(steps, seed.problem)
    given = mt.problem_values(seed.problem)
    known: set[Fraction] = set(given | mt.constants_for(seed.problem, steps))
    rederived: list[int] = []
    for j, quantities in enumerate(flow):
        results = {q.value for q in quantities if q.role == "result"}
        if results and results <= known and j < len(steps) - 1:
            rederived.append(j)
        known |= results
    unused = []
    for j, quantities in enumerate(flow[:-1]):
        results = {q.value for q in quantities if q.role == "result"}
        used = any(
            q.origin == j and q.value in results
            for k, qs in enumerate(flow[j + 1 :], start=j + 1)
            if k not in rederived
            for q in qs
        )
        if results and not used and j not in rederived:
            unused.append(j)
    stated = {t.value for t in mt.tokenize(seed.problem) if t.kind == "num"}
    used_values = {q.value for qs in flow for q in qs}
    ignored = len({v for v in stated if v is not None} - used_values - mt.ALWAYS_KNOWN)
    answer = mt.answer_value(trace)
    gold = mt.parse_number(seed.answer) if seed.answer else None
    correct = answer is not None and gold is not None and answer == gold
    earlier = {q.value for qs in flow[:-1] for q in qs if q.role == "result"}
    dangling = tuple(mt.dangling_quantities(trace, seed.problem))
    adjusted = tuple(j for j, s in enumerate(steps) if _ADJUSTED.search(s))
    asserted = tuple(q for q in dangling if q.role == "mention")
    stated_at = {q.value: q.step for q in reversed(asserted)}
    fenced = tuple(_fenceposts(steps, flow, given))
    operands = [q for q in dangling if q.role != "mention" and q not in fenced]
    carried = tuple(q for q in operands if _near(q, flow))
    missing = tuple(
        q
        for q in operands
        if q not in carried and not (q.value in stated_at and stated_at[q.value] <= q.step)
    )
    reused = Counter(
        q.value
        for qs in flow
        for q in qs
        if q.source == "problem" and q.role == "operand" and q.value not in mt.ALWAYS_KNOWN
    )
    quiet = not (mt.count_false(trace) or dangling or adjusted)
    gap = (
        answer is not None
        and not correct
        and answer not in earlier
        and quiet
        and ignored > 0
        and all(n == 1 for n in reused.values())
    )
    return Signals(
        equations=sum(len(mt.parse_step(s).equations) for s in steps),
        false_steps=tuple(mt.false_equations(trace)),
        false_count=mt.count_false(trace),
        dangling=dangling,
        rederived=tuple(rederived),
        unused=tuple(unused),
        ignored_given=ignored,
        answer=answer,
        correct=correct,
        drifted=not correct and answer in earlier,
        steps=len(steps),
        gold=gold,
        adjusted=adjusted,
        carried=carried,
        redundant_share=sum(len(steps[j]) for j in {*rederived, *unused})
        / max(1, sum(map(len, steps))),
        asserted=asserted,
        missing=missing,
        fenced=fenced,
        gap=gap,
    )


_MINUS = frozenset("-–−")


def _fenceposts(
    steps: tuple[str, ...], flow: tuple[tuple[mt.Quantity, ...], ...], given: frozenset[Fraction]
) -> list[mt.Quantity]:
    """Dangling whole operands written beside a minus sign whose value is one more or one less
    than a value the problem gives or an earlier step derives: `30 - 13` where 12 was derived
    reads as an endpoint counted inclusively instead of exclusively (or the reverse)."""
    out = []
    for j, quantities in enumerate(flow):
        before = given | {x.value for qs in flow[:j] for x in qs if x.role == "result"}
        tokens = mt.parse_step(steps[j]).tokens
        for q in quantities:
            if q.source != "dangling" or q.role != "operand" or q.value.denominator != 1:
                continue
            if not ({q.value + 1, q.value - 1} & before) or not _beside_minus(tokens, q.token):
                continue
            out.append(q)
    return out


def _beside_minus(tokens: tuple[mt.Tok, ...], i: int) -> bool:
    """The nearest operator-or-number token on either side of token `i` (units skipped) is a
    minus sign."""
    for step in (-1, 1):
        k = i + step
        while 0 <= k < len(tokens) and tokens[k].kind == "unit":
            k += step
        if 0 <= k < len(tokens) and tokens[k].kind == "op" and tokens[k].text in _MINUS:
            return True
    return False


def _near(q: mt.Quantity, flow: tuple[tuple[mt.Quantity, ...], ...]) -> bool:
    """The value is within 10% of, or a digit reordering of, a value derived before its step."""
    before = {x.value for qs in flow[: q.step] for x in qs if x.role == "result"}
    digits = sorted(mt.canonical(q.value))
    return any(
        (v and abs(q.value - v) <= abs(v) / 10) or sorted(mt.canonical(v)) == digits for v in before
    )


def _clamp(value: float) -> float:
    return round(min(10.0, max(0.0, value)), 1)


def calculation(false_count: int) -> float:
    """The rubric's anchors: all correct 8-10, one error 4-5, a wrong identity or several 2-3,
    most wrong 0-1."""
    if false_count == 0:
        return 10.0
    if false_count == 1:
        return 5.0
    return max(0.5, 3.0 - 0.8 * (false_count - 2))


def score(s: Signals) -> dict[str, float]:
    """Per dimension 0–10, each charged for the flaws that belong to it (the rubric's anchors),
    so the dimension that drops most names what is wrong; correctness itself is carried by the
    overall score, not spread over every dimension. Charges add up, so a flaw costs the same
    whatever else the trace does."""
    missing, carried, asserted = len(s.missing), len(s.carried), len(s.asserted)
    restated, unused = len(s.rederived), len(s.unused)
    per_step = 2.0 / max(1, s.steps)
    redundancy = 3.5 * (1 - 0.5 ** (restated + 0.5 * unused)) + per_step * min(3, restated)
    errors = s.false_count + len(s.adjusted) + len(s.fenced)
    calc = calculation(errors) if s.equations else 6.0
    coherence = 10 - redundancy - 0.5 * s.false_count - 1.0 * asserted
    coherence -= (7.0 + 0.8 * (missing - 1)) if missing else 0.0
    coherence -= (5.5 + 0.8 * (carried - 1)) if carried else 0.0
    understanding = 10 - 0.7 * min(3, s.ignored_given)
    if s.drifted:
        understanding -= 7.5
    elif s.gap:
        understanding -= 1.0
        coherence -= 7.0
    elif not s.correct and not s.located and s.answer is not None:
        understanding -= 7.0 + 1.5 * _farness(s)
    elif not s.correct:
        understanding -= 1.0
    if s.answer is None:
        support = 0.0
    else:
        support = (10.0 if s.correct else 6.5) - 1.0 * (missing + carried) - 0.3 * s.false_count
        support -= (3.5 + 1.0 * (asserted - 1)) if asserted else 0.0
    return {
        "problem_understanding": _clamp(understanding),
        "solution_strategy": _clamp(10 - (0.6 + per_step) * (restated + unused) - 0.3 * missing),
        "step_coherence": _clamp(coherence),
        "calculation_correctness": _clamp(calc),
        "answer_support": _clamp(support),
    }


def _farness(s: Signals) -> float:
    """How far the answer is from the gold one, in orders of magnitude r as r / (1 + r): near 0
    for a near miss, 0.5 ten times off, 1 for a sign or a zero between them."""
    if s.answer is None or s.gold is None:
        return 1.0
    if s.answer == s.gold:
        return 0.0
    if s.answer == 0 or s.gold == 0 or (s.answer < 0) != (s.gold < 0):
        return 1.0
    ratio = abs(math.log10(float(abs(s.answer) / abs(s.gold))))
    return ratio / (1 + ratio)


def overall(s: Signals, scores: dict[str, float]) -> float:
    """The weighted dimensions, less the share of the trace a flaw touches. A wrong answer caps
    it, lower the farther off the answer and the earlier the first located flaw (more of the
    process rests on it); `strong` needs every check to pass."""
    flawed = {*s.false_steps, *(q.step for q in s.dangling), *s.adjusted}
    value = sum(WEIGHTS[name] * v for name, v in scores.items())
    value -= 1.5 * len(flawed) / s.steps + 1.3 * s.redundant_share
    if not s.correct:
        tail = (s.steps - min(flawed)) / s.steps if flawed else 0.5
        cap = WRONG_ANSWER_CAP - 1.5 * _farness(s) - 1.5 * tail - 0.15 * len(flawed)
        value = min(value, cap)
    elif s.unbacked or not s.equations:
        value = min(value, UNMEASURED_CAP)
    return round(min(10.0, max(0.0, value)), 2)


def _reason(s: Signals) -> str:
    parts = []
    if s.answer is None:
        parts.append("The trace reaches no numeric answer.")
    elif s.correct:
        checked = (
            f", and all {s.equations} equation(s) hold" if s.equations and not s.located else ""
        )
        parts.append(f"The trace reaches the correct answer {mt.canonical(s.answer)}{checked}.")
    elif s.drifted:
        parts.append(
            f"The trace ends on {mt.canonical(s.answer)}, an intermediate quantity, "
            "not the one asked."
        )
    elif s.gap:
        parts.append(
            f"The trace's answer {mt.canonical(s.answer)} is not the correct one, though every "
            "step checks: a number the problem gives is never used, so a step is missing."
        )
    elif not s.located:
        parts.append(
            f"The trace's answer {mt.canonical(s.answer)} is not the correct one, though every "
            "step checks: the problem is read or modelled wrongly."
        )
    else:
        parts.append(f"The trace's answer {mt.canonical(s.answer)} is not the correct one.")
    if s.false_count:
        steps = ", ".join(str(j + 1) for j in s.false_steps)
        parts.append(f"{s.false_count} equation(s) do not hold (step {steps}).")
    elif s.adjusted:
        parts.append(f"Step {s.adjusted[0] + 1} adds or removes a 1 the problem never gives.")
    if s.fenced:
        q = s.fenced[0]
        parts.append(
            f"Step {q.step + 1} subtracts with {q.text}, one off a value given or derived "
            "before: an endpoint counted off by one."
        )
    elif s.dangling:
        q = s.dangling[0]
        what = "states" if q.role == "mention" else "uses"
        parts.append(f"Step {q.step + 1} {what} {q.text}, which is neither given nor derived.")
    elif s.rederived or s.unused:
        parts.append("Some steps recompute known values or lead nowhere.")
    return " ".join(parts[:3])


@dataclass(frozen=True)
class LatexSignals:
    """What the judge measured on a LaTeX (competition) trace."""

    equations: int
    false_steps: tuple[int, ...]
    false_count: int
    dangling: tuple[tuple[int, float], ...]
    """Numbers used but never given or derived, and variables nothing introduces (NaN)."""
    asserted: tuple[tuple[int, float], ...]
    """Results stated with no computation behind them (half the weight of a dangling one:
    solving an equation in one's head is common in good solutions)."""
    baseless: tuple[tuple[int, float], ...]
    """Dangling numbers a computation is built on (counted once more: a derivation missing)."""
    rederived: tuple[int, ...]
    """Steps (not the last) that compute again only what was known before."""
    answer: str | None
    correct: bool
    drifted: bool


def measure_latex(seed: Seed, trace: Trace) -> LatexSignals:
    """Signals of a LaTeX trace: its equalities checked with sympy, its numbers' sources, and
    whether its boxed answer is the gold one (math-verify equivalence)."""
    from groupbuild.execute.math_answer import equivalent
    from groupbuild.text.math import latex_eval as le
    from groupbuild.text.math import latex_flow as lf
    from groupbuild.text.math.latex import last_boxed, math_spans

    steps = trace.steps
    rederived = []
    spans_before = {
        re.sub(r"\s+", "", seed.problem[s.inner_start : s.inner_end])
        for s in math_spans(seed.problem)
    }
    for j, text in enumerate(steps):
        before = lf.values_before(steps, j)
        found = lf.numbers(text)
        spans = {re.sub(r"\s+", "", text[s.inner_start : s.inner_end]) for s in math_spans(text)}
        restated = bool(spans) and spans <= spans_before
        recomputed = bool(le.claims(text)) and all(
            n.value in before or lf.known(n.value, seed.problem) for n in found
        )
        if j < len(steps) - 1 and (restated or (found and recomputed)):
            rederived.append(j)
        spans_before |= spans
    answer = last_boxed(steps)
    gold = seed.answer or ""
    correct = answer is not None and bool(gold) and (answer == gold or equivalent(answer, gold))
    earlier = {n.value for s in steps[:-1] for n in lf.numbers(s) if n.result}
    stated = le.bare_integer(answer or "")
    unexplained = [
        *_once(lf.dangling(steps, seed.problem)),
        *((j, float("nan")) for j, _ in lf.undefined_symbols(steps, seed.problem)),
    ]
    return LatexSignals(
        equations=sum(len(le.claims(s)) for s in steps),
        false_steps=tuple(le.false_steps(steps)),
        false_count=le.count_false(steps),
        dangling=tuple(sorted(unexplained, key=lambda d: d[0])),
        asserted=tuple(lf.asserted(steps, seed.problem)),
        baseless=tuple(_once(lf.computed_on_nothing(steps, seed.problem))),
        rederived=tuple(rederived),
        answer=answer,
        correct=correct,
        drifted=not correct and stated is not None and float(stated) in earlier,
    )


def _once(found: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Each unexplained value at its first use only: one missing source is one flaw, however
    often the trace writes the number."""
    seen: set[float] = set()
    out = []
    for j, value in found:
        if value not in seen:
            seen.add(value)
            out.append((j, value))
    return out


def score_latex(s: LatexSignals) -> dict[str, float]:
    """Per dimension 0–10, read like `score`: each flaw costs most where the rubric puts it.
    Unexplained numbers cost step_coherence a share of what is left (so the tenth one still
    costs something); results stated with no computation cost answer_support (lightly: solving
    an equation in one's head is common in good solutions); false equalities cost
    calculation_correctness; a drifted answer, or a wrong one with every step checking,
    problem_understanding."""
    redundant = len(s.rederived)
    unexplained = 10 * (1 - 0.9 ** (len(s.dangling) + len(s.baseless)))
    calc = calculation(s.false_count) if s.equations else 8.0
    located = bool(s.false_count or s.dangling or s.baseless)
    understanding = 10.0
    if s.drifted:
        understanding -= 7.5
    elif not s.correct and not located and s.answer is not None:
        understanding -= 7.0
    elif not s.correct:
        understanding -= 1.0
    if s.answer is None:
        support = 0.0
    else:
        support = (10.0 if s.correct else 7.0) - 0.2 * unexplained - 0.3 * s.false_count
        support -= 10 * (1 - 0.9 ** len(s.asserted))
    return {
        "problem_understanding": _clamp(understanding),
        "solution_strategy": _clamp(10 - 1.0 * redundant),
        "step_coherence": _clamp(
            10 - 0.8 * unexplained - 0.5 * s.false_count - 3.5 * (1 - 0.5**redundant)
        ),
        "calculation_correctness": _clamp(calc),
        "answer_support": _clamp(support),
    }


def _latex_reason(s: LatexSignals) -> str:
    parts = []
    if s.answer is None:
        parts.append("The trace boxes no answer.")
    elif s.correct:
        parts.append(f"The trace reaches the correct answer {s.answer}.")
    elif s.drifted:
        parts.append(f"The trace boxes {s.answer}, an intermediate quantity, not the one asked.")
    else:
        parts.append(f"The trace's answer {s.answer} is not the correct one.")
    if s.false_count:
        steps = ", ".join(str(j + 1) for j in s.false_steps)
        parts.append(f"{s.false_count} equation(s) do not hold (step {steps}).")
    if s.dangling:
        j, value = s.dangling[0]
        if value != value:
            parts.append(f"Step {j + 1} uses a variable nothing introduces.")
        else:
            shown = int(value) if value == int(value) else value
            parts.append(f"Step {j + 1} uses {shown}, which is neither given nor derived.")
    elif s.rederived:
        parts.append("Some steps recompute known values.")
    return " ".join(parts[:3])


def _latex_farness(answer: str | None, gold: str | None) -> float:
    """`_farness` for boxed answers that are plain numbers; 0.5 for anything else."""
    try:
        a, g = float((answer or "").replace(",", "")), float((gold or "").replace(",", ""))
    except ValueError:
        return 0.5
    if a == g:
        return 0.0
    if a == 0 or g == 0 or (a < 0) != (g < 0) or not (math.isfinite(a) and math.isfinite(g)):
        return 1.0
    ratio = abs(math.log10(abs(a) / abs(g)))
    return ratio / (1 + ratio)


def judge_latex(seed: Seed, trace: Trace) -> Rubric:
    s = measure_latex(seed, trace)
    scores = score_latex(s)
    steps = max(1, len(trace.steps))
    flawed = {*s.false_steps, *(j for j, _ in (*s.dangling, *s.baseless))}
    overall = sum(WEIGHTS[name] * value for name, value in scores.items())
    overall -= 1.0 * len(flawed) / steps + 0.5 * len(s.rederived) / steps
    if not s.correct:
        tail = (steps - min(flawed)) / steps if flawed else 0.5
        cap = WRONG_ANSWER_CAP - 2.0 * _latex_farness(s.answer, seed.answer) - 1.5 * tail
        cap -= 0.15 * len(flawed)
        overall = min(overall, cap)
    elif s.false_count:
        overall = min(overall, UNMEASURED_CAP)
    located = [*flawed, *(j for j, _ in s.asserted), *s.rederived]
    if not located and not s.correct:
        located.append(len(trace.steps) - 1)
    return Rubric(
        scores=scores,
        rubric_score=round(min(10.0, max(0.0, overall)), 2),
        reason=_latex_reason(s),
        first_flawed_step=min(located) if located else None,
        judge="rules",
    )


def judge_math(seed: Seed, trace: Trace) -> Rubric:
    """Score a math trace on the five contract dimensions, from checkable signals only.

    A LaTeX trace (competition form, boxed answer) is read by `judge_latex`.
    """
    from groupbuild.text.math.latex import is_latex

    if is_latex(trace.steps):
        return judge_latex(seed, trace)
    s = measure(seed, trace)
    scores = score(s)
    flawed = [*s.false_steps, *(q.step for q in s.dangling), *s.adjusted, *s.rederived]
    if not flawed and not s.correct:
        flawed.append(len(trace.steps) - 1)
    return Rubric(
        scores=scores,
        rubric_score=overall(s, scores),
        reason=_reason(s),
        first_flawed_step=min(flawed) if flawed else None,
        judge="rules",
    )
