"""Every seed is counted from its own id: a lost, doubled or stranded seed fails the accounting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_helpers import REPO

from groupbuild.config import Config, load_config
from groupbuild.errors import AccountingError
from groupbuild.runner import run

MATH = (REPO / "seeds" / "math.jsonl").read_text(encoding="utf-8").splitlines()


def two_gsm8k_files(tmp: Path) -> Path:
    """Two GSM8K-format files, so both number their records from `gsm8k:0`.

    b.jsonl line 1 repeats the id `gsm8k:0` (a `duplicate_id` reject) and line 2 does not
    parse; its reject once took the id `gsm8k:1`, the id of a.jsonl's valid second seed.
    """
    (tmp / "a.jsonl").write_text("\n".join(MATH[:2]) + "\n", encoding="utf-8")
    (tmp / "b.jsonl").write_text(MATH[2] + "\n{not json\n", encoding="utf-8")
    config = tmp / "c.yaml"
    config.write_text(
        "seeds:\n"
        "  skip_invalid: true\n"
        "  sources: [{format: gsm8k, path: a.jsonl}, {format: gsm8k, path: b.jsonl}]\n"
        f"runner: {{runs_dir: {tmp / 'runs'}, progress: false}}\n"
        f"publish: {{out_dir: {tmp / 'dist'}}}\n",
        encoding="utf-8",
    )
    return config


def load(config: Path) -> Config:
    return load_config(config, env={})


def test_a_reject_never_strands_a_valid_seed_with_the_same_source_id(tmp_path: Path) -> None:
    summary = run(load(two_gsm8k_files(tmp_path)), base_dir=tmp_path)
    assert summary["seeds_in"] == 4
    assert summary["seeds_pending"] == 0 and summary["accounted"]
    assert summary["groups_published"] + summary["seeds_rejected"] == 4
    published = {
        json.loads(line)["problem_id"]
        for path in (tmp_path / "dist" / "tracelift" / "math").glob("*_groups.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    rejects = [json.loads(line) for line in (tmp_path / "dist" / "rejects.jsonl").open()]
    ended_in_pipeline = {r["id"] for r in rejects if r["stage"] != "seeds" and r["level"] == "seed"}
    assert "gsm8k:1" in published | ended_in_pipeline, "a.jsonl's second seed was stranded"
    seed_rejects = {r["id"]: r["reason"] for r in rejects if r["stage"] == "seeds"}
    assert seed_rejects == {
        "gsm8k:b.jsonl:1#reject": "duplicate_id",
        "gsm8k:b.jsonl:2#reject": "invalid_json",
    }


@pytest.mark.parametrize("journal", ["rejects.jsonl", "seeds.jsonl"])
def test_a_record_written_twice_fails_the_run_with_one_line(tmp_path: Path, journal: str) -> None:
    """A journal line repeated (two writers once shared the folder) is found and named."""
    config = two_gsm8k_files(tmp_path)
    run(load(config), base_dir=tmp_path)
    path = tmp_path / "runs" / "default" / journal
    first = path.read_text(encoding="utf-8").splitlines()[0]
    with path.open("a", encoding="utf-8") as fh:
        fh.write(first + "\n")

    with pytest.raises(AccountingError, match="do not add up"):
        run(load(config), stages=["publish"], base_dir=tmp_path)
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert not summary["accounted"] and summary["accounting_problems"]

    cli = [sys.executable, "-m", "groupbuild.cli", "publish", "--quiet", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(cli, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode != 0
    (message,) = done.stderr.splitlines()
    assert message.startswith("groupbuild: error: the seeds do not add up: ")
    assert ("ended twice" if journal == "rejects.jsonl" else "seeds.jsonl repeat") in message
