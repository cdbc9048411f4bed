"""A run killed at any moment and rerun yields the same dataset as an uninterrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline_helpers import REPO

from groupbuild.schema import Reject
from groupbuild.store import Journal


def _cli(tmp: Path) -> list[str]:
    return [
        sys.executable, "-m", "groupbuild.cli", "run", "--quiet",
        "--config", str(REPO / "configs" / "default.yaml"),
        "--set", f"runner.runs_dir={tmp / 'runs'}",
        "--set", f"publish.out_dir={tmp / 'dist'}",
    ]  # fmt: skip


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _kill_when(tmp: Path, journal: str, lines: int) -> bool:
    """Start a run and SIGKILL it once `journal` holds `lines` records; False if it finished."""
    proc = subprocess.Popen(_cli(tmp), cwd=REPO, stdout=subprocess.DEVNULL)
    target = tmp / "runs" / "default" / f"{journal}.jsonl"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if _lines(target) >= lines:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait()
    return False


def test_killed_runs_resume_to_the_uninterrupted_result(
    bundled_build: tuple[Path, dict], tmp_path: Path
) -> None:
    killed = [_kill_when(tmp_path, name, n) for name, n in (("seeds", 20), ("validate", 15))]
    assert any(killed), "the run finished before it could be killed"
    journal = tmp_path / "runs" / "default" / "validate.jsonl"
    ids = [json.loads(line)["seed"]["problem_id"] for line in journal.read_text().splitlines()]
    assert len(ids) == len(set(ids)), "a resumed run repeated finished work"
    subprocess.run(_cli(tmp_path), cwd=REPO, check=True, stdout=subprocess.DEVNULL)

    reference_dist, _ = bundled_build
    resumed = tmp_path / "dist"
    exports = sorted(p.relative_to(reference_dist) for p in reference_dist.rglob("*.jsonl"))
    assert exports
    for rel in exports:
        assert (resumed / rel).read_bytes() == (reference_dist / rel).read_bytes(), rel
    summary = json.loads((resumed / "summary.json").read_text())
    assert summary["accounted"] and summary["seeds_pending"] == 0


def test_journal_drops_a_torn_last_line_and_keeps_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    journal = Journal(path, Reject, ("id",))
    journal.append(Reject(stage="seeds", id="a", reason="exact_duplicate"))
    with path.open("ab") as fh:
        fh.write(b'{"stage": "seeds", "id": "b", "rea')
    reopened = Journal(path, Reject, ("id",))
    assert "a" in reopened and "b" not in reopened
    reopened.append(Reject(stage="seeds", id="b", reason="near_duplicate"))
    assert [r.id for r in reopened] == ["a", "b"]
