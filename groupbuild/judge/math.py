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

import re
from dataclasses import dataclass
from fractions import Fraction

from groupbuild.schema import Rubric, Seed, Trace
from groupbuild.text import math as mt

WRONG_ANSWER_CAP = 4.0
"""A trace whose answer is wrong scores at most this overall, whatever else it does well."""
WEIGHTS = {
    "problem_understanding": 0.15,
    "solution_strategy": 0.15,
    "step_coherence": 0.2,
    "calculation_correctness": 0.2,
    "answer_support": 0.3,
}


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
    return Signals(
        equations=sum(len(mt.parse_step(s).equations) for s in steps),
        false_steps=tuple(mt.false_equations(trace)),
        false_count=mt.count_false(trace),
        dangling=tuple(mt.dangling_quantities(trace, seed.problem)),
        rederived=tuple(rederived),
        unused=tuple(unused),
        ignored_given=ignored,
        answer=answer,
        correct=correct,
        drifted=not correct and answer in earlier,
    )


def _clamp(value: float) -> float:
    return round(min(10.0, max(0.0, value)), 1)


def score(s: Signals) -> dict[str, float]:
    """Per dimension 0–10 from the signals (see the module docstring for what each reads)."""
    dangling, redundant = len(s.dangling), len(s.rederived) + len(s.unused)
    calc = 10 - 3.5 * s.false_count if s.equations else 6.0
    if s.answer is None:
        support = 0.0
    elif s.correct:
        support = max(5.0, 10 - 1.5 * dangling - 1.0 * s.false_count)
    else:
        support = 2.0 - 0.5 * dangling
    return {
        "problem_understanding": _clamp(
            10 - 0.7 * min(3, s.ignored_given) - 3.0 * (not s.correct) - 2.0 * s.drifted
        ),
        "solution_strategy": _clamp(10 - 0.8 * redundant - 2.5 * (not s.correct) - 0.5 * dangling),
        "step_coherence": _clamp(10 - 2.0 * dangling - 1.0 * s.false_count - 0.6 * redundant),
        "calculation_correctness": _clamp(calc),
        "answer_support": _clamp(support),
    }


def _reason(s: Signals) -> str:
    parts = []
    if s.answer is None:
        parts.append("The trace reaches no numeric answer.")
    elif s.correct:
        parts.append(f"The trace reaches the correct answer {mt.canonical(s.answer)}.")
    elif s.drifted:
        parts.append(
            f"The trace ends on {mt.canonical(s.answer)}, an intermediate quantity, "
            "not the one asked."
        )
    else:
        parts.append(f"The trace's answer {mt.canonical(s.answer)} is not the correct one.")
    if s.false_count:
        steps = ", ".join(str(j + 1) for j in s.false_steps)
        parts.append(f"{s.false_count} equation(s) do not hold (step {steps}).")
    if s.dangling:
        q = s.dangling[0]
        parts.append(f"Step {q.step + 1} uses {q.text}, which is neither given nor derived.")
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
    """Per dimension 0–10. Unexplained numbers cost a share of what is left (so the tenth one
    still costs something), false equalities a fixed amount, a wrong answer dominates."""
    dangling, redundant = len(s.dangling), len(s.rederived)
    unexplained = 10 * (1 - 0.9 ** (dangling + len(s.baseless) + 0.5 * len(s.asserted)))
    calc = 10 - 3.5 * s.false_count if s.equations else 8.0
    if s.answer is None:
        support = 0.0
    elif s.correct:
        support = max(5.0, 10 - 0.5 * unexplained - 1.0 * s.false_count)
    else:
        support = 2.0 - 0.5 * dangling
    return {
        "problem_understanding": _clamp(10 - 3.0 * (not s.correct) - 2.0 * s.drifted),
        "solution_strategy": _clamp(10 - 1.5 * redundant - 2.5 * (not s.correct)),
        "step_coherence": _clamp(10 - 0.6 * unexplained - 1.0 * s.false_count - 1.0 * redundant),
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


def judge_latex(seed: Seed, trace: Trace) -> Rubric:
    s = measure_latex(seed, trace)
    scores = score_latex(s)
    overall = sum(WEIGHTS[name] * value for name, value in scores.items())
    if not s.correct:
        overall = min(overall, WRONG_ANSWER_CAP - 0.1 * (len(s.dangling) + s.false_count))
    flawed = [*s.false_steps, *(j for j, _ in (*s.dangling, *s.asserted)), *s.rederived]
    if not flawed and not s.correct:
        flawed.append(len(trace.steps) - 1)
    return Rubric(
        scores=scores,
        rubric_score=round(min(10.0, max(0.0, overall)), 2),
        reason=_latex_reason(s),
        first_flawed_step=min(flawed) if flawed else None,
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
    overall = sum(WEIGHTS[name] * value for name, value in scores.items())
    if not s.correct:
        overall = min(overall, WRONG_ANSWER_CAP - 0.1 * (len(s.dangling) + s.false_count))
    flawed = [*s.false_steps, *(q.step for q in s.dangling), *s.rederived]
    if not flawed and not s.correct:
        flawed.append(len(trace.steps) - 1)
    return Rubric(
        scores=scores,
        rubric_score=_clamp(overall),
        reason=_reason(s),
        first_flawed_step=min(flawed) if flawed else None,
        judge="rules",
    )
