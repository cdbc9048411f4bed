"""GSM8K-form math negatives carry no tell a reader could use without finding the flaw: no
fixed phrase, no number shape the reference never writes, no length or position that gives
the kind away (issue #11). Measured on the first GSM8K training records (and, for phrases, the
first MATH ones) as the rules build them; each threshold sits where the rules that kept a fixed
phrase, a literal `+ 1` or an always-shorter deletion failed it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from functools import cache

import pytest
from kind_helpers import gate_failure, rules_of
from math_cases import cases, seed_of
from paths import SHARED_DATA

from groupbuild.errors import StageReject
from groupbuild.kinds import Edit, Kind, definition
from groupbuild.kinds.evidence import DroppedValue
from groupbuild.publish.records import first_flawed_step
from groupbuild.report.scan import phrases
from groupbuild.schema import Candidate, Domain, Provenance, Role, Seed, Trace
from groupbuild.stages.reference import _check_math_reference
from groupbuild.text import math as mt
from groupbuild.text.math import restate
from groupbuild.text.math.gold import solution_to_trace
from groupbuild.text.math.latex import last_boxed
from groupbuild.text.traces import aligned_changes, step_diff

GSM8K = SHARED_DATA / "gsm8k" / "train.jsonl"
MATH = SHARED_DATA / "math" / "train.jsonl"
RECORDS = 300
RULED = (
    Kind.ARITHMETIC_SLIP,
    Kind.OPERATOR_SWAP,
    Kind.MISREAD_VALUE,
    Kind.INCONSISTENT_CARRY,
    Kind.OFF_BY_ONE,
    Kind.GOAL_DRIFT,
    Kind.DROPPED_STEP,
    Kind.DROPPED_STEP_REWIRED,
    Kind.OVERCLAIM,
    Kind.REDUNDANT_DETOUR,
)
LATEX_RULED = (
    Kind.ARITHMETIC_SLIP,
    Kind.GOAL_DRIFT,
    Kind.DROPPED_STEP,
    Kind.OVERCLAIM,
    Kind.REDUNDANT_DETOUR,
)


@cache
def built() -> dict[Kind, list[tuple[Seed, Trace, Edit]]]:
    if not GSM8K.exists():
        pytest.skip("shared GSM8K data is not present")
    rules = rules_of(Domain.MATH)
    out: dict[Kind, list[tuple[Seed, Trace, Edit]]] = {k: [] for k in RULED}
    for i, line in enumerate(GSM8K.read_text(encoding="utf-8").splitlines()[:RECORDS]):
        record = json.loads(line)
        gold = record["answer"].split("####")[1].strip()
        seed = seed_of(i, record["question"], record["answer"], gold, source="gsm8k")
        reference = solution_to_trace(record["answer"])
        if mt.answer_value(reference) != mt.parse_number(seed.answer or ""):
            continue  # the seed stage refuses a solution that does not reach its answer
        for kind in RULED:
            edit = rules[kind](seed, reference, random.Random(f"{seed.problem_id}:{kind.value}"))
            if edit is not None:
                out[kind].append((seed, reference, edit))
    return out


@cache
def built_latex() -> dict[Kind, list[tuple[Seed, Trace, Edit]]]:
    if not MATH.exists():
        pytest.skip("shared MATH data is not present")
    rules = rules_of(Domain.MATH)
    out: dict[Kind, list[tuple[Seed, Trace, Edit]]] = {k: [] for k in LATEX_RULED}
    for i, line in enumerate(MATH.read_text(encoding="utf-8").splitlines()[:RECORDS]):
        record = json.loads(line)
        solution = record["solution"]
        seed = seed_of(i, record["problem"], solution, last_boxed(solution) or "", source="math")
        try:
            reference = solution_to_trace(solution)
            _check_math_reference(seed, reference)
        except StageReject:
            continue
        for kind in LATEX_RULED:
            edit = rules[kind](seed, reference, random.Random(f"{seed.problem_id}:{kind.value}"))
            if edit is not None:
                out[kind].append((seed, reference, edit))
    return out


def new_steps(reference: Trace, edit: Edit) -> list[str]:
    return [s for s in edit.trace.steps if s not in reference.steps]


@pytest.mark.parametrize("kind", RULED)
def test_no_phrase_is_added_by_many_negatives_of_a_kind(kind: Kind) -> None:
    """A word 2- to 4-gram that a fifth of a kind's negatives add, and almost no reference
    step holds, is a template a reader learns instead of the flaw."""
    assert not templates(built()[kind])


@pytest.mark.parametrize("kind", LATEX_RULED)
def test_no_phrase_is_added_by_many_competition_negatives_of_a_kind(kind: Kind) -> None:
    """The same on MATH solutions, whose restatements once opened with four fixed leads."""
    assert not templates(built_latex()[kind])


def templates(made: list[tuple[Seed, Trace, Edit]]) -> list[int]:
    in_references: Counter[int] = Counter()
    steps = 0
    for _, reference, _ in made:
        for s in reference.steps:
            in_references.update(phrases(s))
            steps += 1
    added: Counter[int] = Counter()
    for _, reference, edit in made:
        before = frozenset().union(*map(phrases, reference.steps))
        added.update(frozenset().union(*map(phrases, new_steps(reference, edit))) - before)
    assert len(made) >= 20
    return [
        code
        for code, n in added.items()
        if n >= 0.2 * len(made) and in_references[code] <= 0.01 * steps
    ]


@pytest.mark.parametrize("kind", RULED)
def test_no_negative_writes_a_number_shape_its_reference_lacks(kind: Kind) -> None:
    for _, reference, edit in built()[kind]:
        shapes = set().union(*map(mt.number_shapes, reference.steps))
        for step in new_steps(reference, edit):
            assert mt.number_shapes(step) <= shapes, step


@pytest.mark.parametrize("kind", [Kind.DROPPED_STEP, Kind.OFF_BY_ONE, Kind.MISREAD_VALUE])
def test_negatives_are_as_often_longer_as_shorter_than_their_reference(kind: Kind) -> None:
    made = built()[kind]
    votes = [
        1.0 if n > r else 0.5 if n == r else 0.0
        for _, reference, edit in made
        for n, r in [(len(edit.trace.render()), len(reference.render()))]
    ]
    share = sum(votes) / len(votes)
    assert 0.35 <= share <= 0.65


@pytest.mark.parametrize(
    "kind",
    [
        Kind.ARITHMETIC_SLIP,
        Kind.OPERATOR_SWAP,
        Kind.MISREAD_VALUE,
        Kind.DROPPED_STEP,
        Kind.DROPPED_STEP_REWIRED,
        Kind.OVERCLAIM,
    ],
)
def test_edits_sit_in_the_first_second_and_last_third_of_traces(kind: Kind) -> None:
    thirds: Counter[int] = Counter()
    for _, reference, edit in built()[kind]:
        at = (min(edit.declared_span) + 0.5) / len(reference.steps)
        thirds[min(2, int(at * 3))] += 1
    total = sum(thirds.values())
    assert all(thirds[t] >= 0.1 * total for t in (0, 1)), thirds
    if kind is not Kind.DROPPED_STEP and kind is not Kind.DROPPED_STEP_REWIRED:
        assert thirds[2] >= 0.1 * total, thirds  # a dropped step is never the last one


def test_goal_drift_never_leaves_the_reference_answer_in_its_step() -> None:
    for _, reference, edit in built()[Kind.GOAL_DRIFT]:
        answer = mt.answer_value(reference)
        written = {t.value for t in mt.tokenize(edit.trace.steps[-1]) if t.kind == "num"}
        assert answer not in written, edit.trace.steps[-1]


def test_off_by_one_adds_no_literal_one() -> None:
    for _, reference, edit in built()[Kind.OFF_BY_ONE]:
        for step in new_steps(reference, edit):
            assert "+ 1" not in step or any("+ 1" in s for s in reference.steps)


@pytest.mark.parametrize("kind", [Kind.DROPPED_STEP, Kind.DROPPED_STEP_REWIRED, Kind.OVERCLAIM])
def test_length_controls_pass_every_gate(kind: Kind) -> None:
    """A restatement or an opener that keeps a trace's length stays inside the declared
    span and keeps the kind's proof."""
    padded = [
        (seed, reference, edit)
        for seed, reference, edit in built()[kind]
        if step_diff(reference, edit.trace).inserted
        or any(restate.opener_of(s) and s[:5] != r[:5] for s, r in _changed(reference, edit))
    ]
    assert len(padded) >= 10
    failed = [
        reason
        for seed, reference, edit in padded
        if (reason := gate_failure(seed, reference, edit, definition(Domain.MATH, kind)))
    ]
    assert len(failed) <= 0.03 * len(padded), Counter(failed)


