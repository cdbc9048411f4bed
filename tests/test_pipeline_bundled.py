"""End to end over the bundled seeds on the rule backend: the dataset `make groups` builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import REPO, config_for, exported_groups

from groupbuild.runner import run


@pytest.fixture
def build(bundled_build: tuple[Path, dict]) -> tuple[Path, dict]:
    return bundled_build


def test_every_bundled_seed_is_published_or_rejected_with_a_reason(
    build: tuple[Path, dict],
) -> None:
    _, summary = build
    assert summary["accounted"]
    assert summary["seeds_pending"] == 0
    assert summary["seeds_in"] == summary["groups_published"] + summary["seeds_rejected"]
    assert sum(summary["drop_reasons"].values()) == summary["seeds_rejected"]
    assert summary["groups"]["math"]["total"] >= 36
    assert summary["groups"]["code"]["total"] >= 24


def test_load_dataset_reads_each_config_with_the_jsonl_row_counts(build: tuple[Path, dict]) -> None:
    from datasets import load_dataset

    dist, summary = build
    for domain in ("math", "code"):
        exported = exported_groups(dist, domain)
        loaded = load_dataset(str(dist), domain)
        assert set(loaded) == set(exported)
        for split, rows in exported.items():
            assert loaded[split].num_rows == len(rows)
            assert loaded[split]["problem_id"] == [r["problem_id"] for r in rows]
    pairs = load_dataset(str(dist), "pairs")
    assert sum(d.num_rows for d in pairs.values()) == summary["rows"]["pairs"]
    steps = load_dataset(str(dist), "steps", split="train")
    assert all(
        len(c) == len(lab) for c, lab in zip(steps["completions"], steps["labels"], strict=True)
    )


def test_dev_split_follows_the_contract_hash(build: tuple[Path, dict]) -> None:
    import hashlib

    dist, _ = build
    for domain in ("math", "code"):
        groups = exported_groups(dist, domain)
        ids = [g["problem_id"] for split in ("dev", "train") for g in groups.get(split, [])]
        ranked = sorted(ids, key=lambda p: int(hashlib.sha256(f"18\0{p}".encode()).hexdigest(), 16))
        n_dev = min(max(1, round(len(ids) * 0.1)), len(ids) - 1)
        assert [g["problem_id"] for g in groups["dev"]] == ranked[:n_dev]


def test_rerun_of_a_finished_run_changes_nothing(build: tuple[Path, dict], tmp_path: Path) -> None:
    dist, summary = build
    before = {p: p.read_bytes() for p in sorted((dist / "tracelift").rglob("*.jsonl"))}
    again = run(config_for(dist.parent), base_dir=REPO)
    after = {p: p.read_bytes() for p in sorted((dist / "tracelift").rglob("*.jsonl"))}
    assert again["groups_published"] == summary["groups_published"]
    assert before == after


def test_the_rule_judge_publishes_its_name_and_no_second_opinion(build: tuple[Path, dict]) -> None:
    """With the rules judging, no second verdict rides along (a model judge gets one)."""
    dist, _ = build
    for domain in ("math", "code"):
        for rows in exported_groups(dist, domain).values():
            for group in rows:
                for candidate in [*group["positive_pool"], *group["negative_bank"]]:
                    assert candidate["judge"] == "rules"
                    assert candidate["judge_samples"] == 1
                    assert candidate["judge_agreement"] is None
                    assert candidate["rule_rubric_scores"] is None
