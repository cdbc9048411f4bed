"""Run a list of hostile programs under each isolation layer and count how many stay contained.

Usage: python bench/attack_matrix.py [--layer bwrap|unshare|none ...]
By default every layer this host offers except `none` (or `none` alone when it is the only one).
A case is contained when it ends the way the sandbox promises and the host shows no trace of it
(no file it wrote, no secret it read, no connection it made, the caller still alive). Prints one
row per case and `cases tried / contained / failed` per layer; exits 1 when the layer that jobs
use by default lets any case through.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from groupbuild.execute import sandbox  # noqa: E402
from groupbuild.execute.sandbox import Layer, Limits, Outcome, RunResult, run_program  # noqa: E402

GUARDED = Limits(wall_seconds=1.0, cpu_seconds=1.0, memory_mb=128, max_processes=8)
BARE = Limits(wall_seconds=1.0, cpu_seconds=1.0, memory_mb=128, max_processes=8, guard=False)
SECRET = "sk-attack-matrix-secret-0451"


@dataclass(frozen=True)
class Verdict:
    contained: bool
    outcome: str
    note: str = ""


Case = Callable[["Host"], Verdict]


class Host:
    """Host-side traces a case may leave: unique scratch paths, a readable secret file."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:12]
        self.tmp = Path("/tmp") / f"groupbuild-attack-{tag}"
        self.shm = Path("/dev/shm") / f"groupbuild-attack-{tag}"
        self.ctypes = Path("/tmp") / f"groupbuild-attack-{tag}-ctypes"
        self.folder = Path(tempfile.mkdtemp(prefix="groupbuild-attack-", dir="/tmp"))
        self.folder.chmod(0o755)
        self.readable = self.folder / "readable.txt"
        self.readable.write_text(SECRET)
        self.readable.chmod(0o644)

    def traces(self) -> list[str]:
        return [str(p) for p in (self.tmp, self.shm, self.ctypes) if p.exists()]

    def clean(self) -> None:
        for path in (self.tmp, self.shm, self.ctypes, self.readable):
            path.unlink(missing_ok=True)
        self.folder.rmdir()


def _verdict(result: RunResult, contained: bool, note: str = "") -> Verdict:
    return Verdict(contained, result.outcome.value, note or result.detail[:60])


def infinite_loop(host: Host) -> Verdict:
    result = run_program("while True:\n    pass", limits=GUARDED)
    return _verdict(result, result.outcome is Outcome.TIMEOUT)


def fork_bomb(host: Host) -> Verdict:
    result = run_program("import os\nwhile True:\n    os.fork()", limits=GUARDED)
    return _verdict(result, result.outcome is Outcome.SANDBOX_VIOLATION)


def fork_bomb_beneath_the_hook(host: Host) -> Verdict:
    program = (
        "import os, time\nchildren = 0\nfor _ in range(200):\n    try:\n"
        "        if os.fork() == 0:\n            time.sleep(60)\n        children += 1\n"
        "    except OSError:\n        break\nprint(children, flush=True)\ntime.sleep(60)\n"
    )
    result = run_program(program, limits=BARE)
    children = int(result.stdout or 0)
    capped = result.outcome is Outcome.TIMEOUT and children < BARE.max_processes
    return _verdict(result, capped, f"{children} children")


def memory_hog(host: Host) -> Verdict:
    result = run_program("hog = bytearray(1 << 30)", limits=GUARDED)
    return _verdict(result, result.outcome is Outcome.MEMORY)


def gigabyte_of_output(host: Host) -> Verdict:
    program = "import sys\nmb = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(mb)"
    result = run_program(program, limits=GUARDED)
    capped = "output limit" in result.detail and len(result.stdout) <= GUARDED.output_bytes
    return _verdict(result, capped)


