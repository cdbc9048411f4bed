"""Run untrusted Python programs and their tests in a contained subprocess.

Every job runs under one isolation layer, the strongest this host offers, chosen once per process
(`isolation()`; a weaker one is logged as a warning):

- `bwrap`: bubblewrap is installed and works. It is the boundary for the host's files.
- `unshare`: no bwrap, but root and util-linux `unshare`. Namespaces and a uid drop, the host's
  files guarded only by file permissions and the audit hook.
- `none`: neither. The rlimits, the audit hook, the caps and the scrubbed environment only.

What is enforced, and where (host = this process; bwrap / unshare = the tool that starts the
harness; harness = `_harness.py`, PID 1 of the sandbox; child = the forked process that runs one
unit, one program run or one test; hook = the audit hook inside the child's interpreter):

- host files, `bwrap`: the sandbox has its own root. Read-only: /usr, /bin, /sbin, /lib*, the
  interpreter's install prefix when outside /usr (e.g. pyenv under /root: that prefix only),
  /etc/ld.so.cache and /etc/localtime, the harness file. Fresh: /proc (this PID namespace only),
  /dev (null, zero, random, tty...). Writable, and only these: the job dir `/job`, /tmp and
  /dev/shm, each its own size-capped tmpfs (`Limits.scratch_mb`) that vanishes with the sandbox;
  the harness empties the unit's dir, /tmp and /dev/shm between units. The checkout, runs/,
  caches, home and every other host path do not exist inside [bwrap]. So a program that gets
  past the hook (rebinding the harness's names, `_posixsubprocess.fork_exec`, exec of a shell,
  ctypes) still reads only system files and writes only into memory that dies with the job.
- host files, `unshare` and `none`: the child sees the host's real filesystem. It can read every
  world-readable file (the checkout included) and, under `unshare`, write every world-writable dir
  (/tmp, /dev/shm) as its unprivileged uid; under `none` it has the caller's own rights. The hook
  rejects writes, renames and removals outside the unit dir [child], but a program can get past
  the hook. Job dirs live on the host under one parent dir per process, flock-ed while the process
  lives; a later process (its first job, or any new `SandboxPool`) deletes the parents of dead
  ones, so a kill -9 leaves them only until the next run [host].
- network: a fresh network namespace, loopback only and down [bwrap, unshare]; the hook rejects
  every `socket.*` event [child].
- processes: a fresh PID namespace whose PID 1 is the harness, so everything dies with it
  [bwrap, unshare]; `--die-with-parent` kills the sandbox when the calling thread or process dies,
  even by SIGKILL [bwrap] (under `unshare` an orphaned sandbox runs on until its units end).
  As root, a distinct unprivileged uid per concurrent job with `RLIMIT_NPROC` (root is exempt
  from that limit, so dropping root is what makes it bite) [child]. The hook rejects fork, exec,
  subprocess and ctypes [child]; after each unit the harness kills every other process in the
  sandbox [harness].
- privileges, root under `bwrap`: the harness keeps only CHOWN, DAC_OVERRIDE, FOWNER, KILL,
  SETGID and SETUID, and the child loses all of them with the uid drop; no_new_privs is set and
  /usr is mounted nosuid, so setuid binaries and file capabilities grant nothing [bwrap].
- non-root under `bwrap`: a user namespace maps the caller's uid, and no further user namespaces
  can be made inside [bwrap]. There is no uid drop, hence no `RLIMIT_NPROC` and the child shares
  the harness's uid: it could signal or trace the harness and forge its own verdict, but it still
  cannot see the host's files or network.
- wall time: the harness kills the unit's process group at `wall_seconds` [harness]; the host
  kills the whole sandbox if the harness itself overruns [host].
- CPU time: `RLIMIT_CPU` (SIGXCPU, then SIGKILL a second later) [child].
- memory and file size: `RLIMIT_AS`, `RLIMIT_FSIZE`, no core files [child]; tmpfs pages are not
  in `RLIMIT_AS`, hence the size caps on the scratch mounts [bwrap].
- output: stdout and stderr are read through pipes and capped at `output_bytes`; overflow ends
  the unit [harness].
- environment: built from scratch (PATH, LANG, HOME, TMPDIR, PYTHONHASHSEED), so no caller key
  or token exists inside [host, bwrap]; /proc is remounted, so other processes' environ and
  cmdline are invisible [bwrap, unshare].
- signals: the child's uid differs from the harness's and the host's (root only), and the hook
  rejects `os.kill` of any other pid [child].

Programs run under the `python3` found on the sandbox's PATH (as `python3 prog.py` would), falling
back to this interpreter: under `unshare`, an interpreter under a private home (e.g. pyenv in
/root) could not import its own standard library once the child drops root; `bwrap` runs it by its
real path, with its prefix mounted. `python3 -s -S -P` is `-I` without `-E`: the environment is
already built from scratch, and keeping it lets `PYTHONHASHSEED=0` make set and dict ordering,
hence outputs, reproducible. `-S` also means no site-packages: programs get the standard library
only.

The hook guards against accidents and casual escapes, never against a program written to get past
it or to forge its verdict from inside the interpreter (e.g. an `__eq__` that always returns
True); stdio tests, judged on the host, are the robust form.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import math
import os
import shutil
import signal
import stat
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

log = logging.getLogger(__name__)

_HARNESS = Path(__file__).with_name("_harness.py")
_NAMESPACES = ("--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc")
_STARTUP_SECONDS = 10.0
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
_JOB_DIR = "/job"
_SCRATCH_DIRS = ("/tmp", "/dev/shm")
_INNER_HARNESS = "/sandbox/_harness.py"
_HARNESS_CAPS = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
)
_JOB_ROOT_PREFIX = "groupbuild-sandbox-"


class SandboxError(GroupbuildError):
    """The sandbox itself failed (not the program under test)."""


class Layer(StrEnum):
    """What isolates a job from the host; the module docstring says what each one enforces."""

    BWRAP = "bwrap"
    UNSHARE = "unshare"
    NONE = "none"


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
    scratch_mb: int = 64
    """Size of each tmpfs under `bwrap` (job dir, /tmp, /dev/shm): memory outside RLIMIT_AS."""
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


def _is_root() -> bool:
    return os.geteuid() == 0


@cache
def _namespaces_available() -> bool:
    unshare = shutil.which("unshare")
    if not _is_root() or unshare is None:
        return False
    probe = subprocess.run([unshare, *_NAMESPACES, "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _within(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


@cache
def _interpreter_layout() -> tuple[str, tuple[str, ...]]:
    """The interpreter's real path, and the install dirs it needs beyond the system dirs.

    The real path, not a venv's symlink: with `-S` the venv adds nothing, and its dir may sit in
    the checkout, which must stay invisible.
    """
    real = os.path.realpath(interpreter())
    script = "import sys; print(sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)"
    probe = subprocess.run(
        [real, "-S", "-c", script], capture_output=True, text=True, check=False, env={}
    )
    if probe.returncode != 0:
        raise SandboxError(f"cannot start the sandbox interpreter {real}: {probe.stderr[-500:]}")
    system = [os.path.realpath(d) for d in _SYSTEM_DIRS if os.path.isdir(d)]
    needed = {os.path.realpath(p) for p in probe.stdout.split()}
    if not _within(real, needed):
        needed.add(os.path.dirname(real))
    extra = sorted(p for p in needed if not _within(p, system))
    if "/" in extra:
        raise SandboxError(f"interpreter {real} is installed at /, which would expose the host")
    return real, tuple(p for p in extra if not _within(p, set(extra) - {p}))


@cache
def _read_only_mounts(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """System dirs, the interpreter's prefixes and the harness, under traversable parents.

    bwrap would create the parents of a mount point mode 0700, out of reach once the child
    drops root.
    """
    binds: list[tuple[str, str, str]] = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            binds.append(("--symlink", os.readlink(path), path))
        elif os.path.isdir(path):
            binds.append(("--ro-bind", path, path))
    binds += [("--ro-bind-try", path, path) for path in _ETC_FILES]
    binds += [("--ro-bind", path, path) for path in prefixes]
    binds.append(("--ro-bind", str(_HARNESS), _INNER_HARNESS))
    parents = sorted({str(p) for _, _, dest in binds for p in Path(dest).parents} - {"/"})
    args = [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]
    return (*args, *(arg for bind in binds for arg in bind))


def _bwrap_command(bwrap: str, env: dict[str, str], limits: Limits, argv: list[str]) -> list[str]:
    """The bubblewrap invocation that runs `argv` (after the interpreter) in a fresh root."""
    real, prefixes = _interpreter_layout()
    args = [bwrap, "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv"]
    if _is_root():
        # No user namespace: it would map only root, and the child must drop to its own uid.
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        args += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        for cap in _HARNESS_CAPS:
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-all", "--unshare-user", "--disable-userns"]
    args += ["--hostname", "sandbox", *_read_only_mounts(prefixes), "--proc", "/proc"]
    args += ["--dev", "/dev"]
    size = str(limits.scratch_mb * 1024 * 1024)
    for path, perms in ((_JOB_DIR, "0711"), *((d, "1777") for d in _SCRATCH_DIRS)):
        args += ["--perms", perms, "--size", size, "--tmpfs", path]
    args += ["--remount-ro", "/", "--chdir", _JOB_DIR]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", real, *argv]


@cache
def _bwrap() -> str | None:
    """The bwrap binary, if it can start the interpreter on this host (user namespaces, mounts)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    try:
        command = _bwrap_command(bwrap, _environment(_JOB_DIR), Limits(), ["-S", "-c", "pass"])
    except SandboxError as exc:
        log.warning("bwrap is installed but cannot be used: %s", exc)
        return None
    probe = subprocess.run(command, capture_output=True, check=False, cwd="/", env={})
    if probe.returncode != 0:
        log.warning("bwrap is installed but fails here: %s", probe.stderr.decode()[-500:])
        return None
    return bwrap


