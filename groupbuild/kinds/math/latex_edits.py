"""What the LaTeX (competition math) form of every math kind shares: the facts of one
reference, how an edit is finished, and what a proof reads.

A LaTeX trace boxes its answer and writes its computations as LaTeX equalities, so the rules
edit those (`text.math.latex_eval`), carry a changed value on through the later steps
(`text.math.latex_flow.carry`), and promise what the GSM8K rules promise: every step still
balances, no error-announcing words, the length within tolerance, and for answer-changing
kinds an answer equivalent to neither the reference's nor the gold one. Proofs re-read both
traces and trust no evidence they cannot re-check.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from groupbuild.execute.math_answer import equivalent
from groupbuild.kinds.evidence import MathEvidence
from groupbuild.kinds.math.edits import promised_edit
from groupbuild.kinds.registry import Edit, ProofCase
from groupbuild.schema import Seed, StepDiff, Trace
from groupbuild.text.math import latex_eval as le
from groupbuild.text.math import latex_flow as lf
from groupbuild.text.math.latex import balanced, last_boxed
from groupbuild.text.traces import step_diff

LENGTH_TOLERANCE = 0.10
E = TypeVar("E", bound=MathEvidence)


@dataclass(frozen=True)
class LatexContext:
    seed: Seed
    steps: tuple[str, ...]
    answer: str | None
    gold: str

    @classmethod
    def of(cls, seed: Seed, reference: Trace) -> LatexContext:
        return _context(seed, reference.steps)

    @property
    def problem(self) -> str:
        return self.seed.problem

    def computations(self) -> list[tuple[int, le.Equation]]:
        """(step, equation) of every true numeric equation whose result is a number written
        as an integer or a fraction (what `settle` can write again)."""
        return [
            (j, eq)
            for j, text in enumerate(self.steps)
            for eq in le.claims(text)
            if eq.holds and lf.rewritable(eq.result.text)
        ]

    def sites(self) -> list[tuple[int, le.Equation, int]]:
        """(step, equation, result) of every true equation whose result is a bare integer."""
        out = []
        for j, text in enumerate(self.steps):
            for eq in le.claims(text):
                value = le.bare_integer(eq.result.text)
                if eq.holds and value is not None:
                    out.append((j, eq, value))
        return out


@lru_cache(maxsize=256)
def _context(seed: Seed, steps: tuple[str, ...]) -> LatexContext:
    return LatexContext(seed, steps, last_boxed(steps), seed.answer or "")


def shuffled(items: list[E] | list[object], rng: random.Random) -> list[object]:
    items = list(items)
    rng.shuffle(items)
    return items


def same_answer(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and (a == b or equivalent(a, b))


def finish(
    ctx: LatexContext,
    steps: list[str],
    span: tuple[int, ...],
    evidence: E,
    *,
    changes_answer: bool = True,
    length_exempt: bool = False,
) -> Edit | None:
    """The edit, if it keeps the promises every LaTeX rule makes; else None."""
    return promised_edit(
        ctx.steps,
        steps,
        span,
        evidence,
        answer_of=lambda trace: last_boxed(trace.steps),
        same=same_answer,
        shown=str,
        answer=ctx.answer,
        gold=ctx.gold,
        changes_answer=changes_answer,
        length_exempt=length_exempt,
        step_ok=lambda step: bool(step.strip()) and balanced(step) and "\n" not in step,
    )


def carry_after(text: str, pos: int, changes: dict[float, int], problem: str) -> str | None:
    """Later uses, within the same step, of values an edit at `pos` changed."""
    rest = text[pos:]
    for old, new in changes.items():
        if any(n.value == old for n in lf.numbers(rest)):
            if lf.ambiguous(old, problem) or old < 0 or new < 0:
                return None
            rest = lf.replace_numbers(rest, old, new)
    if rest == text[pos:]:
        return text
    settled = lf.settle(text[:pos] + rest)
    return None if settled is None else settled[0]


def apply_change(
    ctx: LatexContext,
    j: int,
    new_text: str | None,
    pos: int,
    changes: dict[float, int],
    evidence: E,
    span: tuple[int, ...] | None = None,
) -> Edit | None:
    """Step `j` becomes `new_text`; `changes` flow on after `pos` and through later steps."""
    if new_text is None:
        return None
    new_text = carry_after(new_text, pos, changes, ctx.problem)
    if new_text is None:
        return None
    steps = list(ctx.steps)
    steps[j] = new_text
    carried = lf.carry(steps, j + 1, changes, ctx.problem)
    if carried is None:
        return None
    new_steps, touched = carried
    evidence = evidence.model_copy(update={"propagated": tuple(touched)})
    return finish(ctx, new_steps, span or (j,), evidence)


def proven(
    ctx: LatexContext, edit: Edit | None, proof: Callable[[LatexCase], str | None]
) -> Edit | None:
    """The edit when the kind's own proof accepts it, so that a rule goes on to its next site
    instead of offering an edit the validator is bound to refuse."""
    if edit is None:
        return None
    case = ProofCase(ctx.seed, Trace(steps=ctx.steps), edit.trace, edit.evidence)
    return edit if proof(LatexCase(case)) is None else None


def integer_slips(value: int, rng: random.Random) -> list[int]:
    """Plausible wrong integers: off by a little, a transposition, a misplaced zero."""
    out = [value + d for d in (1, -1, 2, -2, 10, -10)] + [value * 10]
    digits = str(abs(value))
    if len(digits) >= 2 and digits[-1] != digits[-2] and digits[-1] != "0":
        swapped = int(digits[:-2] + digits[-1] + digits[-2])
        out.append(swapped if value > 0 else -swapped)
    keep = [v for v in out if v != value and (v > 0) == (value > 0) and v != 0]
    rng.shuffle(keep)
    return keep


class LatexCase:
    """The facts every LaTeX proof reads, computed once from the two traces."""

    def __init__(self, case: ProofCase) -> None:
        self.seed, self.ref, self.cand = case.seed, case.reference.steps, case.candidate.steps
        self.evidence = case.evidence
        self.diff: StepDiff = step_diff(case.reference, case.candidate)
        self.ref_answer = last_boxed(self.ref)
        self.answer = last_boxed(self.cand)
        self.gold = self.seed.answer or ""

    def answer_changed(self) -> str | None:
        if self.answer is None or same_answer(self.answer, self.ref_answer):
            return "answer_unchanged"
        if same_answer(self.answer, self.gold):
            return "answer_equals_gold"
        return None

    def answer_kept(self) -> str | None:
        return None if same_answer(self.answer, self.ref_answer) else "answer_changed"

    def new_false(self) -> int:
        return le.count_false(self.cand) - le.count_false(self.ref)

    def new_dangling(self) -> set[float]:
        before = {v for _, v in lf.dangling(self.ref, self.seed.problem)}
        return {v for _, v in lf.dangling(self.cand, self.seed.problem)} - before

    def edited_step(self) -> tuple[int, str, str] | None:
        """The first changed step, before and after (aligned: no insertion or deletion)."""
        if not self.diff.changed or self.diff.deleted or self.diff.inserted:
            return None
        j = self.diff.changed[0]
        return j, self.ref[j], self.cand[j]