def parent_environment(host: Host) -> Verdict:
    program = (
        "import os\nprint(dict(os.environ))\nfor pid in os.listdir('/proc'):\n    try:\n"
        "        print(open(f'/proc/{pid}/environ').read())\n    except OSError:\n        pass\n"
    )
    os.environ["ATTACK_MATRIX_TOKEN"] = SECRET
    try:
        result = run_program(program, limits=GUARDED)
    finally:
        del os.environ["ATTACK_MATRIX_TOKEN"]
    return _verdict(result, SECRET not in result.stdout and "ATTACK_MATRIX" not in result.stdout)


def write_outside_its_dir(host: Host) -> Verdict:
    result = run_program(f"open({str(host.tmp)!r}, 'w').write('x')", limits=GUARDED)
    return _verdict(result, result.outcome is Outcome.SANDBOX_VIOLATION and not host.traces())


def write_outside_its_dir_beneath_the_hook(host: Host) -> Verdict:
    result = run_program(f"open({str(host.tmp)!r}, 'w').write('x')", limits=BARE)
    return _verdict(result, not host.traces(), ", ".join(host.traces()) or "no host file")


def open_a_socket(host: Host) -> Verdict:
    result = run_program("import socket\nsocket.socket()", limits=GUARDED)
    return _verdict(result, result.outcome is Outcome.SANDBOX_VIOLATION)


def reach_the_host_network_beneath_the_hook(host: Host) -> Verdict:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(3)
    accepted: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    waiter = threading.Thread(target=accept)
    waiter.start()
    port = server.getsockname()[1]
    program = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=0.5)"
    result = run_program(program, limits=BARE)
    waiter.join()
    server.close()
    return _verdict(result, not accepted, "connected" if accepted else "no connection")


def kill_the_parent(host: Host) -> Verdict:
    program = f"import os\nos.kill(os.getppid(), 9)\nos.kill({os.getpid()}, 9)"
    result = run_program(program, limits=GUARDED)
    alive = run_program("print('alive')", limits=GUARDED).stdout == "alive\n"
    return _verdict(result, result.outcome is Outcome.SANDBOX_VIOLATION and alive)


def kill_the_parent_beneath_the_hook(host: Host) -> Verdict:
    program = (
        "import os\nfor pid in (os.getppid(), 1):\n    try:\n        os.kill(pid, 9)\n"
        "    except OSError as exc:\n        print(type(exc).__name__)\n"
    )
    result = run_program(program, limits=BARE)
    refused = result.stdout.split() == ["PermissionError", "PermissionError"]
    return _verdict(result, refused, result.stdout.strip().replace("\n", " "))


def rebind_the_harness_names(host: Host) -> Verdict:
    program = (
        "import __main__ as H\nH._BLOCKED_EVENTS = frozenset(); H._inside = lambda *a: True\n"
        "import sys\nG = sys._getframe(1).f_globals\n"
        "G['_BLOCKED_EVENTS'] = frozenset(); G['_inside'] = lambda *a: True\n"
        f"open({str(host.tmp)!r}, 'w').write('x')\n"
    )
    result = run_program(program, limits=GUARDED)
    return _verdict(result, not host.traces())


def fork_exec_a_shell_and_ctypes(host: Host) -> Verdict:
    native = (
        "import ctypes; libc = ctypes.CDLL(None); "
        f"fd = libc.open({str(host.ctypes).encode()!r}, 0o101, 0o644); libc.write(fd, b'x', 1)"
    )
    script = f"echo x > {host.tmp}; echo x > {host.shm}; python3 -S -c {json.dumps(native)}"
    program = (
        "import _posixsubprocess, os\nr, w = os.pipe()\n"
        f"args = [b'/bin/sh', b'-c', {script.encode()!r}]\n"
        "fixed = (args, [args[0]], True, (), None, None, *[-1] * 6, r, w, False, False)\n"
        "rest = (-1, None, None, None, -1, None)\n"
        "try:\n    pid = _posixsubprocess.fork_exec(*fixed, *rest, False)\n"
        "except TypeError:\n    pid = _posixsubprocess.fork_exec(*fixed, *rest)\n"
        "os.close(w)\nprint('status', os.waitpid(pid, 0)[1])\n"
    )
    result = run_program(program, limits=GUARDED)
    trace = ", ".join(host.traces()) or "no host file"
    return _verdict(result, not host.traces(), f"shell {result.stdout.strip()}; {trace}")


