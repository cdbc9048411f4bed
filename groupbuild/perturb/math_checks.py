"""Type detectors for math perturbations (taxonomy G3): each proves its kind from the texts.

`check` re-parses the reference and the candidate; the evidence an edit carries is only a
hint (which identity was applied) and is itself re-checked, e.g. a claimed false identity is
evaluated at random points. Each detector returns None when the proof holds, else a short
snake_case reason.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from groupbuild import mathtext as mt
from groupbuild.perturb.kinds import Kind
from groupbuild.schema import Seed, StepDiff, Trace
from groupbuild.traces import step_diff

_VARIABLE = re.compile(r"\b[a-z]\b")


class _Case:
    """The facts every detector reads, computed once from the two traces."""

    def __init__(self, seed: Seed, reference: Trace, candidate: Trace, evidence: dict[str, Any]):
        self.seed, self.ref, self.cand, self.evidence = seed, reference, candidate, evidence
        self.diff: StepDiff = step_diff(reference, candidate)
        self.ref_answer = mt.answer_value(reference)
        self.answer = mt.answer_value(candidate)
        self.gold = mt.parse_number(seed.answer) if seed.answer else None

    def answer_changed(self) -> str | None:
        if self.answer is None or self.answer == self.ref_answer:
            return "answer_unchanged"
        if self.answer == self.gold:
            return "answer_equals_gold"
        return None

    def answer_kept(self) -> str | None:
        return None if self.answer == self.ref_answer else "answer_changed"

    def new_dangling(self) -> list[mt.Quantity]:
        before = {(q.value, q.text) for q in mt.dangling_quantities(self.ref, self.seed.problem)}
        found = mt.dangling_quantities(self.cand, self.seed.problem)
        return [q for q in found if (q.value, q.text) not in before]

    def new_false(self) -> int:
        return mt.count_false(self.cand) - mt.count_false(self.ref)

    def first_changed(self) -> int | None:
        return self.diff.changed[0] if self.diff.changed else None

    def step_pair(self) -> tuple[mt.Step, mt.Step] | None:
        """The first changed step, before and after (aligned: no insertion or deletion)."""
        j = self.first_changed()
        if j is None or self.diff.deleted or self.diff.inserted:
            return None
        return mt.parse_step(self.ref.steps[j]), mt.parse_step(self.cand.steps[j])


def _operands(step: mt.Step) -> list[Fraction]:
    return [
        v
        for eq in step.equations
        for i in eq.operands()
        if step.tokens[i].kind == "num" and (v := step.tokens[i].value) is not None
    ]


def _ops(step: mt.Step) -> list[str]:
    return [
        step.tokens[i].text
        for eq in step.equations
        for i in range(*eq.segments[0])
        if step.tokens[i].kind == "op"
    ]


def _results(step: mt.Step) -> list[Fraction]:
    return [v for i in sorted(step.result_tokens()) if (v := step.tokens[i].value) is not None]


def _dropped_step(c: _Case) -> str | None:
    if len(c.diff.deleted) != 1 or c.diff.changed or c.diff.inserted:
        return "not_a_single_deletion"
    if not c.new_dangling():
        return "no_dangling_reference"
    return c.answer_kept()


def _dropped_step_rewired(c: _Case) -> str | None:
    if len(c.diff.deleted) != 1 or c.diff.inserted:
        return "not_a_single_deletion"
    if c.new_dangling():
        return "rewired_value_dangles"
    if c.new_false() > 0:
        return "rewired_step_inconsistent"
    return c.answer_changed()


def _arithmetic_slip(c: _Case) -> str | None:
    added = c.new_false()
    if added <= 0:
        return "no_false_equation"
    if added > 1:
        return "more_than_one_false_equation"
    return c.answer_changed()


def _consistent_edit(c: _Case, same_ops: bool, same_operands: bool) -> tuple[str | None, Any]:
    pair = c.step_pair()
    if pair is None:
        return "no_single_step_edit", None
    if c.new_false() > 0:
        return "false_equation_added", None
    before, after = pair
    if same_ops != (_ops(before) == _ops(after)):
        return ("operator_changed" if same_ops else "no_operator_swapped"), None
    if same_operands != (_operands(before) == _operands(after)):
        return ("operand_changed" if same_operands else "no_operand_changed"), None
    return None, pair


def _operator_swap(c: _Case) -> str | None:
    reason, _ = _consistent_edit(c, same_ops=False, same_operands=True)
    return reason or c.answer_changed()


def _changed_operand(pair: tuple[mt.Step, mt.Step]) -> tuple[Fraction, Fraction] | None:
    old, new = _operands(pair[0]), _operands(pair[1])
    if len(old) != len(new):
        return None
    diffs = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    return diffs[0] if len(diffs) == 1 else None


def _misread_value(c: _Case) -> str | None:
    reason, pair = _consistent_edit(c, same_ops=True, same_operands=False)
    if reason:
        return reason
    swapped = _changed_operand(pair)
    if swapped is None:
        return "not_one_operand_changed"
    stated = {t.value for t in mt.tokenize(c.seed.problem) if t.kind == "num"}
    if swapped[1] not in stated:
        return "new_value_not_in_problem"
    return c.answer_changed()


def _inconsistent_carry(c: _Case) -> str | None:
    reason, pair = _consistent_edit(c, same_ops=True, same_operands=False)
    if reason:
        return reason
    swapped = _changed_operand(pair)
    if swapped is None:
        return "not_one_operand_changed"
    if not any(q.value == swapped[1] for q in c.new_dangling()):
        return "carried_value_not_contradicted"
    return c.answer_changed()


def _off_by_one(c: _Case) -> str | None:
    pair = c.step_pair()
    if pair is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    old, new = _results(pair[0]), _results(pair[1])
    if not old or not new or abs(old[0] - new[0]) != 1:
        return "result_not_shifted_by_one"
    return c.answer_changed()


def _goal_drift(c: _Case) -> str | None:
    last = len(c.ref.steps) - 1
    if c.diff.changed != (last,) or c.diff.deleted or c.diff.inserted:
        return "not_last_step_only"
    earlier = mt.analyze(c.ref.steps[:-1], c.seed.problem)
    if c.answer not in {q.value for qs in earlier for q in qs if q.role == "result"}:
        return "answer_not_an_earlier_value"
    return c.answer_changed()


def _unit_error(c: _Case) -> str | None:
    reason, pair = _consistent_edit(c, same_ops=False, same_operands=True)
    if reason:
        return reason
    before, after = pair
    factors = mt.unit_factors_in(before.text)
    flipped = [
        before.tokens[i + 1].value
        for i in range(len(before.tokens) - 1)
        if before.tokens[i].kind == "op"
        and i < len(after.tokens)
        and after.tokens[i].text != before.tokens[i].text
    ]
    if not any(v in factors for v in flipped):
        return "no_unit_factor_flipped"
    return c.answer_changed()


def identity_is_false(lhs: str, rhs: str, rng: random.Random, points: int = 6) -> bool:
    """True when `lhs` and `rhs` differ at some random rational point of their variables."""
    names = sorted(set(_VARIABLE.findall(lhs + " " + rhs)))
    for _ in range(points):
        env = {n: Fraction(rng.randint(2, 97), rng.choice((1, 2, 4))) for n in names}
        try:
            if mt.evaluate_text(lhs, env) != mt.evaluate_text(rhs, env):
                return True
        except (ValueError, ZeroDivisionError):
            continue
    return False


def _wrong_lemma(c: _Case) -> str | None:
    lhs, rhs = str(c.evidence.get("lhs", "")), str(c.evidence.get("rhs", ""))
    if not lhs or not rhs:
        return "no_identity"
    try:
        false = identity_is_false(lhs, rhs, random.Random(f"{lhs}={rhs}"))
    except (ValueError, ZeroDivisionError):
        return "identity_unparseable"
    if not false:
        return "identity_not_false"
    pair = c.step_pair()
    if pair is None or c.new_false() > 0:
        return "no_consistent_single_step_edit"
    env = {k: mt.parse_number(str(v)) for k, v in dict(c.evidence.get("bindings", {})).items()}
    if any(v is None for v in env.values()):
        return "identity_unparseable"
    bound = {k: v for k, v in env.items() if v is not None}
    try:
        want_old, want_new = mt.evaluate_text(lhs, bound), mt.evaluate_text(rhs, bound)
    except (ValueError, ZeroDivisionError):
        return "identity_unparseable"
    before, after = pair
    old_vals = {e.value for e in before.equations} | set(_operands(before))
    new_vals = {e.value for e in after.equations} | set(_operands(after))
    if not (want_old in old_vals and want_new in new_vals):
        return "identity_not_applied"
    return c.answer_changed()


def _redundant_detour(c: _Case) -> str | None:
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


def _overclaim(c: _Case) -> str | None:
    pair = c.step_pair()
    if pair is None or len(c.diff.changed) != 1:
        return "no_single_step_edit"
    before, after = pair
    if len(after.equations) >= len(before.equations):
        return "derivation_not_removed"
    if not c.new_dangling():
        return "assertion_is_supported"
    return c.answer_kept()


DETECTORS: dict[Kind, Callable[[_Case], str | None]] = {
    Kind.DROPPED_STEP: _dropped_step,
    Kind.DROPPED_STEP_REWIRED: _dropped_step_rewired,
    Kind.ARITHMETIC_SLIP: _arithmetic_slip,
    Kind.OPERATOR_SWAP: _operator_swap,
    Kind.MISREAD_VALUE: _misread_value,
    Kind.INCONSISTENT_CARRY: _inconsistent_carry,
    Kind.WRONG_LEMMA: _wrong_lemma,
    Kind.OFF_BY_ONE: _off_by_one,
    Kind.GOAL_DRIFT: _goal_drift,
    Kind.UNIT_ERROR: _unit_error,
    Kind.REDUNDANT_DETOUR: _redundant_detour,
    Kind.OVERCLAIM: _overclaim,
}


def check(
    kind: Kind, seed: Seed, reference: Trace, candidate: Trace, evidence: dict[str, Any]
) -> str | None:
    """None when the candidate provably is a `kind` perturbation of the reference, else why not."""
    detector = DETECTORS.get(Kind(kind))
    if detector is None:
        return "no_math_detector"
    return detector(_Case(seed, reference, candidate, evidence))