def _changed(reference: Trace, edit: Edit) -> list[tuple[str, str]]:
    return [
        (edit.trace.steps[j], reference.steps[i])
        for i, j in aligned_changes(reference, edit.trace)[0].items()
    ]


def test_a_dropped_step_with_an_unknown_number_inserted_is_refused() -> None:
    seed, reference = cases()[0]
    steps = list(reference.steps)
    del steps[0]
    steps.insert(1, "So she sold 7 muffins.")
    trace = Trace(steps=tuple(steps))
    edit = Edit(trace=trace, declared_span=(0, 1), evidence=DroppedValue(dropped_value="18"))
    assert step_diff(reference, trace).inserted
    kind = definition(Domain.MATH, Kind.DROPPED_STEP)
    assert gate_failure(seed, reference, edit, kind) == "G3_type:insertion_is_not_a_restatement"


def test_trims_and_openers_keep_every_number() -> None:
    text = "So she has a total of 12 + 3 = 15 apples in total."
    for shorter in restate.trims(text):
        assert len(shorter) < len(text)
        assert mt.parse_step(shorter).equations[0].holds
        assert [t.text for t in mt.tokenize(shorter) if t.kind == "num"] == ["12", "3", "15"]
    assert restate.with_opener("She has 5 pens.", "Then ") == "Then she has 5 pens."
    assert restate.with_opener("If she has 5 pens.", "Then ") is None
    assert restate.opener_of("So far she has 5.") is None