def read_the_checkout(host: Host) -> Verdict:
    paths = [str(CHECKOUT), sandbox.__file__, str(CHECKOUT.parent / "shared")]
    result = run_program(
        f"import os\nprint([p for p in {paths!r} if os.path.exists(p)])", limits=GUARDED
    )
    seen = result.stdout.strip()
    return _verdict(result, seen == "[]", f"sees {seen}")


def read_a_world_readable_host_file(host: Host) -> Verdict:
    program = f"print(open({str(host.readable)!r}).read())"
    result = run_program(program, limits=GUARDED)
    return _verdict(result, SECRET not in result.stdout)


def scratch_writes_outlive_the_job(host: Host) -> Verdict:
    program = (
        f"for path in ({str(host.tmp)!r}, {str(host.shm)!r}):\n    open(path, 'w').write('x')\n"
    )
    result = run_program(program, limits=BARE)
    return _verdict(result, not host.traces(), ", ".join(host.traces()) or "no host file")


CASES: dict[str, Case] = {
    "infinite loop": infinite_loop,
    "fork bomb": fork_bomb,
    "fork bomb beneath the hook": fork_bomb_beneath_the_hook,
    "memory hog": memory_hog,
    "1 GB of output": gigabyte_of_output,
    "parent env and /proc/*/environ": parent_environment,
    "write outside its dir": write_outside_its_dir,
    "write outside its dir beneath the hook": write_outside_its_dir_beneath_the_hook,
    "open a socket": open_a_socket,
    "reach host network beneath the hook": reach_the_host_network_beneath_the_hook,
    "kill the parent": kill_the_parent,
    "kill the parent beneath the hook": kill_the_parent_beneath_the_hook,
    "bypass: rebind the harness's names": rebind_the_harness_names,
    "bypass: fork_exec a shell, ctypes": fork_exec_a_shell_and_ctypes,
    "read the checkout": read_the_checkout,
    "read a world-readable host file": read_a_world_readable_host_file,
    "host /tmp and /dev/shm writes outlive job": scratch_writes_outlive_the_job,
}


@contextlib.contextmanager
def pinned(layer: Layer) -> Iterator[None]:
    chosen = sandbox.isolation
    sandbox.isolation = lambda: layer  # type: ignore[assignment]
    try:
        yield
    finally:
        sandbox.isolation = chosen


def run_layer(layer: Layer) -> int:
    """Print one row per case; returns how many were not contained."""
    print(f"\nlayer {layer} ({'root' if os.geteuid() == 0 else 'non-root'})")
    print(f"  {'case':44s} {'outcome':18s} {'contained':9s} note")
    failed = 0
    with pinned(layer):
        for name, case in CASES.items():
            host = Host()
            try:
                verdict = case(host)
            finally:
                host.clean()
            failed += not verdict.contained
            mark = "yes" if verdict.contained else "NO"
            print(f"  {name:44s} {verdict.outcome:18s} {mark:9s} {verdict.note}")
    tried = len(CASES)
    print(f"{layer}: {tried} cases tried / {tried - failed} contained / {failed} failed")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--layer", action="append", choices=[layer.value for layer in Layer])
    args = parser.parse_args()
    available = sandbox.available_layers()
    contained: list[Layer] = [layer for layer in available if layer is not Layer.NONE]
    layers = [Layer(v) for v in args.layer] if args.layer else contained or [Layer.NONE]
    print(f"available layers: {', '.join(available)}; jobs use {sandbox.isolation()} by default")
    failures = {layer: run_layer(layer) for layer in layers}
    sys.exit(1 if failures.get(sandbox.isolation()) else 0)


if __name__ == "__main__":
    main()
