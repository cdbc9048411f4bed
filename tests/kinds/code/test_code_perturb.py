"""Code-plan perturbations: local plan edits whose program twins provably fail the tests."""

from __future__ import annotations

import random

import pytest
from kind_helpers import check, evidence_of, plan_edit_rules, rule
from seed_helpers import bundled_code_seeds

from groupbuild.kinds import Edit, Kind, spec_for
from groupbuild.kinds.code import harm as code_checks
from groupbuild.kinds.code import twins as pt
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.plans.links import plan_links, plan_to_trace
from groupbuild.text.traces import length_ratio, step_diff

RULES = plan_edit_rules()
SEEDS = bundled_code_seeds()
# Applicability measured on the bundled seeds with rng seed 18; a drop means a rule broke.
MIN_APPLICABLE = {
    Kind.OFF_BY_ONE: 20,
    Kind.INVERTED_CONDITION: 26,
    Kind.SPEC_MISREAD: 10,
    Kind.MISSING_EDGE_CASE: 12,
    Kind.DROPPED_STEP: 34,
    Kind.WRONG_ORDER: 18,
}


def _edits(kind: Kind) -> list[tuple[Seed, Trace, Edit]]:
    found = []
    for seed in SEEDS:
        reference = plan_to_trace(seed)
        edit = RULES[kind](seed, reference, random.Random(18))
        if edit is not None:
            found.append((seed, reference, edit))
    return found


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_each_kind_applies_to_many_bundled_seeds(kind: Kind) -> None:
    assert len(_edits(kind)) >= MIN_APPLICABLE[kind]


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_a_plan_edit_stays_in_its_declared_steps_and_budget(kind: Kind) -> None:
    spec = spec_for(Domain.CODE, kind)
    for seed, reference, edit in _edits(kind):
        diff = step_diff(reference, edit.trace)
        assert diff.size > 0
        assert set(diff.touched) <= set(edit.declared_span), seed.problem_id
        assert len(edit.declared_span) <= spec.max_steps
        if not diff.deleted:
            assert not diff.inserted


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_a_plan_edit_adds_no_cue_words_and_keeps_its_length(kind: Kind) -> None:
    spec = spec_for(Domain.CODE, kind)
    for seed, reference, edit in _edits(kind):
        assert code_checks.new_cue_words(reference, edit.trace) == [], seed.problem_id
        if not spec.length_exempt:
            assert 0.9 <= length_ratio(reference, edit.trace) <= 1.1, seed.problem_id


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_the_twin_mutates_only_lines_the_edited_step_describes(kind: Kind) -> None:
    for seed, _, edit in _edits(kind):
        links = plan_links(seed)
        assert links is not None
        described = {n for i in edit.declared_span for n in links[i]}
        assert set(evidence_of(edit)["twin_lines"]) <= described, seed.problem_id
        assert evidence_of(edit)["twin_program"] != seed.solution


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_the_twin_fails_a_test_the_reference_passes_for_most_edits(kind: Kind) -> None:
    proven, rejected = 0, []
    for seed, reference, edit in _edits(kind)[:12]:
        reason = check(Domain.CODE, kind, seed, reference, edit.trace, edit.evidence)
        if reason is None:
            facts = code_checks.twin_evidence(seed, edit.evidence)
            assert facts["reference"]["failed"] == 0
            assert facts["tests_failed_by_twin_only"]
            proven += 1
        else:
            assert reason in {"equivalent_mutant", "tests_miss_mutant", "not_edge_only"}
            rejected.append(reason)
    assert proven >= 2 * len(rejected) and proven > 0


def _seed(source_id: str) -> Seed:
    return next(s for s in SEEDS if s.source_id == source_id)


def test_an_equivalent_mutant_is_rejected_after_a_fuzz_finds_no_difference() -> None:
    # In a two-pointer palindrome check, `left <= right` only adds a self-comparison.
    seed = _seed("c006")
    reference = plan_to_trace(seed)
    steps = list(reference.steps)
    steps[2] = steps[2].replace("less than", "at most")
    links = plan_links(seed)
    assert seed.solution and links
    twin = pt.mutate_compare(seed.solution, links[2], {pt.ast.Lt}, pt.STRICT_FLIP)
    assert twin is not None
    evidence = twin.evidence(2, reference.steps[2], steps[2])
    candidate = Trace(steps=tuple(steps))
    reason = check(Domain.CODE, Kind.OFF_BY_ONE, seed, reference, candidate, evidence)
    assert reason == "equivalent_mutant"
    fuzz = code_checks.twin_evidence(seed, evidence)["fuzz"]
    assert fuzz["inputs"] > 0 and fuzz["differing"] == 0


def test_a_deleted_guard_that_later_code_already_covers_is_rejected() -> None:
    seed = _seed("c008")
    reference = plan_to_trace(seed)
    edit = rule(Domain.CODE, Kind.MISSING_EDGE_CASE)(seed, reference, random.Random(0))
    assert edit is not None
    assert (
        check(Domain.CODE, Kind.MISSING_EDGE_CASE, seed, reference, edit.trace, edit.evidence)
        == "equivalent_mutant"
    )


def test_a_missing_edge_case_fails_only_some_tests() -> None:
    seed = _seed("c016")
    reference = plan_to_trace(seed)
    edit = rule(Domain.CODE, Kind.MISSING_EDGE_CASE)(seed, reference, random.Random(0))
    assert edit is not None and edit.declared_span == (1,)
    assert (
        check(Domain.CODE, Kind.MISSING_EDGE_CASE, seed, reference, edit.trace, edit.evidence)
        is None
    )
    facts = code_checks.twin_evidence(seed, edit.evidence)
    assert facts["tests_failed_by_twin_only"] == [0]
    assert facts["twin"]["passed"] == len(seed.tests) - 1


def test_a_plan_that_did_not_change_is_not_a_negative() -> None:
    seed = _seed("c003")
    reference = plan_to_trace(seed)
    edit = rule(Domain.CODE, Kind.OFF_BY_ONE)(seed, reference, random.Random(0))
    assert edit is not None
    assert (
        check(Domain.CODE, Kind.OFF_BY_ONE, seed, reference, reference, edit.evidence)
        == "unchanged_plan"
    )


def test_cue_words_introduced_by_an_edit_are_caught() -> None:
    reference = Trace(steps=("Start a count at 0.", "Return the count."))
    cued = Trace(steps=("Start a count at 1, which is clearly right.", "Return the count."))
    assert code_checks.new_cue_words(reference, cued) == ["clearly"]


def test_a_seed_without_links_gets_no_perturbation() -> None:
    seed = _seed("c001").model_copy(update={"plan_links": ()})
    reference = plan_to_trace(seed)
    assert all(rule(seed, reference, random.Random(0)) is None for rule in RULES.values())
