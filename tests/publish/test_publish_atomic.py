"""Publish swaps a complete dataset in whole: a failed or killed publish leaves the old one."""

from __future__ import annotations

import errno
import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pipeline_helpers import REPO, config_for

import groupbuild.publish as publish_module
from groupbuild.errors import DiskFullError, GroupbuildError
from groupbuild.runner import run


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(tmp: Path) -> list[Path]:
    return sorted(tmp.glob(".dist.publishing-*"))


@pytest.fixture
def published(bundled_build: tuple[Path, dict], tmp_path: Path) -> Path:
    """The bundled build's run folder, copied and published; returns the dataset folder."""
    dist, _ = bundled_build
    shutil.copytree(dist.parent / "runs", tmp_path / "runs")
    run(config_for(tmp_path), stages=["publish"], base_dir=REPO)
    (tmp_path / "dist" / "NOTES.md").write_text("kept by every publish\n", encoding="utf-8")
    return tmp_path / "dist"


def math_rows(dist: Path) -> int:
    from datasets import load_dataset

    return sum(split.num_rows for split in load_dataset(str(dist), "math").values())


def test_a_publish_failing_midway_leaves_the_old_dataset_whole(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, rows = snapshot(published), math_rows(published)
    real = publish_module._Writers.write_group
    calls = 0

    def disk_fills_up(self: Any, *args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, *args)

    monkeypatch.setattr(publish_module._Writers, "write_group", disk_fills_up)
    with pytest.raises(DiskFullError, match=r"^no space left on device writing .*dist$"):
        run(config_for(tmp_path), stages=["publish"], base_dir=REPO)
    assert calls == 10, "the failure was injected mid-publish"
    assert snapshot(published) == old
    assert leftovers(tmp_path) == []
    assert math_rows(published) == rows


def test_a_killed_publish_leaves_the_old_dataset_and_the_next_one_cleans_up(
    published: Path, tmp_path: Path
) -> None:
    old = snapshot(published)
    cli = [
        sys.executable, "-m", "groupbuild.cli", "publish", "--quiet",
        "--set", f"runner.runs_dir={tmp_path / 'runs'}",
        "--set", f"publish.out_dir={published}",
    ]  # fmt: skip
    child = subprocess.Popen(cli, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if any((p / "tracelift" / "math").is_dir() for p in leftovers(tmp_path)):
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    _, errors = child.communicate()
    assert child.returncode == -signal.SIGKILL, errors.decode(errors="replace")[-2000:]
    assert leftovers(tmp_path), "the kill landed while the new dataset was being written"
    assert snapshot(published) == old

    summary = run(config_for(tmp_path), stages=["publish"], base_dir=REPO)
    assert summary["accounted"]
    assert leftovers(tmp_path) == []
    assert snapshot(published) == old, "the same store publishes the same dataset"
    assert math_rows(published) == summary["groups"]["math"]["total"]


@pytest.mark.parametrize("holder", ["run", "base"])
def test_an_output_folder_holding_the_run_or_working_folder_is_refused(
    tmp_path: Path, holder: str
) -> None:
    out = tmp_path if holder == "run" else tmp_path / "work"
    base = tmp_path / "work" / "repo"
    shutil.copytree(REPO / "seeds", base / "seeds")
    config = config_for(tmp_path, f"publish.out_dir={out}")
    (base / "keep.txt").write_text("mine\n", encoding="utf-8")
    expected = r"publish\.out_dir .* holds the (run|working) folder"
    with pytest.raises(GroupbuildError, match=expected):
        run(config, stages=["seeds", "publish"], base_dir=base)
    assert (base / "keep.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_symlinked_output_folder_stays_a_link_to_the_new_dataset(
    published: Path, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere" / "dataset"
    target.parent.mkdir()
    published.rename(target)
    published.symlink_to(target)
    old = snapshot(target)
    run(config_for(tmp_path), stages=["publish"], base_dir=REPO)
    assert published.is_symlink() and published.resolve() == target
    assert snapshot(target) == old
    assert sorted(p.name for p in target.parent.iterdir()) == [".dataset.lock", "dataset"]
