"""Wrong constants, operators and quantities in code plans, each proven by a failing twin."""

from __future__ import annotations

import random

import pytest
from kind_helpers import check, evidence_of, rule
from seed_helpers import bundled_code_seeds

from groupbuild.hashing import digest
from groupbuild.judge.code import judge_code
from groupbuild.kinds import Edit, Kind, ProofCase
from groupbuild.kinds.code import harm as code_checks
from groupbuild.kinds.code import values as code_values
from groupbuild.kinds.code import variables as code_variables
from groupbuild.kinds.evidence import TwinEdit
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.plans.links import plan_links, plan_to_trace
from groupbuild.text.traces import length_ratio, step_diff

RULES = {kind: rule(Domain.CODE, kind) for kind in (Kind.ARITHMETIC_ERROR, Kind.VARIABLE_MISUSE)}
SEEDS = bundled_code_seeds()
BY_ID = {seed.source_id: seed for seed in SEEDS}
# Measured on the bundled seeds with the pipeline's rng (perturb.seed 18): applicable / proven.
MIN_APPLICABLE = {Kind.ARITHMETIC_ERROR: 25, Kind.VARIABLE_MISUSE: 16}
MIN_PROVEN = {Kind.ARITHMETIC_ERROR: 23, Kind.VARIABLE_MISUSE: 16}


def _edits(kind: Kind) -> list[tuple[Seed, Trace, Edit]]:
    found = []
    for seed in SEEDS:
        reference = plan_to_trace(seed)
        rng = random.Random(digest([18, seed.problem_id, kind.value]))
        edit = RULES[kind](seed, reference, rng)
        if edit is not None:
            found.append((seed, reference, edit))
    return found


def _site(sites: list[code_values.Site], mutation: str) -> code_values.Site:
    return next(s for s in sites if s.twin.mutation == mutation)


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_each_kind_applies_to_many_bundled_seeds(kind: Kind) -> None:
    assert len(_edits(kind)) >= MIN_APPLICABLE[kind]


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_the_edit_changes_only_its_declared_step_without_cues_or_length_shift(kind: Kind) -> None:
    for seed, reference, edit in _edits(kind):
        diff = step_diff(reference, edit.trace)
        assert set(diff.touched) == set(edit.declared_span), seed.problem_id
        assert len(edit.declared_span) == 1
        assert not diff.inserted and not diff.deleted
        assert code_checks.new_cue_words(reference, edit.trace) == []
        assert 0.9 <= length_ratio(reference, edit.trace) <= 1.1, seed.problem_id


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_the_twin_mutates_one_node_on_the_lines_of_the_edited_step(kind: Kind) -> None:
    for seed, reference, edit in _edits(kind):
        links = plan_links(seed)
        assert links is not None
        assert set(evidence_of(edit)["twin_lines"]) <= set(links[edit.declared_span[0]])
        shape = code_values.one_node_change(kind)
        assert shape(ProofCase(seed, reference, edit.trace, edit.evidence)) is None


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_most_twins_fail_a_test_the_reference_passes(kind: Kind) -> None:
    proven = 0
    for seed, reference, edit in _edits(kind):
        reason = check(Domain.CODE, kind, seed, reference, edit.trace, edit.evidence)
        assert reason in {None, "equivalent_mutant", "tests_miss_mutant"}, seed.problem_id
        if reason is None:
            proven += 1
            facts = code_checks.twin_evidence(seed, edit.evidence)
            assert facts["tests_failed_by_twin_only"], seed.problem_id
    assert proven >= MIN_PROVEN[kind]


def test_a_constant_edit_changes_the_number_the_step_states() -> None:
    seed = BY_ID["c002"]
    reference = plan_to_trace(seed)
    sites = code_values._rewrite_sites(seed, reference, code_values.ARITHMETIC_REWRITES)
    site = _site(sites, "constant 1 -> 2")
    assert "add 2 to the count" in site.text
    assert "count += 2" in site.twin.program


def test_a_number_said_twice_in_a_step_pairs_with_its_own_constant() -> None:
    # "If the amount is 0, return 0.": the first 0 is a bound (left to C1), the second a result.
    seed = BY_ID["c022"]
    reference = plan_to_trace(seed)
    sites = code_values._rewrite_sites(seed, reference, code_values.ARITHMETIC_REWRITES)
    guard = [s for s in sites if s.step == 0]
    assert [s.text for s in guard] == ["If the amount is 0, return 1."]


def test_an_operator_word_swap_mutates_the_operation_it_names() -> None:
    seed = BY_ID["c013"]
    reference = plan_to_trace(seed)
    sites = code_values._rewrite_sites(seed, reference, code_values.ARITHMETIC_REWRITES)
    site = _site(sites, "Sub -> Add")
    assert "just after the end plus the prefix sum at the start" in site.text
    assert "prefix[end + 1] + prefix[start]" in site.twin.program


def test_an_equivalent_constant_change_is_rejected() -> None:
    # Counting every character twice leaves the most frequent one unchanged.
    seed = BY_ID["c011"]
    reference = plan_to_trace(seed)
    sites = code_values._rewrite_sites(seed, reference, code_values.ARITHMETIC_REWRITES)
    edit = code_values.edit_from(reference, _site(sites, "constant 1 -> 2"))
    reason = check(Domain.CODE, Kind.ARITHMETIC_ERROR, seed, reference, edit.trace, edit.evidence)
    assert reason == "equivalent_mutant"


def test_a_misuse_names_another_quantity_of_the_same_kind() -> None:
    seed = BY_ID["c001"]
    reference = plan_to_trace(seed)
    texts = {s.text for s in code_variables.misuse_sites(seed, reference)}
    assert (
        "Replace the running sum with the larger of the value alone and the best sum plus the "
        "value." in texts
    )
    # A list is never swapped for a number, and no swap leaves `best = best`.
    assert not any("store the best sum as the best sum" in t for t in texts)


def test_a_misuse_never_swaps_values_of_different_types() -> None:
    seed = BY_ID["c020"]
    reference = plan_to_trace(seed)
    for site in code_variables.misuse_sites(seed, reference):
        assert "stack" not in site.twin.mutation or "text" not in site.twin.mutation


def test_the_type_detector_rejects_a_twin_that_changes_two_nodes() -> None:
    seed = BY_ID["c002"]
    reference = plan_to_trace(seed)
    twin = (seed.solution or "").replace("count = 0", "count = 1").replace("+= 1", "+= 2")
    evidence = TwinEdit(twin_program=twin, twin_lines=(1,), mutation="two nodes", plan_step=0)
    shape = code_values.one_node_change(Kind.ARITHMETIC_ERROR)
    assert shape(ProofCase(seed, reference, reference, evidence)) == "not_one_node"


@pytest.mark.parametrize("kind", list(RULES), ids=str)
def test_the_judge_scores_most_proven_negatives_below_the_reference(kind: Kind) -> None:
    below = proven = 0
    for seed, reference, edit in _edits(kind):
        if check(Domain.CODE, kind, seed, reference, edit.trace, edit.evidence) is not None:
            continue
        proven += 1
        ref_score = judge_code(seed, reference).rubric_score
        below += judge_code(seed, edit.trace).rubric_score < ref_score
    # Measured: 23/23 arithmetic errors and 13/16 misuses (a swapped noun the program's own
    # words do not tell apart, e.g. "the word" for "the key", ties).
    assert below >= (proven if kind is Kind.ARITHMETIC_ERROR else 0.8 * proven)
