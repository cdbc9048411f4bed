"""The `ray` engine on local Ray: the local engine's folder byte for byte, and resume."""

from __future__ import annotations

import json
from pathlib import Path

from paths import REPO
from ray_helpers import assert_same_folder, kill_ray_when, lines, needs_ray, run_ray

needs_ray()


def _args(tmp: Path) -> list[str]:
    return [
        "--config", str(REPO / "configs" / "default.yaml"),
        "--set", f"runner.runs_dir={tmp / 'runs'}",
        "--set", f"publish.out_dir={tmp / 'dist'}",
        "--set", "runner.ray.num_cpus=2",
        "--set", "runner.ray.batch_size=8",
    ]  # fmt: skip


def test_the_ray_engine_publishes_the_local_engines_folder_byte_for_byte(
    bundled_build: tuple[Path, dict], tmp_path: Path
) -> None:
    run_ray(_args(tmp_path), REPO)
    local_dist, _ = bundled_build
    assert_same_folder(local_dist, tmp_path / "dist")


def test_a_killed_ray_driver_resumes_without_redoing_finished_problems(
    bundled_build: tuple[Path, dict], tmp_path: Path
) -> None:
    journal = tmp_path / "runs" / "default" / "validate.jsonl"
    killed = kill_ray_when(_args(tmp_path), REPO, lambda: lines(journal) >= 8)
    assert killed, "the run finished before it could be killed"
    done_at_kill = lines(journal)
    assert not (tmp_path / "dist").exists()

    run_ray(_args(tmp_path), REPO)
    ids = [json.loads(line)["seed"]["problem_id"] for line in journal.read_text().splitlines()]
    assert len(ids) == len(set(ids)), "a resumed run repeated finished work"
    manifest = json.loads((tmp_path / "runs" / "default" / "manifest.json").read_text())
    redone = manifest["counts"]["processed_this_run"].get("validate", 0)
    assert redone == len(ids) - done_at_kill, "the rerun did only what was not journaled"
    local_dist, _ = bundled_build
    assert_same_folder(local_dist, tmp_path / "dist")
