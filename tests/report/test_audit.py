"""The artifact audit measures the shortcuts it claims to, on small synthetic published folders."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from groupbuild.report.alignment import align, measured_diff
from groupbuild.report.audit import audit
from groupbuild.report.classifier import auc
from groupbuild.schema import Trace
from groupbuild.text.traces import aligned_changes


def _candidate(steps: list[str], total: float, answer: str | None) -> dict[str, Any]:
    return {
        "reasoning": "<reasoning>\n" + "\n".join(steps) + "\n</reasoning>",
        "steps": steps,
        "rubric": {"total": total},
        "rubric_label": "strong" if total >= 0.8 else "weak",
        "answer": answer,
        "uplift": None,
        "executor_insensitive": None,
    }


def negative(
    reference: list[str],
    steps: list[str],
    kind: str,
    *,
    signature: str = "A",
    answer: str | None = None,
    total: float = 0.4,
) -> dict[str, Any]:
    """A negative with its diff measured the way the pipeline measures it."""
    _, diff = aligned_changes(Trace(steps=tuple(reference)), Trace(steps=tuple(steps)))
    touched = [*diff.changed, *diff.deleted, *diff.inserted]
    return {
        **_candidate(steps, total, answer),
        "label": "negative",
        "negative_kind": kind,
        "signature": signature,
        "changed_steps": list(diff.changed),
        "deleted_steps": list(diff.deleted),
        "inserted_steps": list(diff.inserted),
        "declared_span": sorted(set(touched)),
        "first_flawed_step": min(touched) if touched else None,
        "judge_first_flawed_step": min(touched) if touched else None,
    }


def group(
    problem_id: str,
    reference: list[str],
    negatives: list[dict[str, Any]],
    *,
    domain: str = "math",
    split: str = "train",
    answer: str | None = "10",
    problem: str = "How many?",
) -> dict[str, Any]:
    ref = {**_candidate(reference, 1.0, answer), "label": "positive"}
    return {
        "problem_id": problem_id,
        "source": "synthetic",
        "task_type": domain,
        "problem": problem,
        "reference_solution": answer or "",
        "positive_pool": [ref],
        "negative_bank": negatives,
        "metadata": {"domain": domain, "split": split},
    }


def write_dataset(
    root: Path, groups: list[dict[str, Any]], summary: dict[str, Any] | None = None
) -> Path:
    """A published folder holding only what the audit and the report read."""
    for g in groups:
        domain, split = g["metadata"]["domain"], g["metadata"]["split"]
        path = root / "tracelift" / domain / f"{split}_groups.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(g) + "\n")
    (root / "summary.json").write_text(json.dumps(summary or {"seeds_in": len(groups)}))
    return root


def _split(i: int) -> str:
    return "dev" if i % 4 == 0 else "train"


def _reference(i: int) -> list[str]:
    return [
        f"Ann has {i + 2} apples.",
        f"She buys {i + 3} more.",
        f"{i + 2} + {i + 3} = {2 * i + 5}.",
    ]


def test_negatives_always_longer_make_the_length_shortcut_always_right(tmp_path: Path) -> None:
    groups = []
    for i in range(12):
        ref = _reference(i)
        longer = [ref[0], ref[1] + " She counts them again.", ref[2]]
        groups.append(group(f"s:{i}", ref, [negative(ref, longer, "redundant_detour")]))
    result = audit(write_dataset(tmp_path, groups))
    assert result["domains"]["math"]["negatives"]["length_shortcut_accuracy"] == 1.0
    assert result["domains"]["math"]["kinds"]["redundant_detour"]["length_shortcut_accuracy"] == 1.0


def test_equal_lengths_leave_the_length_shortcut_at_chance(tmp_path: Path) -> None:
    groups = []
    for i in range(12):
        ref = _reference(i)
        slip = [ref[0], ref[1], ref[2][:-2] + ("7." if ref[2][-2] != "7" else "8.")]
        groups.append(group(f"s:{i}", ref, [negative(ref, slip, "arithmetic_slip", answer="9")]))
    result = audit(write_dataset(tmp_path, groups))
    assert result["domains"]["math"]["negatives"]["length_shortcut_accuracy"] == 0.5


def test_cue_words_added_in_edited_steps_are_counted(tmp_path: Path) -> None:
    groups = []
    for i in range(6):
        ref = _reference(i)
        cued = [ref[0], "Clearly she buys more.", ref[2]]
        plain = [ref[0], ref[1], f"{i + 2} + {i + 3} = {2 * i + 6}."]
        negatives = [
            negative(ref, cued, "overclaim", signature="S", answer="10"),
            negative(ref, plain, "arithmetic_slip", answer="11"),
        ]
        groups.append(group(f"s:{i}", ref, negatives))
    math = audit(write_dataset(tmp_path, groups))["domains"]["math"]
    assert math["reference"]["cue_step_rate"] == 0.0
    assert math["kinds"]["overclaim"]["cue"]["cue_step_rate"] == 1.0
    assert math["kinds"]["overclaim"]["cue"]["added_cue_rate"] == 1.0
    assert math["kinds"]["overclaim"]["cue"]["added_words"] == {"clearly": 6}
    assert math["kinds"]["arithmetic_slip"]["cue"]["added_cue_rate"] == 0.0
    assert math["negatives"]["cue"]["added_cue_rate"] == 0.5


def test_answer_change_and_margins_are_measured_per_kind(tmp_path: Path) -> None:
    groups = []
    for i in range(4):
        ref = _reference(i)
        slip = [ref[0], ref[1], f"{i + 2} + {i + 3} = {2 * i + 6}."]
        dropped = [ref[0], ref[2]]
        negatives = [
            negative(ref, slip, "arithmetic_slip", answer=str(2 * i + 6), total=0.3),
            negative(ref, dropped, "dropped_step", signature="S", answer=str(2 * i + 5), total=0.9),
        ]
        groups.append(group(f"s:{i}", ref, negatives, answer=str(2 * i + 5)))
    kinds = audit(write_dataset(tmp_path, groups))["domains"]["math"]["kinds"]
    assert kinds["arithmetic_slip"]["answer_change_rate"] == 1.0
    assert kinds["dropped_step"]["answer_change_rate"] == 0.0
    assert kinds["arithmetic_slip"]["margin"]["mean"] == pytest.approx(0.7)
    assert kinds["dropped_step"]["margin"]["min"] == pytest.approx(0.1)
    assert kinds["arithmetic_slip"]["first_error_position"]["mean"] == pytest.approx(
        2.5 / 3, abs=1e-4
    )
    assert kinds["dropped_step"]["diff_as_published_rate"] == 1.0
    assert kinds["dropped_step"]["span_coverage"] == 1.0


def _probe_dataset(tmp_path: Path, separable: bool) -> dict[str, Any]:
    rng = random.Random(5)
    words = [f"w{k}" for k in range(40)]
    groups = []
    for i in range(160):
        ref = [" ".join(rng.choices(words, k=8)) for _ in range(4)]
        negatives = []
        for k in range(3):
            steps = list(ref)
            edited = " ".join(rng.choices(words, k=8))
            steps[k + 1] = edited + (" zebra" if separable else "")
            negatives.append(negative(ref, steps, "arithmetic_slip"))
        groups.append(group(f"s:{i}", ref, negatives, split=_split(i), answer=None))
    return audit(write_dataset(tmp_path, groups))["domains"]["math"]["probe"]


def test_text_probe_separates_a_trivially_marked_set(tmp_path: Path) -> None:
    probe = _probe_dataset(tmp_path, separable=True)
    assert probe["traces"]["auc"] > 0.95
    assert probe["edited_steps"]["auc"] > 0.95
    assert probe["traces"]["paired_accuracy"] > 0.95


def test_text_probe_is_at_chance_on_unmarked_random_edits(tmp_path: Path) -> None:
    probe = _probe_dataset(tmp_path, separable=False)
    assert 0.35 < probe["traces"]["auc"] < 0.65
    assert 0.35 < probe["edited_steps"]["auc"] < 0.65


def test_probe_scores_only_dev_problems_it_never_trained_on(tmp_path: Path) -> None:
    probe = _probe_dataset(tmp_path, separable=True)
    dev_groups = sum(1 for i in range(160) if _split(i) == "dev")
    assert probe["traces"]["held_out"] == {"flawed": 3 * dev_groups, "reference": dev_groups}
    assert probe["traces"]["train"] == {
        "flawed": 3 * (160 - dev_groups),
        "reference": 160 - dev_groups,
    }


def test_audit_is_deterministic(tmp_path: Path) -> None:
    groups = [
        group(f"s:{i}", ref, [negative(ref, _reference(i + 1), "goal_drift")], split=_split(i))
        for i, ref in enumerate(map(_reference, range(20)))
    ]
    root = write_dataset(tmp_path, groups)
    assert json.dumps(audit(root), sort_keys=True) == json.dumps(audit(root), sort_keys=True)


def test_auc_counts_ranks_and_ties() -> None:
    labels = np.array([0, 0, 1, 1])
    assert auc(np.array([0.1, 0.2, 0.3, 0.4]), labels) == 1.0
    assert auc(np.array([0.4, 0.3, 0.2, 0.1]), labels) == 0.0
    assert auc(np.zeros(4), labels) == 0.5
    assert auc(np.zeros(2), np.array([1, 1])) is None


def test_alignment_matches_the_pipeline_diff_on_random_edits() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        reference = rng.choices("abcdefg", k=rng.randint(1, 7))
        candidate = list(reference)
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(["change", "delete", "insert"])
            at = rng.randrange(len(candidate) + (op == "insert")) if candidate else 0
            if op == "change" and candidate:
                candidate[at] = rng.choice("abcxyz")
            elif op == "delete" and len(candidate) > 1:
                del candidate[at]
            else:
                candidate.insert(at, rng.choice("abxyz"))
        _, diff = aligned_changes(Trace(steps=tuple(reference)), Trace(steps=tuple(candidate)))
        assert measured_diff(align(reference, candidate)) == (
            list(diff.changed),
            list(diff.deleted),
            list(diff.inserted),
        ), (reference, candidate)


def test_audit_of_the_bundled_build_finds_every_published_diff_measured(
    bundled_build: tuple[Path, dict[str, Any]],
) -> None:
    dist, summary = bundled_build
    result = audit(dist)
    for domain, d in result["domains"].items():
        assert d["groups"] == summary["groups"][domain]["total"]
        assert d["negatives"]["diff_as_published_rate"] == 1.0
        assert d["negatives"]["cue"]["added_cue_rate"] == 0.0
        assert 0.0 <= d["negatives"]["length_shortcut_accuracy"] <= 1.0


def test_the_audit_reads_a_bounded_hash_sample_of_large_exports(tmp_path: Path) -> None:
    from groupbuild.report.scan import scan

    dist = tmp_path / "dist"
    groups = []
    for i in range(400):
        ref = _reference(i)
        longer = [ref[0], ref[1] + " She counts them again.", ref[2]]
        groups.append(group(f"gsm8k:{i}", ref, [negative(ref, longer, "redundant_detour")]))
    write_dataset(dist, groups)
    full = scan(dist, shown_per_domain=0)
    sampled = scan(dist, shown_per_domain=0, max_groups=100)
    again = scan(dist, shown_per_domain=0, max_groups=100)
    assert full.domains["math"].groups == 400
    assert 60 <= sampled.domains["math"].groups <= 140
    assert sampled.domains["math"].groups == again.domains["math"].groups
