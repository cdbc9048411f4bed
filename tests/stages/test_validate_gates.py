"""The gates measure edits from the texts and never take the perturber's word for them."""

from __future__ import annotations

from groupbuild.config import ValidateConfig
from groupbuild.kinds import Kind, spec_for
from groupbuild.schema import Candidate, Domain, Provenance, Role, Seed, Trace
from groupbuild.stages.validate import (
    gate_artifacts,
    gate_locality,
    gate_schema,
    make_length_gate,
    numeric_only_change,
)
from groupbuild.text.cues import cue_words

SEED = Seed(
    problem_id="bundled:t1",
    source="bundled",
    source_id="t1",
    domain=Domain.MATH,
    task_type="math",
    problem="Ann has 3 bags of 4 apples and eats 2. How many apples are left?",
    answer="10",
)
REF_STEPS = ("Ann has 3 * 4 = 12 apples.", "After eating, 12 - 2 = 10 apples are left.")


def candidate(steps: tuple[str, ...], kind: Kind, span: tuple[int, ...]) -> Candidate:
    return Candidate(
        candidate_id="c",
        problem_id=SEED.problem_id,
        role=Role.NEGATIVE,
        trace=Trace(steps=steps),
        kind=kind.value,
        declared_span=span,
        provenance=Provenance(backend="rules"),
    )


REF = Candidate(
    candidate_id="r",
    problem_id=SEED.problem_id,
    role=Role.REFERENCE,
    trace=Trace(steps=REF_STEPS),
    provenance=Provenance(backend="rules"),
)


def test_propagated_numeric_fallout_is_allowed_after_the_edit() -> None:
    slip = candidate(
        ("Ann has 3 * 4 = 13 apples.", "After eating, 13 - 2 = 11 apples are left."),
        Kind.ARITHMETIC_SLIP,
        (0,),
    )
    assert gate_locality(SEED, REF, slip, spec_for(Domain.MATH, Kind.ARITHMETIC_SLIP)) is None


def test_an_edit_outside_the_declared_span_is_caught() -> None:
    lying = candidate(
        ("Ann has 3 * 4 = 12 apples.", "After eating, 12 - 2 = 9 apples are left."),
        Kind.ARITHMETIC_SLIP,
        (0,),
    )
    reason = gate_locality(SEED, REF, lying, spec_for(Domain.MATH, Kind.ARITHMETIC_SLIP))
    assert reason == "edit_outside_declared_span"


def test_a_wording_change_is_not_numeric_fallout() -> None:
    assert numeric_only_change("so 12 - 2 = 10 left", "so 13 - 2 = 11 left")
    assert not numeric_only_change("so 12 - 2 = 10 left", "so 12 - 2 = 10 remain")
    drift = candidate(
        ("Ann has 3 * 4 = 13 apples.", "After eating, 13 - 2 = 11 apples remain."),
        Kind.ARITHMETIC_SLIP,
        (0,),
    )
    reason = gate_locality(SEED, REF, drift, spec_for(Domain.MATH, Kind.ARITHMETIC_SLIP))
    assert reason == "edit_outside_declared_span"


def test_formatting_drift_counts_as_an_edit() -> None:
    spaced = candidate(
        ("Ann has 3 * 4 = 12  apples.", "After eating, 12 - 2 = 10 apples are left."),
        Kind.GOAL_DRIFT,
        (1,),
    )
    reason = gate_locality(SEED, REF, spaced, spec_for(Domain.MATH, Kind.GOAL_DRIFT))
    assert reason == "edit_outside_declared_span"


def test_a_span_beyond_the_trace_fails_the_schema_gate() -> None:
    bad = candidate(REF_STEPS, Kind.GOAL_DRIFT, (5,))
    assert gate_schema(SEED, REF, bad, spec_for(Domain.MATH, Kind.GOAL_DRIFT)) == (
        "declared_span_out_of_range"
    )


def test_cue_words_added_by_an_edit_are_rejected() -> None:
    assert cue_words("Clearly, this is wrong. Note that") == {"clearly", "wrong", "note that"}
    cued = candidate(
        ("Ann clearly has 3 * 4 = 13 apples.", REF_STEPS[1]), Kind.ARITHMETIC_SLIP, (0,)
    )
    assert gate_artifacts(SEED, REF, cued, spec_for(Domain.MATH, Kind.ARITHMETIC_SLIP)) == (
        "cue_word_added"
    )


def test_length_shift_beyond_tolerance_is_rejected_unless_the_kind_is_exempt() -> None:
    gate = make_length_gate(ValidateConfig().length_tolerance)
    longer = candidate(
        (REF_STEPS[0] + " That is a dozen apples in total, all of them red ones.", REF_STEPS[1]),
        Kind.GOAL_DRIFT,
        (0,),
    )
    assert gate(SEED, REF, longer, spec_for(Domain.MATH, Kind.GOAL_DRIFT)) == "length_shift"
    dropped = candidate((REF_STEPS[1],), Kind.DROPPED_STEP, (0,))
    assert gate(SEED, REF, dropped, spec_for(Domain.MATH, Kind.DROPPED_STEP)) is None
