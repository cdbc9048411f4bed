"""The in-sandbox side: run each unit of a job in a forked, unprivileged, limited child.

`sandbox.py` starts this file as `python -s -S -P _harness.py`, under bubblewrap or `unshare`
when the host allows (its docstring says what each layer enforces). It reads one JSON job on
stdin and writes one JSON list of unit results on stdout. It must stay stdlib-only: it runs
without site-packages and never imports groupbuild. The harness process itself stays trusted:
untrusted code only ever runs in children that have dropped privileges (when the harness runs as
root), so a child cannot signal, trace or rewrite the harness.

Job: {mode: "program"|"assert", program, setup, uid, workdir, scratch: [dir], guard,
      limits: {...}, units: [{stdin: str, test: str|null, program?: str, setup?: str}]}
A unit's own `program` and `setup`, when given, replace the job's: one harness process then
judges several programs (a reference and its twins) without a sandbox start per program.
`scratch` lists private dirs (the sandbox's own /tmp, /dev/shm) emptied after every unit.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import resource
import select
import shutil
import signal
import sys
import time
import traceback

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Job = dict[str, Any]

# Preloaded once so every forked child gets them without paying the import again.
for _name in ("collections", "functools", "heapq", "itertools", "math", "re"):
    __import__(_name)

REPORT_FD = 3
VIOLATION_RC = 125
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_BLOCKED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.killpg",
        "subprocess.Popen",
        "pty.spawn",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.call_function",
        "sys.remote_exec",
    }
)
# Audit events that name a path the call creates, removes or changes (argument positions).
_PATH_EVENTS: dict[str, tuple[int, ...]] = {
    "os.remove": (0,),
    "os.rename": (0, 1),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.symlink": (1,),
    "os.link": (1,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "os.mkfifo": (0,),
    "os.mknod": (0,),
    "shutil.rmtree": (0,),
}


def _report(payload: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        os.write(REPORT_FD, (json.dumps(payload) + "\n").encode())


def _inside_of(root: str) -> Callable[[object], bool]:
    """Whether a path is in `root`, with its own references to the os functions it uses."""
    fspath, fsdecode, getcwd = os.fspath, os.fsdecode, os.getcwd
    join, normpath = os.path.join, os.path.normpath

    def inside(path: object) -> bool:
        if isinstance(path, int):
            return True
        try:
            text = fsdecode(fspath(path))  # type: ignore[call-overload]
            full = normpath(join(getcwd(), text))
        except Exception:
            return False
        return full == root or full.startswith(root + "/") or full == "/dev/null"

    return inside


def _describe(event: str, args: tuple[Any, ...]) -> str:
    parts = [a if isinstance(a, str | int | float | type(None)) else type(a).__name__ for a in args]
    return f"{event} {parts!r}"[:300]


def _guard(root: str) -> None:
    """Audit hook: writes outside the unit dir, sockets, processes, signals, ctypes -> violation.

    The hook reports and exits at once, so `except BaseException` in the program cannot swallow it.
    It holds its own references, so rebinding the harness's names from the program changes
    nothing; the OS layers beneath stay the boundary for anything more determined.
    """
    blocked, path_events, write_flags = _BLOCKED_EVENTS, dict(_PATH_EVENTS), _WRITE_FLAGS
    inside, report, describe, pid, exit_now = (
        _inside_of(root),
        _report,
        _describe,
        os.getpid(),
        os._exit,
    )

    def hook(event: str, args: tuple[Any, ...]) -> None:
        violated = False
        if event == "open":
            path, mode, flags = args
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            violated = bool(writes) and not inside(path)
        elif event in blocked or event.startswith("socket."):
            violated = True
        elif event == "os.kill":
            violated = args[0] not in (0, pid)
        elif event in path_events:
            violated = any(not inside(args[i]) for i in path_events[event])
        if violated:
            report({"status": "sandbox_violation", "detail": describe(event, args)})
            exit_now(VIOLATION_RC)

    sys.addaudithook(hook)


def _limit(job: Job) -> None:
    lim = job["limits"]
    mb = 1024 * 1024
    cpu = max(1, int(-(-lim["cpu_seconds"] // 1)))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (lim["memory_mb"] * mb, lim["memory_mb"] * mb))
    resource.setrlimit(resource.RLIMIT_FSIZE, (lim["file_size_mb"] * mb, lim["file_size_mb"] * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if job["uid"] is not None:
        n = lim["max_processes"]
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
        os.setgroups([])
        os.setgid(job["uid"])
        os.setuid(job["uid"])


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _compile(source: str, filename: str) -> object:
    try:
        return compile(source, filename, "exec")
    except (SyntaxError, ValueError) as exc:
        traceback.print_exception(exc, limit=0)
        _report({"status": "compile_error", "detail": f"{filename}: {type(exc).__name__}: {exc}"})
        raise _Done(1) from None


class _Done(Exception):
    def __init__(self, rc: int) -> None:
        self.rc = rc


def _exec(code: object, namespace: dict[str, Any], where: str, *, in_test: bool) -> None:
    try:
        exec(code, namespace)  # type: ignore[arg-type]
    except SystemExit as exc:
        rc = _exit_code(exc)
        if in_test:
            _report({"status": "runtime_error", "detail": f"{where}: SystemExit({rc})"})
            raise _Done(rc or 1) from None
        _report({"status": "exit", "rc": rc})
        raise _Done(rc) from None
    except MemoryError:
        _report({"status": "memory", "detail": f"{where}: MemoryError"})
        raise _Done(1) from None
    except AssertionError as exc:
        if where == "test.py":
            _report({"status": "failed_test", "detail": f"AssertionError: {exc}"[:300]})
            raise _Done(1) from None
        _crash(exc, where)
    except BaseException as exc:
        _crash(exc, where)


def _crash(exc: BaseException, where: str) -> None:
    """Print the traceback as Python would, without the harness's own frame."""
    tb = exc.__traceback__.tb_next if exc.__traceback__ else None
    traceback.print_exception(type(exc), exc, tb)
    _report({"status": "runtime_error", "detail": f"{where}: {type(exc).__name__}: {exc}"[:300]})
    raise _Done(1) from None


