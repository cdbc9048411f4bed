"""The TraceLift JSONL export meets the reader's contract (tracelift-contract.md)."""

from __future__ import annotations

from pathlib import Path

from pipeline_helpers import exported_groups, read_jsonl

from groupbuild.schema import DIMENSIONS, Domain

GROUP_FIELDS = {
    "problem_id": str,
    "source": str,
    "task_type": str,
    "problem": str,
    "reference_solution": str,
    "positive_pool": list,
    "negative_bank": list,
    "metadata": dict,
}
CANDIDATE_FIELDS = {
    "reasoning": str,
    "rubric": dict,
    "label": str,
    "rubric_label": str,
    "rubric_score_raw": float,
    "rubric_reason": str,
}


def check_candidate(item: dict, domain: Domain, negative: bool) -> None:
    for name, kind in CANDIDATE_FIELDS.items():
        assert isinstance(item[name], kind), name
    rubric = item["rubric"]
    for dim in DIMENSIONS[domain]:
        assert type(rubric[dim]) is int and 0 <= rubric[dim] <= 4, (dim, rubric)
    assert isinstance(rubric["total"], float) and 0.0 <= rubric["total"] <= 1.0
    assert 0 <= item["rubric_score_raw"] <= 10
    assert rubric["total"] == round(min(1, max(0, item["rubric_score_raw"] / 10)), 6)
    assert item["rubric_label"] in {"strong", "acceptable", "weak", "bad"}
    assert "```" not in item["reasoning"] and "<think>" not in item["reasoning"]
    if negative:
        assert item["label"] == "negative"
        assert isinstance(item["negative_kind"], str) and item["negative_kind"]
        assert isinstance(item["negative_index"], int)
    else:
        assert item["label"] == "positive"
        assert "negative_kind" not in item


def test_every_exported_group_meets_the_reader_contract(bundled_build: tuple[Path, dict]) -> None:
    dist, _ = bundled_build
    seen: set[str] = set()
    for domain in Domain:
        groups = [g for rows in exported_groups(dist, domain.value).values() for g in rows]
        assert groups, f"no {domain.value} groups exported"
        for group in groups:
            for name, kind in GROUP_FIELDS.items():
                assert isinstance(group[name], kind), name
            assert "tests" not in group and "tests_or_constraints" not in group
            assert group["problem_id"] not in seen
            seen.add(group["problem_id"])
            assert group["task_type"] == ("math" if domain is Domain.MATH else "python_function")
            assert len(group["positive_pool"]) >= 1
            assert len(group["negative_bank"]) >= 4
            for item in group["positive_pool"]:
                check_candidate(item, domain, negative=False)
            for item in group["negative_bank"]:
                check_candidate(item, domain, negative=True)


def test_each_negative_scores_below_its_reference(bundled_build: tuple[Path, dict]) -> None:
    dist, _ = bundled_build
    for domain in Domain:
        for rows in exported_groups(dist, domain.value).values():
            for group in rows:
                best = group["positive_pool"][0]["rubric"]["total"]
                assert all(n["rubric"]["total"] < best for n in group["negative_bank"])


def test_code_oracles_cover_every_code_group_and_pass_with_the_reference(
    bundled_build: tuple[Path, dict],
) -> None:
    from groupbuild.execute.sandbox import run_stdio_tests

    dist, _ = bundled_build
    groups = {g["problem_id"]: g for rows in exported_groups(dist, "code").values() for g in rows}
    oracles = {
        o["problem_id"]: o for o in read_jsonl(dist / "tracelift/code/code_test_oracles.jsonl")
    }
    assert set(oracles) == set(groups)
    for pid, oracle in oracles.items():
        assert any(t["is_reward_test"] for t in oracle["tests"])
        cases = [(t["input"], t["output"]) for t in oracle["tests"]]
        report = run_stdio_tests(groups[pid]["reference_solution"], cases)
        assert report.all_passed, (pid, report.outcomes)
