"""Each math rule perturbation does what its kind promises, on several traces."""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction

import pytest
from kind_helpers import check, evidence_of, rules_of
from math_cases import cases

from groupbuild.kinds import Edit, Kind, spec_for
from groupbuild.kinds.math.lemmas import identity_is_false
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text import math as mt
from groupbuild.text.cues import CUE_LEXICON
from groupbuild.text.traces import length_ratio, step_diff

RULES = rules_of(Domain.MATH)

CASES = cases()


def edits(kind: Kind, tries: int = 3) -> Iterator[tuple[Seed, Trace, Edit]]:
    """Every edit `kind` makes on the test cases, under a few rng seeds."""
    for seed, reference in CASES:
        for n in range(tries):
            edit = RULES[kind](seed, reference, random.Random(n))
            if edit is not None:
                yield seed, reference, edit


def made(kind: Kind, at_least: int) -> list[tuple[Seed, Trace, Edit]]:
    found = list(edits(kind))
    assert len(found) >= at_least, f"{kind.value} applied only {len(found)} times"
    return found


def gold(seed: Seed) -> Fraction:
    value = mt.parse_number(seed.answer or "")
    assert value is not None
    return value


def test_arithmetic_slip_makes_exactly_one_false_equation_and_changes_the_answer() -> None:
    for seed, reference, edit in made(Kind.ARITHMETIC_SLIP, 6):
        assert mt.count_false(edit.trace) == mt.count_false(reference) + 1
        assert mt.false_equations(edit.trace) == list(edit.declared_span)
        assert mt.answer_value(edit.trace) not in (mt.answer_value(reference), gold(seed))
        assert set(step_diff(reference, edit.trace).changed) == {
            *edit.declared_span,
            *evidence_of(edit)["propagated"],
        }


def test_dropped_step_leaves_a_used_quantity_underived_and_keeps_the_answer() -> None:
    for seed, reference, edit in made(Kind.DROPPED_STEP, 4):
        diff = step_diff(reference, edit.trace)
        assert diff.deleted == edit.declared_span[:1] and not diff.changed
        assert diff.inserted == edit.declared_span[1:]  # a restatement keeping the length
        dangling = mt.dangling_quantities(edit.trace, seed.problem)
        assert any(mt.canonical(q.value) == evidence_of(edit)["dropped_value"] for q in dangling)
        assert mt.trace_answer(edit.trace) == mt.trace_answer(reference)


def test_misread_value_uses_another_number_of_the_problem() -> None:
    for seed, reference, edit in made(Kind.MISREAD_VALUE, 4):
        stated = {t.value for t in mt.tokenize(seed.problem) if t.kind == "num"}
        assert mt.parse_number(evidence_of(edit)["to"]) in stated
        assert evidence_of(edit)["to"] != evidence_of(edit)["from"]
        assert not mt.false_equations(edit.trace)
        assert mt.answer_value(edit.trace) not in (mt.answer_value(reference), gold(seed))


def test_operator_swap_keeps_arithmetic_right_but_changes_the_answer() -> None:
    for seed, reference, edit in made(Kind.OPERATOR_SWAP, 4):
        old, new = evidence_of(edit)["operator"]
        assert old != new
        assert not mt.false_equations(edit.trace)
        assert mt.answer_value(edit.trace) not in (mt.answer_value(reference), gold(seed))


def test_goal_drift_reports_a_value_already_in_the_trace() -> None:
    for seed, reference, edit in made(Kind.GOAL_DRIFT, 4):
        last = len(reference.steps) - 1
        assert step_diff(reference, edit.trace).changed == (last,)
        earlier = {q.value for qs in mt.analyze(reference.steps[:-1], seed.problem) for q in qs}
        assert mt.answer_value(edit.trace) in earlier - {gold(seed)}
        assert abs(len(edit.trace.steps[-1]) - len(reference.steps[-1])) <= 0.5 * len(
            reference.steps[-1]
        )