def _program_namespace(name: str) -> dict[str, Any]:
    """A fresh module for the program, registered as `__main__` in place of the harness.

    So `import __main__` (pickle, or a program reaching for the harness's globals) finds the
    program's own module.
    """
    module = type(sys)(name)
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    return module.__dict__


def _body(job: Job, unit: dict[str, Any]) -> int:
    """Run the unit's code; the return value is the child's exit status."""
    program: str = unit["program"] if "program" in unit else job["program"]
    if job["mode"] == "program":
        code = _compile(program, "main.py")
        _exec(code, _program_namespace("__main__"), "main.py", in_test=False)
        _report({"status": "exit", "rc": 0})
        return 0
    codes = [
        _compile(program, "main.py"),
        _compile(unit["setup"] if "setup" in unit else job["setup"], "setup.py"),
    ]
    test = _compile(unit["test"], "test.py")
    namespace = _program_namespace("solution")
    for code, where in zip(codes, ("main.py", "setup.py"), strict=True):
        _exec(code, namespace, where, in_test=True)
    _exec(test, namespace, "test.py", in_test=True)
    _report({"status": "passed"})
    return 0


def _child(job: Job, unit: dict[str, Any], unit_dir: str, fds: tuple[int, int, int, int]) -> None:
    stdin_fd, out_w, err_w, rep_w = fds
    os.setpgid(0, 0)
    for src, dst in ((stdin_fd, 0), (out_w, 1), (err_w, 2), (rep_w, REPORT_FD)):
        os.dup2(src, dst)
    os.closerange(REPORT_FD + 1, 65536)
    os.chdir(unit_dir)
    os.environ.update(HOME=unit_dir, TMPDIR=unit_dir)
    _limit(job)
    os.umask(0o077)
    sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.argv = ["main.py"]
    if job["guard"]:
        _guard(unit_dir)
    try:
        rc = _body(job, unit)
    except _Done as done:
        rc = done.rc
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(rc)