@cache
def available_layers() -> tuple[Layer, ...]:
    """The layers that work on this host, strongest first; `none` always works."""
    found = [Layer.BWRAP] if _bwrap() else []
    if _namespaces_available():
        found.append(Layer.UNSHARE)
    return (*found, Layer.NONE)


@cache
def isolation() -> Layer:
    """The layer every job of this process runs under: the strongest available."""
    layer = available_layers()[0]
    if layer is not Layer.BWRAP:
        log.warning(
            "sandbox layer %r: bubblewrap (bwrap) is unavailable, so sandboxed programs can read "
            "the host's files and a program that gets past the audit hook can write to them",
            layer.value,
        )
    return layer


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


class _JobRoot:
    """The host dir that holds this process's job dirs (`unshare` and `none` layers).

    Its `lock` file stays flock-ed while the process lives and holds the owner's pid once locked,
    so a later process can tell a dead owner's leftovers (kill -9) from a live one's.
    """

    def __init__(self) -> None:
        self._path: str | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()

    def path(self) -> str:
        with self._lock:
            if self._path is None:
                path = tempfile.mkdtemp(prefix=f"{_JOB_ROOT_PREFIX}{os.getpid()}-")
                os.chmod(path, 0o711)
                fd = os.open(os.path.join(path, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, str(os.getpid()).encode())
                atexit.register(shutil.rmtree, path, True)
                self._path, self._fd = path, fd
            return self._path


_JOB_ROOT = _JobRoot()


def remove_stale_job_dirs(parent: str | None = None) -> list[str]:
    """Delete the job dirs left by processes that died without cleaning up; returns them."""
    removed = []
    for entry in Path(parent or tempfile.gettempdir()).glob(f"{_JOB_ROOT_PREFIX}*"):
        try:
            info = entry.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            fd = os.open(entry / "lock", os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_size:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


_remove_stale_once = cache(remove_stale_job_dirs)


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
    _remove_stale_once()
    layer = isolation()
    uid = _UIDS.take() if layer is not Layer.NONE and _is_root() else None
    harness_argv = ["-s", "-S", "-P"]
    host_dir: str | None = None
    if layer is Layer.BWRAP:
        bwrap = _bwrap()
        if bwrap is None:
            raise SandboxError("the bwrap layer was chosen but bwrap is unavailable")
        workdir, cwd = _JOB_DIR, "/"
        command = _bwrap_command(
            bwrap, _environment(workdir), limits, [*harness_argv, _INNER_HARNESS]
        )
    else:
        host_dir = workdir = cwd = tempfile.mkdtemp(prefix="job-", dir=_JOB_ROOT.path())
        os.chmod(workdir, 0o711)
        prefix = [shutil.which("unshare") or "unshare", *_NAMESPACES, "--"]
        command = [
            *(prefix if layer is Layer.UNSHARE else []),
            interpreter(),
            *harness_argv,
            str(_HARNESS),
        ]
    job = {
        "mode": mode,
        "program": program,
        "setup": setup,
        "units": units,
        "uid": uid,
        "workdir": workdir,
        "scratch": list(_SCRATCH_DIRS) if layer is Layer.BWRAP else [],
        "guard": limits.guard,
        "limits": asdict(limits),
    }
    budget = _STARTUP_SECONDS + len(units) * (limits.wall_seconds + 1.0)
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(workdir),
            cwd=cwd,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return [_lost(f"sandbox overran its {budget:.0f}s budget") for _ in units]
    finally:
        if host_dir is not None:
            shutil.rmtree(host_dir, ignore_errors=True)
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


def run_program_batch(
    jobs: Sequence[tuple[str, str]], *, limits: Limits = Limits()
) -> list[RunResult]:
    """`run_program` for several (source, stdin) pairs in one sandbox start, in order.

    Each run is still its own forked, limited child with its program loaded fresh, so the
    results equal those of separate runs; only the start-up is shared.
    """
    units = [{"stdin": stdin, "test": None, "program": source} for source, stdin in jobs]
    return _run_job("program", "", units, "", limits) if units else []


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


def run_assert_batch(jobs: Sequence[AssertJob], *, limits: Limits = Limits()) -> list[TestReport]:
    """`run_assert_tests` for several programs in one sandbox start, one report per job.

    Every test still runs in its own forked, limited child with the job's program and setup
    loaded fresh, so the reports equal those of separate runs; only the start-up is shared.
    """
    units = [
        {"stdin": "", "test": test, "program": job.program, "setup": job.setup}
        for job in jobs
        for test in job.tests
    ]
    results = _run_job("assert", "", units, "", limits) if units else []
    reports, start = [], 0
    for job in jobs:
        reports.append(TestReport(results=tuple(results[start : start + len(job.tests)])))
        start += len(job.tests)
    return reports


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
        results=tuple(
            judge_stdio(run, expected) for run, (_, expected) in zip(runs, cases, strict=True)
        )
    )


def judge_stdio(run: RunResult, expected: str) -> RunResult:
    """A program run judged against the expected stdout (`tokens_match`)."""
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
    them. Threads suffice: they wait on subprocesses, the work happens in the children. A new pool
    first deletes the job dirs of dead processes.
    """

    def __init__(self, workers: int | None = None, limits: Limits = Limits()) -> None:
        remove_stale_job_dirs()
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
