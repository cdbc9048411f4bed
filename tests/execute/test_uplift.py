"""Executor-grounded evidence: uplift per trace, and the gates that read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import exported_groups

from groupbuild.config import ValidateConfig
from groupbuild.errors import StageReject
from groupbuild.schema import (
    Candidate,
    Domain,
    Draft,
    Provenance,
    Role,
    Rubric,
    Seed,
    Trace,
    Uplift,
)
from groupbuild.stages.validate import validate_draft


def test_published_math_traces_carry_uplift_with_raw_counts(
    bundled_build: tuple[Path, dict],
) -> None:
    dist, _ = bundled_build
    groups = [g for rows in exported_groups(dist, "math").values() for g in rows]
    assert groups
    for group in groups:
        ref = group["positive_pool"][0]
        assert ref["executor_runs"] == 3
        assert ref["uplift"] == 1.0 and ref["executor_success_without"] == 0
        for neg in group["negative_bank"]:
            assert (
                neg["uplift"]
                == (neg["executor_success_with"] - neg["executor_success_without"])
                / neg["executor_runs"]
            )
            if neg["signature"] == "A":
                assert neg["executor_success_with"] == 0 and neg["executor_insensitive"] is False
            else:
                assert neg["executor_insensitive"] is None


def test_code_traces_have_no_uplift_without_a_code_executor(
    bundled_build: tuple[Path, dict],
) -> None:
    dist, _ = bundled_build
    groups = [g for rows in exported_groups(dist, "code").values() for g in rows]
    assert groups
    assert all(g["positive_pool"][0]["uplift"] is None for g in groups)


SEED = Seed(
    problem_id="bundled:u1",
    source="bundled",
    source_id="u1",
    domain=Domain.MATH,
    task_type="math",
    problem="Ann has 3 bags of 4 apples. How many apples?",
    answer="12",
)


def _scored(role: Role, uplift: Uplift, kind: str | None = None) -> Candidate:
    return Candidate(
        candidate_id=f"c-{kind}",
        problem_id="bundled:u1",
        role=role,
        kind=kind,
        trace=Trace(steps=("Ann has 3 * 4 = 12 apples.",)),
        rubric=Rubric(scores={}, rubric_score=9.0, reason="ok", judge="rules"),
        uplift=uplift,
        provenance=Provenance(backend="rules"),
    )


def test_a_reference_that_hurts_the_executor_is_rejected() -> None:
    worse = Uplift(runs=3, with_trace=1, without_trace=3, executor="rules")
    draft = Draft(seed=SEED, reference=_scored(Role.REFERENCE, worse))
    with pytest.raises(StageReject) as caught:
        validate_draft(draft, ValidateConfig(), max_negatives=8)
    assert caught.value.reason == "reference_negative_uplift"


def test_an_answer_changing_flaw_the_executor_misses_is_marked_insensitive() -> None:
    from groupbuild.stages.validate import executor_insensitive

    ref = _scored(Role.REFERENCE, Uplift(runs=3, with_trace=3, without_trace=1, executor="x"))
    missed = _scored(Role.NEGATIVE, Uplift(runs=3, with_trace=3, without_trace=1, executor="x"),
                     kind="arithmetic_slip")  # fmt: skip
    caught = _scored(Role.NEGATIVE, Uplift(runs=3, with_trace=0, without_trace=1, executor="x"),
                     kind="arithmetic_slip")  # fmt: skip
    quality = _scored(Role.NEGATIVE, Uplift(runs=3, with_trace=3, without_trace=1, executor="x"),
                      kind="redundant_detour")  # fmt: skip
    assert executor_insensitive(SEED, ref, missed) is True
    assert executor_insensitive(SEED, ref, caught) is False
    assert executor_insensitive(SEED, ref, quality) is None