def test_bare_statement_drops_the_arithmetic_and_keeps_the_claim() -> None:
    step = mt.parse_step("Natalia sold 48/2 = 24 clips in May.")
    assert restate.bare_statement(step) == "Natalia sold 24 clips in May."
    linked = mt.parse_step("He eats 16 slices because 2 x 8 = 16")
    assert restate.bare_statement(linked) is None


@pytest.mark.parametrize("kind", [Kind.DROPPED_STEP, Kind.DROPPED_STEP_REWIRED])
def test_a_deletions_first_flawed_step_is_after_its_gap_never_its_length_control(
    kind: Kind,
) -> None:
    """The restatement that keeps a deletion's length is true: the published first flawed
    step is where the dangling (or rewired) use begins, the step right after the gap."""
    controlled = 0
    for seed, reference, edit in built()[kind]:
        evidence = edit.evidence.to_json()
        controls = tuple(evidence.get("controls") or ())
        diff = step_diff(reference, edit.trace)
        candidate = Candidate(
            candidate_id="c",
            problem_id=seed.problem_id,
            role=Role.NEGATIVE,
            trace=edit.trace,
            kind=kind.value,
            diff=diff,
            evidence=evidence,
            provenance=Provenance(backend="rules"),
        )
        (gap,) = diff.deleted
        after_gap = reference.steps[gap + 1] if gap + 1 < len(reference.steps) else None
        flawed = first_flawed_step(candidate)
        assert flawed is not None and flawed not in controls
        if after_gap is not None:
            assert edit.trace.steps[flawed] == after_gap or kind is Kind.DROPPED_STEP_REWIRED
        controlled += bool(controls)
    assert controlled, "no deletion kept its length with a restatement: nothing was checked"
