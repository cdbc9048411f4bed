"""Running the CLI on the `ray` engine in a child process, and comparing published folders.

Ray runs in a child, as a user runs it: its own session, so a test that kills the driver can
also end the local Ray the driver started (its processes share the child's process group).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from paths import REPO

CLI = [sys.executable, "-c", "from groupbuild.cli import main; raise SystemExit(main())"]


def needs_ray() -> None:
    pytest.importorskip("ray", reason="optional extra missing: ray (pip install groupbuild[ray])")


def ray_command(*args: str) -> list[str]:
    return [*CLI, "run", "--quiet", "--engine", "ray", *args]


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "RAY_ADDRESS": ""}


def run_ray(args: list[str], cwd: Path) -> None:
    done = subprocess.run(
        ray_command(*args), cwd=cwd, env=child_env(), capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]


def kill_ray_when(args: list[str], cwd: Path, ready: Callable[[], bool]) -> bool:
    """Start a ray run, SIGKILL the driver once `ready()`; False if it finished first.

    The local Ray it started (every process of the child's session: Ray gives its workers
    process groups of their own) is killed with it, and gone when this returns, so nothing
    the test started writes on or lingers.
    """
    child = subprocess.Popen(
        ray_command(*args),
        cwd=cwd,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    killed = False
    try:
        while child.poll() is None and time.monotonic() < deadline:
            if ready():
                child.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.01)
        child.wait()
    finally:
        _end_session(child.pid)
    return killed


def _end_session(sid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alive = [pid for pid, state in _session(sid) if state != "Z"]
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    raise AssertionError(f"processes of session {sid} outlived SIGKILL")


def _session(sid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process in session `sid`, from /proc/<pid>/stat."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if int(fields[3]) == sid:
            found.append((int(stat.parent.name), fields[0]))
    return found


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def assert_same_folder(expected: Path, actual: Path) -> None:
    """Every file of both published folders, byte for byte."""
    want = sorted(p.relative_to(expected) for p in expected.rglob("*") if p.is_file())
    got = sorted(p.relative_to(actual) for p in actual.rglob("*") if p.is_file())
    assert want, f"nothing published in {expected}"
    assert got == want
    for rel in want:
        assert (actual / rel).read_bytes() == (expected / rel).read_bytes(), rel
