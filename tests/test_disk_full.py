"""A full disk (or a file-size limit) stops the run with one line, and the rerun resumes.

The full disk is a real one: a tmpfs of 64 KiB mounted for the test (skipped, saying why, where
mounting is not permitted). The file-size limit is RLIMIT_FSIZE on the CLI process, which needs
no privilege and makes writes fail with EFBIG instead of ENOSPC.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers.openai_script import RoleScript

pytest_plugins = ["tests.servers.openai_fixtures"]

REPO = Path(__file__).resolve().parents[1]
MATH = (REPO / "seeds" / "math.jsonl").read_text(encoding="utf-8").splitlines()


def config_in(tmp: Path, runs: Path, out: Path, extra: str = "") -> Path:
    (tmp / "seeds").mkdir(exist_ok=True)
    (tmp / "seeds" / "math.jsonl").write_text("\n".join(MATH[:12]) + "\n", encoding="utf-8")
    path = tmp / "config.yaml"
    path.write_text(
        "seeds: {sources: [{format: bundled, path: seeds}]}\n"
        f"runner: {{runs_dir: {runs}, progress: false, workers: 1}}\n"
        f"publish: {{out_dir: {out}, audit: false}}\n" + extra,
        encoding="utf-8",
    )
    return path


def groupbuild_run(
    config: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DISK_FULL_TEST_KEY": "sk-disk"}
    for name in ("GROUPBUILD_RUNNER__RUNS_DIR", "GROUPBUILD_PUBLISH__OUT_DIR"):
        env.pop(name, None)
    command = [sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--config", str(config)]
    return subprocess.run(
        command,
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {exc}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=32m", str(mount)], check=True)


def one_line(done: subprocess.CompletedProcess[str], start: str, where: Path) -> None:
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = done.stderr.splitlines()
    assert line.startswith(start) and str(where) in line, line
    assert line.endswith("; make room and rerun to resume")


def test_a_full_disk_under_the_run_folder_stops_with_one_line_and_resumes(
    tmp_path: Path, small_disk: Path
) -> None:
    config = config_in(tmp_path, small_disk / "runs", tmp_path / "dist")
    one_line(groupbuild_run(config), "groupbuild: no space left on device writing ", small_disk)
    run_dir = small_disk / "runs" / "default"
    seeds_before = (run_dir / "seeds.jsonl").read_bytes()
    journal = run_dir / "validate.jsonl"
    finished = journal.read_bytes() if journal.exists() else b""
    assert finished.endswith(b"\n") or not finished, "no torn line is left behind"

    grow(small_disk)
    done = groupbuild_run(config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (run_dir / "seeds.jsonl").read_bytes() == seeds_before, "the seeds were not redone"
    assert journal.read_bytes().startswith(finished)
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert summary["accounted"] and summary["seeds_in"] == 12 and summary["seeds_pending"] == 0


def test_a_full_disk_under_an_llm_run_names_the_first_failure_and_rejects_nothing(
    tmp_path: Path, small_disk: Path, openai_server
) -> None:
    """The judge's replies go to the cache on the same disk; none of its failures is a reject."""
    server = openai_server(RoleScript())
    judge = f"{{backend: llm, model: m, base_url: '{server.base_url}', "
    judge += "api_key_env: DISK_FULL_TEST_KEY, timeout: 5}"
    extra = (
        f"roles: {{judge: {judge}}}\nuplift: {{runs: 1}}\nvalidate: {{require_ordering: false}}\n"
    )
    config = config_in(tmp_path, small_disk / "runs", tmp_path / "dist", extra)
    one_line(groupbuild_run(config), "groupbuild: no space left on device writing ", small_disk)

    grow(small_disk)
    done = groupbuild_run(config)
    assert done.returncode == 0, done.stderr[-2000:]
    rejects = (tmp_path / "dist" / "rejects.jsonl").read_text(encoding="utf-8")
    assert "internal_error" not in rejects
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert summary["accounted"] and summary["seeds_in"] == 12 and summary["seeds_pending"] == 0


def test_a_full_disk_under_the_output_keeps_no_partial_dataset(
    tmp_path: Path, small_disk: Path
) -> None:
    out = small_disk / "dist"
    config = config_in(tmp_path, tmp_path / "runs", out)
    one_line(groupbuild_run(config), "groupbuild: no space left on device writing ", out)
    assert not out.exists()
    assert [p.name for p in small_disk.iterdir()] == [".dist.lock"], "the temp folder is gone"

    grow(small_disk)
    done = groupbuild_run(config)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accounted"] and summary["groups_published"] > 0


def test_a_file_size_limit_stops_with_one_line_and_resumes(tmp_path: Path) -> None:
    config = config_in(tmp_path, tmp_path / "runs", tmp_path / "dist")

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    journal = tmp_path / "runs" / "default" / "validate.jsonl"
    one_line(groupbuild_run(config, limit_files), "groupbuild: file too large writing ", journal)
    finished = journal.read_bytes()
    assert finished and finished.endswith(b"\n")

    done = groupbuild_run(config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert journal.read_bytes().startswith(finished)
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert summary["accounted"] and summary["seeds_pending"] == 0