def test_wrong_lemma_applies_a_numerically_false_identity() -> None:
    for seed, reference, edit in made(Kind.WRONG_LEMMA, 3):
        ev = evidence_of(edit)
        assert identity_is_false(ev["lhs"], ev["rhs"], random.Random(0))
        assert ev["identity"]
        assert mt.answer_value(edit.trace) not in (mt.answer_value(reference), gold(seed))


def test_wrong_lemma_bank_covers_percent_units_and_means() -> None:
    names = {evidence_of(edit)["lemma"] for _, _, edit in edits(Kind.WRONG_LEMMA, tries=8)}
    assert {"percent_of", "unit_fact", "mean_over_n_minus_one"} <= names


def test_true_identity_is_not_called_false() -> None:
    assert not identity_is_false("(a + b) * c", "a * c + b * c", random.Random(0))
    assert identity_is_false("x * p / 100", "x / p", random.Random(0))


def test_off_by_one_shifts_a_count_by_one() -> None:
    for _, reference, edit in made(Kind.OFF_BY_ONE, 2):
        j = edit.declared_span[0]
        old = mt.parse_step(reference.steps[j]).equations[-1].value
        new = mt.parse_step(edit.trace.steps[j]).equations[-1].value
        assert abs(old - new) == 1


def test_unit_error_converts_the_wrong_way() -> None:
    for _, reference, edit in made(Kind.UNIT_ERROR, 1):
        j = edit.declared_span[0]
        old = mt.parse_step(reference.steps[j]).equations[0].value
        new = mt.parse_step(edit.trace.steps[j]).equations[0].value
        factor = mt.parse_number(evidence_of(edit)["factor"])
        assert factor is not None and new / old in (factor**2, 1 / factor**2)


def test_redundant_detour_keeps_every_equation_true_and_the_answer() -> None:
    for seed, reference, edit in made(Kind.REDUNDANT_DETOUR, 3):
        assert len(edit.trace.steps) == len(reference.steps) + 1
        assert not mt.false_equations(edit.trace)
        assert mt.trace_answer(edit.trace) == mt.trace_answer(reference)
        assert not mt.dangling_quantities(edit.trace, seed.problem)


def test_overclaim_asserts_a_result_without_its_derivation() -> None:
    for seed, reference, edit in made(Kind.OVERCLAIM, 4):
        j = edit.declared_span[0]
        assert len(mt.parse_step(edit.trace.steps[j]).equations) < len(
            mt.parse_step(reference.steps[j]).equations
        )
        assert mt.dangling_quantities(edit.trace, seed.problem)
        assert mt.trace_answer(edit.trace) == mt.trace_answer(reference)


@pytest.mark.parametrize("kind", list(RULES))
def test_every_edit_passes_its_check_without_cues_and_within_length(kind: Kind) -> None:
    spec = spec_for(Domain.MATH, kind)
    for seed, reference, edit in edits(kind):
        assert check(Domain.MATH, kind, seed, reference, edit.trace, edit.evidence) is None
        new = [s for s in edit.trace.steps if s not in reference.steps]
        assert not any(CUE_LEXICON.search(s) for s in new)
        if not spec.length_exempt:
            assert abs(length_ratio(reference, edit.trace) - 1) <= 0.10
        assert "propagated" in evidence_of(edit)


@pytest.mark.parametrize("kind", list(RULES))
def test_rules_are_deterministic_under_a_seed(kind: Kind) -> None:
    for seed, reference in CASES:
        first = RULES[kind](seed, reference, random.Random(7))
        again = RULES[kind](seed, reference, random.Random(7))
        assert (first is None) == (again is None)
        if first is not None and again is not None:
            assert first.trace == again.trace and first.evidence == again.evidence


def test_checks_reject_the_reference_itself() -> None:
    for seed, reference in CASES:
        for kind in RULES:
            assert check(Domain.MATH, kind, seed, reference, reference, {}) is not None


def test_cue_lexicon_catches_error_words() -> None:
    for text in ("This is clearly 5.", "Let us verify: 2 + 2 = 4.", "We assume 3 apples."):
        assert CUE_LEXICON.search(text)
    assert not CUE_LEXICON.search("Put another way, 54 - 18 = 36.")
