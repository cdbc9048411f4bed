"""The judge measures read the published per-dimension scores: which dimension drops most, how
the totals spread, whether quality-only negatives tie their reference, and unbacked strong
labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report.test_audit import _reference, _split, group, negative, write_dataset

from groupbuild.kinds.registry import definitions
from groupbuild.kinds.spec import HURTS, hurts
from groupbuild.report.audit import audit
from groupbuild.schema import DIMENSIONS, Domain

MATH = DIMENSIONS[Domain.MATH]


def _scored(candidate: dict[str, Any], scores: dict[str, float]) -> dict[str, Any]:
    return {**candidate, "rubric_scores": {d: scores.get(d, 10.0) for d in MATH}}


def _dataset(tmp_path: Path, make: Any, count: int = 20) -> dict[str, Any]:
    groups = []
    for i in range(count):
        ref = _reference(i)
        neg = make(i, ref)
        g = group(f"s:{i}", ref, [neg], split=_split(i))
        g["positive_pool"][0] = _scored(g["positive_pool"][0], {})
        groups.append(g)
    return audit(write_dataset(tmp_path, groups))


def test_every_registered_kind_names_a_dimension_of_its_domain() -> None:
    for d in definitions():
        assert hurts(d.domain, d.kind) in DIMENSIONS[d.domain], (d.domain, d.kind)
    assert set(HURTS) == set(Domain)


def test_a_kind_whose_target_drops_most_scores_a_full_target_rate(tmp_path: Path) -> None:
    def slip(i: int, ref: list[str]) -> dict[str, Any]:
        steps = [*ref[:-1], ref[-1].replace("=", "= 1 +")]
        scores = {"calculation_correctness": 5.0, "answer_support": 6.0 + (i % 3)}
        return _scored(negative(ref, steps, "arithmetic_slip", total=0.3 + i / 100), scores)

    found = _dataset(tmp_path, slip)
    judge = found["domains"]["math"]["kinds"]["arithmetic_slip"]["judge"]
    assert judge["target_rate"] == 1.0
    assert judge["band_share"] == 0.05
    check = {c["check"]: c for c in found["checks"] if c["scope"] == "arithmetic_slip"}
    assert check["judge_target_rate"]["ok"] and check["judge_band_share"]["ok"]


def test_a_tie_for_the_largest_drop_is_a_miss_and_one_total_breaches_the_band(
    tmp_path: Path,
) -> None:
    def slip(i: int, ref: list[str]) -> dict[str, Any]:
        steps = [*ref[:-1], ref[-1].replace("=", "= 1 +")]
        scores = {"calculation_correctness": 5.0, "answer_support": 5.0}
        return _scored(negative(ref, steps, "arithmetic_slip", total=0.395), scores)

    found = _dataset(tmp_path, slip)
    judge = found["domains"]["math"]["kinds"]["arithmetic_slip"]["judge"]
    assert judge["target_rate"] == 0.0
    assert judge["band_share"] == 1.0
    flagged = {c["check"] for c in found["checks"] if c["scope"] == "arithmetic_slip"}
    failing = {
        c["check"] for c in found["checks"] if c["scope"] == "arithmetic_slip" and not c["ok"]
    }
    assert {"judge_target_rate", "judge_band_share"} <= failing <= flagged


def test_a_quality_kind_tying_its_reference_is_flagged(tmp_path: Path) -> None:
    def detour(i: int, ref: list[str]) -> dict[str, Any]:
        steps = [ref[0], f"So she has {i + 2} apples now.", *ref[1:]]
        neg = negative(ref, steps, "redundant_detour", signature="Q", total=1.0)
        return _scored(neg, {})

    found = _dataset(tmp_path, detour)
    judge = found["domains"]["math"]["kinds"]["redundant_detour"]["judge"]
    assert judge["tie_rate"] == 1.0
    assert judge["quality_drop_rate"] == 0.0
    failing = {
        c["check"] for c in found["checks"] if c["scope"] == "redundant_detour" and not c["ok"]
    }
    assert "judge_quality_tie_rate" in failing


def test_a_strong_negative_with_no_located_flaw_is_counted_unmeasured(tmp_path: Path) -> None:
    def blind(i: int, ref: list[str]) -> dict[str, Any]:
        steps = [ref[0], f"So she has {i + 2} apples now.", *ref[1:]]
        neg = negative(ref, steps, "redundant_detour", signature="Q", total=0.9)
        neg["judge_first_flawed_step"] = None if i % 2 else 1
        return _scored(neg, {"step_coherence": 7.0})

    found = _dataset(tmp_path, blind)
    judge = found["domains"]["math"]["negatives"]["judge"]
    assert judge["strong_rate"] == 1.0
    assert judge["strong_unmeasured"] == 10