def _read_until_done(pid: int, pipes: dict[int, str], cap: int, wall: float) -> dict[str, Any]:
    """Collect capped streams until the child exits, the wall limit hits or output overflows."""
    bufs = {fd: bytearray() for fd in pipes}
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    for fd in (*pipes, pidfd):
        poller.register(fd, select.POLLIN)
    start = time.monotonic()
    deadline, exited, overflow, timed_out = start + wall, False, "", False
    open_fds = set(pipes)
    while open_fds or not exited:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            timed_out = not exited
            break
        for fd, _ in poller.poll(timeout * 1000):
            if fd == pidfd:
                exited, deadline = True, min(deadline, time.monotonic() + 0.05)
                poller.unregister(pidfd)
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                poller.unregister(fd)
                open_fds.discard(fd)
                continue
            room = cap - len(bufs[fd])
            bufs[fd] += data[:room]
            if len(data) > room and pipes[fd] != "report":
                overflow = pipes[fd]
        if overflow:
            break
    os.close(pidfd)
    return {
        "bufs": {pipes[fd]: bytes(b) for fd, b in bufs.items()},
        "overflow": overflow,
        "timed_out": timed_out,
    }


def _classify(job: Job, got: dict[str, Any], status: int, cpu_used: float) -> tuple[str, str]:
    lim = job["limits"]
    lines = got["bufs"]["report"].decode(errors="replace").splitlines()
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    kind = report.get("status")
    if kind == "sandbox_violation":
        return "sandbox_violation", report.get("detail", "")
    if got["timed_out"]:
        return "timeout", f"wall time limit {lim['wall_seconds']}s"
    if got["overflow"]:
        return "runtime_error", f"output limit exceeded on {got['overflow']}"
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_used >= lim["cpu_seconds"]):
        return "timeout", f"cpu time limit {lim['cpu_seconds']}s"
    if kind in ("memory", "compile_error", "runtime_error", "failed_test", "passed"):
        return kind, report.get("detail", "")
    if sig:
        if b"MemoryError" in got["bufs"]["stderr"]:
            return "memory", f"killed by {signal.Signals(sig).name} after MemoryError"
        return "runtime_error", f"killed by {signal.Signals(sig).name}"
    rc = os.WEXITSTATUS(status)
    if job["mode"] == "program":
        return ("passed", "") if rc == 0 else ("runtime_error", f"exit status {rc}")
    return "runtime_error", f"exited with status {rc} before the test finished"


def _sweep(uid: int | None) -> None:
    """Kill whatever the unit left behind, then reap zombies (we are PID 1 in a sandbox).

    As PID 1 of its own PID namespace the harness kills every other process in it; otherwise
    only those of the unit's uid, never the caller's own processes.
    """
    if os.getpid() == 1:
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
    elif uid is not None:
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            os._exit(0)
        os.waitpid(pid, 0)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wipe(unit_dir: str, scratch: list[str]) -> None:
    """Empty what the unit could write, so the next unit starts from nothing."""
    shutil.rmtree(unit_dir, ignore_errors=True)
    for top in scratch:
        with contextlib.suppress(OSError), os.scandir(top) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _run_unit(job: Job, unit: dict[str, Any], index: int) -> dict[str, Any]:
    unit_dir = os.path.join(job["workdir"], f"u{index}")
    os.mkdir(unit_dir, 0o700)
    if job["uid"] is not None:
        os.chown(unit_dir, job["uid"], job["uid"])
    stdin_fd = os.memfd_create("stdin")
    os.write(stdin_fd, unit["stdin"].encode())
    os.lseek(stdin_fd, 0, os.SEEK_SET)
    (out_r, out_w), (err_r, err_w), (rep_r, rep_w) = os.pipe(), os.pipe(), os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _child(job, unit, unit_dir, (stdin_fd, out_w, err_w, rep_w))
        finally:
            os._exit(124)
    for fd in (stdin_fd, out_w, err_w, rep_w):
        os.close(fd)
    pipes = {out_r: "stdout", err_r: "stderr", rep_r: "report"}
    got = _read_until_done(pid, pipes, job["limits"]["output_bytes"], job["limits"]["wall_seconds"])
    for target in (-pid, pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    for fd in pipes:
        os.close(fd)
    _sweep(job["uid"])
    _wipe(unit_dir, job["scratch"])
    outcome, detail = _classify(job, got, status, usage.ru_utime + usage.ru_stime)
    rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return {
        "outcome": outcome,
        "stdout": got["bufs"]["stdout"].decode(errors="replace"),
        "stderr": got["bufs"]["stderr"].decode(errors="replace"),
        "returncode": rc,
        "wall_time": round(wall, 4),
        "detail": detail,
    }


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    results = [_run_unit(job, unit, i) for i, unit in enumerate(job["units"])]
    out = json.dumps(results).encode()
    view = memoryview(out)
    while view:
        view = view[os.write(1, view) :]


if __name__ == "__main__":
    main()
