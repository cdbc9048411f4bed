"""Hostile programs stay contained, end in the right outcome, and leave the caller unharmed.

Limits are short so the whole file runs in seconds on a small shared machine. Tests marked
"beneath the hook" turn the audit hook off to prove the OS-level limits hold on their own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from groupbuild.execute import sandbox
from groupbuild.execute.sandbox import Limits, Outcome, run_assert_tests, run_program

SHORT = Limits(wall_seconds=1.0, cpu_seconds=1.0, memory_mb=128, max_processes=8)
BARE = Limits(wall_seconds=1.0, cpu_seconds=1.0, memory_mb=128, max_processes=8, guard=False)
contained = pytest.mark.skipif(
    not sandbox._namespaces_available(), reason="needs root and unshare for namespaces"
)


def test_infinite_loop_times_out() -> None:
    start = time.monotonic()
    result = run_program("while True:\n    pass", limits=SHORT)
    assert result.outcome is Outcome.TIMEOUT
    assert time.monotonic() - start < 5


def test_cpu_limit_stops_a_spinning_program_before_the_wall_limit() -> None:
    limits = Limits(wall_seconds=10.0, cpu_seconds=1.0, memory_mb=128)
    result = run_program("while True:\n    pass", limits=limits)
    assert result.outcome is Outcome.TIMEOUT
    assert "cpu" in result.detail and result.wall_time < 5


def test_sleeping_past_the_wall_limit_times_out_one_test_only() -> None:
    program = "import time\ndef f(x):\n    if x:\n        time.sleep(30)\n    return x\n"
    report = run_assert_tests(program, ["assert f(1) == 1", "assert f(0) == 0"], limits=SHORT)
    assert report.outcomes == (Outcome.TIMEOUT, Outcome.PASSED)


def test_fork_bomb_is_a_violation() -> None:
    result = run_program("import os\nwhile True:\n    os.fork()", limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert "os.fork" in result.detail


@contained
def test_fork_bomb_beneath_the_hook_is_capped_and_killed() -> None:
    program = (
        "import os, time\n"
        "children = 0\n"
        "for _ in range(200):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60)\n"
        "        children += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print(children, flush=True)\n"
        "time.sleep(60)\n"
    )
    start = time.monotonic()
    result = run_program(program, limits=BARE)
    assert result.outcome is Outcome.TIMEOUT
    assert int(result.stdout) < BARE.max_processes
    assert time.monotonic() - start < 5


def test_memory_hog_ends_in_memory() -> None:
    result = run_program("hog = bytearray(1 << 30)", limits=SHORT)
    assert result.outcome is Outcome.MEMORY


def test_memory_hog_in_a_test_ends_in_memory() -> None:
    program = "def f(n):\n    return [0] * n\n"
    report = run_assert_tests(program, ["assert len(f(10**9)) == 10**9"], limits=SHORT)
    assert report.outcomes == (Outcome.MEMORY,)


def test_a_gigabyte_of_output_is_capped_without_hanging() -> None:
    program = "import sys\nmb = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(mb)"
    start = time.monotonic()
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.RUNTIME_ERROR
    assert "output limit" in result.detail
    assert len(result.stdout) <= SHORT.output_bytes
    assert time.monotonic() - start < 5


def test_parent_keys_and_tokens_are_invisible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-parent-secret-1234")
    monkeypatch.setenv("HF_TOKEN", "hf_parent_token_5678")
    program = (
        "import os\n"
        "print(dict(os.environ))\n"
        "for pid in os.listdir('/proc'):\n"
        "    try:\n"
        "        print(open(f'/proc/{pid}/environ').read())\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.PASSED
    assert "PATH" in result.stdout
    for secret in ("sk-test-parent-secret-1234", "hf_parent_token_5678", "OPENAI", "HF_TOKEN"):
        assert secret not in result.stdout


def test_writing_outside_its_dir_is_a_violation(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    program = f"open({str(target)!r}, 'w').write('x')"
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert not target.exists()


def test_a_violation_cannot_be_swallowed(tmp_path: Path) -> None:
    program = (
        "try:\n"
        f"    open({str(tmp_path / 'x')!r}, 'w')\n"
        "except BaseException:\n"
        "    print('swallowed')\n"
    )
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert "swallowed" not in result.stdout


def test_removing_files_outside_its_dir_is_a_violation(tmp_path: Path) -> None:
    victim = tmp_path / "keep.txt"
    victim.write_text("data")
    result = run_program(f"import os\nos.remove({str(victim)!r})", limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert victim.read_text() == "data"


@contained
def test_writing_outside_its_dir_beneath_the_hook_is_denied(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    result = run_program(f"open({str(target)!r}, 'w').write('x')", limits=BARE)
    assert result.outcome is Outcome.RUNTIME_ERROR
    assert "PermissionError" in result.stderr
    assert not target.exists()


def test_its_own_dir_is_writable_and_removed_afterwards() -> None:
    program = "import os\nopen('out.txt', 'w').write('ok')\nprint(os.getcwd())"
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.PASSED
    assert not Path(result.stdout.strip()).exists()


def test_opening_a_socket_is_a_violation() -> None:
    result = run_program("import socket\nsocket.socket()", limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert "socket" in result.detail


@contained
def test_network_beneath_the_hook_cannot_reach_the_host() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(3)
    port = server.getsockname()[1]
    accepted: list[object] = []
    waiter = threading.Thread(target=lambda: _accept(server, accepted))
    waiter.start()
    program = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=0.5)"
    result = run_program(program, limits=BARE)
    waiter.join()
    server.close()
    assert result.outcome is Outcome.RUNTIME_ERROR
    assert "OSError" in result.stderr or "Error" in result.detail
    assert accepted == []


def _accept(server: socket.socket, accepted: list[object]) -> None:
    with contextlib.suppress(OSError):
        accepted.append(server.accept())


def test_killing_the_parent_is_a_violation_and_the_parent_survives() -> None:
    program = f"import os\nos.kill(os.getppid(), 9)\nos.kill({os.getpid()}, 9)"
    result = run_program(program, limits=SHORT)
    assert result.outcome is Outcome.SANDBOX_VIOLATION
    assert run_program("print('still here')", limits=SHORT).stdout == "still here\n"


@contained
def test_killing_the_parent_beneath_the_hook_is_refused() -> None:
    program = (
        "import os\n"
        "for pid in (os.getppid(), 1):\n"
        "    try:\n"
        "        os.kill(pid, 9)\n"
        "    except OSError as exc:\n"
        "        print(type(exc).__name__)\n"
    )
    result = run_program(program, limits=BARE)
    assert result.outcome is Outcome.PASSED
    assert result.stdout.split() == ["PermissionError", "PermissionError"]


def test_subprocess_and_ctypes_are_violations() -> None:
    for program in ("import subprocess\nsubprocess.run(['ls'])", "import ctypes"):
        assert run_program(program, limits=SHORT).outcome is Outcome.SANDBOX_VIOLATION
