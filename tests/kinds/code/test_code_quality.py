"""Redundant plan steps (C13): one useless step inserted, its twin still passing every test."""

from __future__ import annotations

import random

from kind_helpers import check
from seed_helpers import bundled_code_seeds

from groupbuild.hashing import digest
from groupbuild.judge.code import judge_code
from groupbuild.kinds import Edit, Kind, ProofCase
from groupbuild.kinds.code import harm as code_checks
from groupbuild.kinds.code import quality as code_quality
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.plans.links import plan_to_trace
from groupbuild.text.traces import step_diff

SEEDS = bundled_code_seeds()
BY_ID = {seed.source_id: seed for seed in SEEDS}
KIND = Kind.REDUNDANT_CODE
MIN_APPLICABLE = 23  # measured on the bundled seeds with the pipeline's rng


def _edits() -> list[tuple[Seed, Trace, Edit]]:
    found = []
    for seed in SEEDS:
        reference = plan_to_trace(seed)
        rng = random.Random(digest([18, seed.problem_id, KIND.value]))
        edit = code_quality.redundant_code(seed, reference, rng)
        if edit is not None:
            found.append((seed, reference, edit))
    return found


EDITS = _edits()


def test_applies_to_many_bundled_seeds() -> None:
    assert len(EDITS) >= MIN_APPLICABLE


def test_exactly_one_step_is_inserted_where_declared() -> None:
    for seed, reference, edit in EDITS:
        diff = step_diff(reference, edit.trace)
        assert not diff.touched and not diff.deleted, seed.problem_id
        assert list(diff.inserted) == list(edit.declared_span), seed.problem_id
        assert code_checks.new_cue_words(reference, edit.trace) == []
        assert _shape(seed, reference, edit) is None


def test_every_twin_passes_all_tests() -> None:
    for seed, reference, edit in EDITS:
        assert check(Domain.CODE, KIND, seed, reference, edit.trace, edit.evidence) is None
        assert code_checks.twin_evidence(seed, edit.evidence)["twin"]["failed"] == 0


def test_a_twin_that_changes_behaviour_is_rejected() -> None:
    seed = BY_ID["c002"]
    reference = plan_to_trace(seed)
    insertion = code_quality.restate_start(seed, reference)[0]
    bad = code_quality.Insertion(
        insertion.before,
        insertion.text,
        insertion.twin.__class__(
            program=(seed.solution or "").replace("count = 0", "count = 0\n    count = 1"),
            lines=insertion.twin.lines,
            mutation="not a no-op",
        ),
    )
    edit = code_quality.insertion_edit(reference, bad)
    assert check(Domain.CODE, KIND, seed, reference, edit.trace, edit.evidence) is not None
    assert code_quality.only_no_ops_added(
        ProofCase(seed, reference, edit.trace, edit.evidence)
    ) == ("twin_not_a_no_op")


def test_a_restated_start_follows_the_step_it_repeats() -> None:
    seed = BY_ID["c003"]
    reference = plan_to_trace(seed)
    [insertion] = code_quality.restate_start(seed, reference)
    assert insertion.before == 1
    assert insertion.text == "Set the total to 0 once more."
    assert insertion.twin.program.count("total = 0") == 2


def test_no_copy_of_an_input_the_function_changes() -> None:
    for seed in SEEDS:
        insertion = code_quality.copy_input(seed, plan_to_trace(seed))
        if insertion is not None:
            name = insertion.twin.mutation.split()[2]
            assert f"{name}.append" not in (seed.solution or "")


def test_the_judge_scores_every_redundant_plan_below_its_reference() -> None:
    for seed, reference, edit in EDITS:
        ref_score = judge_code(seed, reference).rubric_score
        rubric = judge_code(seed, edit.trace)
        assert rubric.rubric_score < ref_score, seed.problem_id
        assert "repeats earlier work or does work nothing needs" in rubric.reason.lower()


def _shape(seed: Seed, reference: Trace, edit: Edit) -> str | None:
    return code_quality.only_no_ops_added(ProofCase(seed, reference, edit.trace, edit.evidence))
