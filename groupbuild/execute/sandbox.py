"""Run untrusted Python programs and their tests in a contained subprocess.

What is enforced, and where (host = this process, harness = `_harness.py`, child = the forked
process that runs one unit: one program run or one test):

- network: a fresh network namespace (`unshare --net`: only a loopback, down) [host]; the audit
  hook rejects every `socket.*` event [child].
- processes: a fresh PID namespace, so everything dies with the harness, its PID 1 [host]; a
  distinct unprivileged uid per concurrent job with `RLIMIT_NPROC` (root is exempt from that
  limit, so dropping root is what makes it bite) [child]; the audit hook rejects fork, exec,
  subprocess and ctypes [child]; after each unit every process left under its uid is killed
  [harness].
- wall time: the harness kills the unit's process group at `wall_seconds` [harness]; the host
  kills the whole session if the harness itself overruns [host].
- CPU time: `RLIMIT_CPU` (SIGXCPU, then SIGKILL a second later) [child].
- memory and file size: `RLIMIT_AS`, `RLIMIT_FSIZE`, no core files [child].
- output: stdout and stderr are read through pipes and capped at `output_bytes`; overflow ends
  the unit [harness].
- files: cwd is a fresh private dir, deleted afterwards [host, harness]; the unprivileged uid
  cannot write root's files, and the audit hook rejects writes, renames and removals outside the
  dir [child].
- environment: built from scratch (PATH, LANG, HOME, TMPDIR, PYTHONHASHSEED), so no caller key
  or token exists inside [host]; `/proc` is remounted, so other processes' environ and cmdline
  are invisible [host].
- signals: the child's uid differs from the harness's and host's, and the audit hook rejects
  `os.kill` of any other pid [child].

Programs run under the `python3` found on the sandbox's PATH (as `python3 prog.py` would), falling
back to this interpreter: an interpreter under a private home (e.g. pyenv in /root) could not
import its own standard library once the child drops root.
`python3 -s -S -P` is `-I` without `-E`: the environment is already built from scratch, and
keeping it lets `PYTHONHASHSEED=0` make set and dict ordering, hence outputs, reproducible.
`-S` also means no site-packages: programs get the standard library only.

Without root or `unshare`, the namespaces, the uid drop and `RLIMIT_NPROC` are skipped; the rlimits,
the audit hook, the caps and the scrubbed environment still apply. The audit hook guards against
accidents and casual escapes, not against a program written to forge its verdict from inside the
interpreter (e.g. an `__eq__` that always returns True); stdio tests, judged on the host, are the
robust form.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from groupbuild.errors import GroupbuildError

_HARNESS = Path(__file__).with_name("_harness.py")
_NAMESPACES = ("--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc")
_STARTUP_SECONDS = 10.0
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"


class SandboxError(GroupbuildError):
    """The sandbox itself failed (not the program under test)."""


class Outcome(StrEnum):
    """How one run ended; every run ends in exactly one."""

    PASSED = "passed"
    FAILED_TEST = "failed_test"
    RUNTIME_ERROR = "runtime_error"
    COMPILE_ERROR = "compile_error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    SANDBOX_VIOLATION = "sandbox_violation"


@dataclass(frozen=True)
class Limits:
    """Per-unit limits (a unit is one program run or one test)."""

    wall_seconds: float = 5.0
    cpu_seconds: float = 5.0
    memory_mb: int = 512
    file_size_mb: int = 16
    max_processes: int = 32
    """Processes and threads of the unit's uid; enforced only when the host can drop root."""
    output_bytes: int = 65536
    """Cap per stream (stdout, stderr); exceeding it ends the unit as a runtime error."""
    guard: bool = True
    """Install the audit hook; turn off only to test the OS-level limits beneath it."""


class RunResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    stdout: str
    stderr: str
    returncode: int | None
    """Exit status, or minus the signal number; None when the harness never got to run it."""
    wall_time: float
    detail: str = ""


class TestReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    __test__ = False

    results: tuple[RunResult, ...]
    """One per test, in the order given."""

    @property
    def passed(self) -> int:
        return sum(r.outcome is Outcome.PASSED for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def all_passed(self) -> bool:
        """False for an empty report: no test, no evidence."""
        return bool(self.results) and self.failed == 0

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(r.outcome for r in self.results)


@cache
def interpreter() -> str:
    """The Python that runs sandboxed programs."""
    return shutil.which("python3", path=_SANDBOX_PATH) or sys.executable


@cache
def _namespaces_available() -> bool:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        return False
    probe = subprocess.run([unshare, *_NAMESPACES, "true"], capture_output=True, check=False)
    return probe.returncode == 0


class _UidSlots:
    """Distinct unprivileged uids for concurrent jobs, so RLIMIT_NPROC counts one job only."""

    def __init__(self, size: int = 256) -> None:
        self._base = 200_000 + (os.getpid() % 4096) * size
        self._free = list(range(size))
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            slot = self._free.pop() if self._free else 0
        return self._base + slot

    def give(self, uid: int) -> None:
        with self._lock:
            slot = uid - self._base
            if slot not in self._free:
                self._free.append(slot)


_UIDS = _UidSlots()


def _environment(workdir: str) -> dict[str, str]:
    return {
        "PATH": _SANDBOX_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _run_job(
    mode: str, program: str, units: list[dict[str, Any]], setup: str, limits: Limits
) -> list[RunResult]:
    contained = _namespaces_available()
    uid = _UIDS.take() if contained else None
    workdir = tempfile.mkdtemp(prefix="groupbuild-sandbox-")
    job = {
        "mode": mode,
        "program": program,
        "setup": setup,
        "units": units,
        "uid": uid,
        "workdir": workdir,
        "guard": limits.guard,
        "limits": asdict(limits),
    }
    prefix = [shutil.which("unshare") or "unshare", *_NAMESPACES, "--"] if contained else []
    command = [*prefix, interpreter(), "-s", "-S", "-P", str(_HARNESS)]
    budget = _STARTUP_SECONDS + len(units) * (limits.wall_seconds + 1.0)
    try:
        os.chmod(workdir, 0o711)
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(workdir),
            cwd=workdir,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return [_lost(f"sandbox overran its {budget:.0f}s budget") for _ in units]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if uid is not None:
            _UIDS.give(uid)
    if proc.returncode != 0:
        tail = err.decode(errors="replace")[-2000:]
        raise SandboxError(f"sandbox harness failed with status {proc.returncode}: {tail}")
    return [RunResult.model_validate(item) for item in json.loads(out)]


def _lost(detail: str) -> RunResult:
    return RunResult(
        outcome=Outcome.TIMEOUT,
        stdout="",
        stderr="",
        returncode=None,
        wall_time=math.nan,
        detail=detail,
    )


def run_program(source: str, *, stdin: str = "", limits: Limits = Limits()) -> RunResult:
    """Run a complete program as `__main__` with the given stdin; PASSED means exit status 0."""
    return _run_job("program", source, [{"stdin": stdin, "test": None}], "", limits)[0]


def run_assert_tests(
    program: str, tests: Sequence[str], *, setup: str = "", limits: Limits = Limits()
) -> TestReport:
    """Judge each assert test alone: the program, then `setup`, then the test, in a fresh process.

    `setup` follows the program because MBPP's `test_setup_code` builds values from the
    program's own classes (e.g. tree nodes).
    A failing assert is FAILED_TEST, any other exception RUNTIME_ERROR, a syntax error anywhere
    COMPILE_ERROR.
    """
    if not tests:
        return TestReport(results=())
    units = [{"stdin": "", "test": test} for test in tests]
    return TestReport(results=tuple(_run_job("assert", program, units, setup, limits)))


def tokens_match(actual: str, expected: str) -> bool:
    """The contract's comparison: equal token lists after splitting on whitespace."""
    return actual.split() == expected.split()


def run_stdio_tests(
    program: str, cases: Sequence[tuple[str, str]], *, limits: Limits = Limits()
) -> TestReport:
    """Run the program once per (stdin, expected stdout) case; judged by `tokens_match`."""
    if not cases:
        return TestReport(results=())
    units = [{"stdin": stdin, "test": None} for stdin, _ in cases]
    runs = _run_job("program", program, units, "", limits)
    return TestReport(
        results=tuple(_judge(run, expected) for run, (_, expected) in zip(runs, cases, strict=True))
    )


def _judge(run: RunResult, expected: str) -> RunResult:
    if run.outcome is not Outcome.PASSED or tokens_match(run.stdout, expected):
        return run
    return run.model_copy(
        update={"outcome": Outcome.FAILED_TEST, "detail": "stdout differs from the expected output"}
    )


@dataclass(frozen=True)
class AssertJob:
    program: str
    tests: tuple[str, ...]
    setup: str = ""


@dataclass(frozen=True)
class StdioJob:
    program: str
    cases: tuple[tuple[str, str], ...]


class SandboxPool:
    """Run many jobs on `workers` concurrent sandboxes; results come back in job order.

    Each job is still its own sandbox (own namespaces, uid and directory); the pool only overlaps
    them. Threads suffice: they wait on subprocesses, the work happens in the children.
    """

    def __init__(self, workers: int | None = None, limits: Limits = Limits()) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.limits = limits
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="sandbox")

    def map_assert_tests(self, jobs: Iterable[AssertJob]) -> list[TestReport]:
        return list(
            self._executor.map(
                lambda job: run_assert_tests(
                    job.program, job.tests, setup=job.setup, limits=self.limits
                ),
                jobs,
            )
        )

    def map_stdio_tests(self, jobs: Iterable[StdioJob]) -> list[TestReport]:
        return list(
            self._executor.map(
                lambda job: run_stdio_tests(job.program, job.cases, limits=self.limits), jobs
            )
        )

    def map_programs(self, jobs: Iterable[tuple[str, str]]) -> list[RunResult]:
        """Run (source, stdin) pairs."""
        return list(
            self._executor.map(
                lambda job: run_program(job[0], stdin=job[1], limits=self.limits), jobs
            )
        )

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
