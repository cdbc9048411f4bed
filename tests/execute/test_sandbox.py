"""The sandbox runs programs and tests, and judges each run into exactly one outcome."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from groupbuild.execute import sandbox
from groupbuild.execute.sandbox import (
    AssertJob,
    Layer,
    Limits,
    Outcome,
    SandboxPool,
    StdioJob,
    run_assert_tests,
    run_program,
    run_stdio_tests,
    tokens_match,
)

FAST = Limits(wall_seconds=2.0, cpu_seconds=2.0, memory_mb=256)
ADD_ONE = "def f(x):\n    return x + 1\n"


def test_program_reads_stdin_and_writes_stdout() -> None:
    result = run_program("a, b = map(int, input().split())\nprint(a + b)", stdin="2 3\n")
    assert result.outcome is Outcome.PASSED
    assert result.stdout == "5\n"
    assert result.returncode == 0


def test_each_assert_test_gets_its_own_outcome() -> None:
    tests = ["assert f(1) == 2", "assert f(1) == 3", "assert g(1) == 2", "assert f(1) =="]
    report = run_assert_tests(ADD_ONE, tests, limits=FAST)
    assert report.outcomes == (
        Outcome.PASSED,
        Outcome.FAILED_TEST,
        Outcome.RUNTIME_ERROR,
        Outcome.COMPILE_ERROR,
    )
    assert (report.passed, report.failed, report.all_passed) == (1, 3, False)
    assert "NameError" in report.results[2].detail


def test_a_program_that_does_not_compile_fails_every_test() -> None:
    report = run_assert_tests("def f(x) return x", ["assert f(1) == 1"] * 2, limits=FAST)
    assert report.outcomes == (Outcome.COMPILE_ERROR, Outcome.COMPILE_ERROR)
    assert "SyntaxError" in report.results[0].stderr


def test_setup_runs_after_the_program_and_before_each_test() -> None:
    program = (
        "class Node:\n    def __init__(self, v):\n        self.v = v\n\n"
        "def g(n):\n    return n.v * 2\n"
    )
    setup = "import math\nroot = Node(math.floor(2.5))\n"
    report = run_assert_tests(program, ["assert g(root) == 4"], setup=setup, limits=FAST)
    assert report.all_passed


def test_state_does_not_leak_from_one_test_to_the_next() -> None:
    program = "seen = []\ndef f(x):\n    seen.append(x)\n    return len(seen)\n"
    tests = [
        "assert f(1) == 1\nopen('scratch.txt', 'w').write('x')",
        "import os\nassert f(2) == 1 and not os.path.exists('scratch.txt')",
    ]
    assert run_assert_tests(program, tests, limits=FAST).all_passed


def test_exiting_cleanly_inside_a_test_is_not_a_pass() -> None:
    program = "import os\ndef f(x):\n    os._exit(0)\n"
    report = run_assert_tests(program, ["assert f(1) == 5"], limits=FAST)
    assert report.outcomes == (Outcome.RUNTIME_ERROR,)


def test_empty_test_list_is_not_all_passed() -> None:
    assert not run_assert_tests(ADD_ONE, [], limits=FAST).all_passed


def test_stdio_tests_compare_whitespace_separated_tokens() -> None:
    program = "import sys\nnums = sys.stdin.read().split()\nprint(' '.join(reversed(nums)))"
    cases = [("1 2 3", "3 2 1"), ("4\n5", "  5\n4\n"), ("1 2", "1 2")]
    report = run_stdio_tests(program, cases, limits=FAST)
    assert report.outcomes == (Outcome.PASSED, Outcome.PASSED, Outcome.FAILED_TEST)
    assert tokens_match("a  b\n", "a b") and not tokens_match("ab", "a b")


def test_nonzero_exit_status_is_a_runtime_error() -> None:
    result = run_program("import sys\nprint('partial')\nsys.exit(3)", limits=FAST)
    assert (result.outcome, result.returncode, result.stdout) == (
        Outcome.RUNTIME_ERROR,
        3,
        "partial\n",
    )


def test_exception_traceback_shows_only_the_program() -> None:
    result = run_program("def f():\n    raise ValueError('bad input')\nf()", limits=FAST)
    assert result.outcome is Outcome.RUNTIME_ERROR
    assert 'File "main.py", line 2' in result.stderr
    assert "_harness" not in result.stderr


def test_outputs_are_reproducible_across_runs() -> None:
    program = "print(list({'apple', 'pear', 'fig', 'plum', 'kiwi'}))"
    first, second = run_program(program, limits=FAST), run_program(program, limits=FAST)
    assert first.stdout == second.stdout != ""


def test_pool_returns_results_in_job_order() -> None:
    jobs = [AssertJob(program=ADD_ONE, tests=(f"assert f({i}) == {i + 1}",)) for i in range(6)]
    jobs.append(AssertJob(program=ADD_ONE, tests=("assert f(0) == 7",)))
    doubler = "print(int(input()) * 2)"
    stdio = [StdioJob(program=doubler, cases=((str(i), str(2 * i)),)) for i in range(4)]
    with SandboxPool(workers=2, limits=FAST) as pool:
        reports = pool.map_assert_tests(jobs)
        stdio_reports = pool.map_stdio_tests(stdio)
        runs = pool.map_programs([("print(1)", ""), ("print(input())", "echo")])
    assert [r.all_passed for r in reports] == [True] * 6 + [False]
    assert all(r.all_passed for r in stdio_reports)
    assert [r.stdout for r in runs] == ["1\n", "echo\n"]


def test_many_small_jobs_run_quickly() -> None:
    jobs = [AssertJob(program=ADD_ONE, tests=("assert f(1) == 2",) * 3)] * 10
    start = time.monotonic()
    with SandboxPool(workers=2, limits=FAST) as pool:
        reports = pool.map_assert_tests(jobs)
    assert all(r.all_passed for r in reports)
    assert time.monotonic() - start < 10


def test_jobs_run_under_the_layer_isolation_reports() -> None:
    cwd = run_program("import os\nprint(os.getcwd())", limits=FAST).stdout.strip()
    if sandbox.isolation() is Layer.BWRAP:
        assert cwd == "/job/u0"
    else:
        assert cwd.startswith(tempfile.gettempdir() + "/groupbuild-sandbox-")


@pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bwrap not installed: jobs fall back to unshare"
)
def test_an_installed_bwrap_is_the_layer_in_use() -> None:
    assert sandbox.isolation() is Layer.BWRAP


@pytest.fixture
def own_interpreter(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Sandboxed programs run under this process's interpreter instead of the PATH's."""
    if sandbox.isolation() is not Layer.BWRAP or sys.base_prefix.startswith("/usr"):
        pytest.skip("needs bwrap and an interpreter installed outside /usr")
    monkeypatch.setattr(sandbox, "interpreter", lambda: sys.executable)
    sandbox._interpreter_layout.cache_clear()
    yield os.path.realpath(sys.base_prefix)
    sandbox._interpreter_layout.cache_clear()


def test_an_interpreter_outside_usr_sees_only_its_own_prefix(own_interpreter: str) -> None:
    program = (
        "import os, sys\n"
        "print(os.path.realpath(sys.prefix))\n"
        f"print(os.listdir({os.path.dirname(own_interpreter)!r}))\n"
    )
    result = run_program(program, limits=FAST)
    assert result.outcome is Outcome.PASSED, result
    assert result.stdout.split("\n")[:2] == [
        own_interpreter,
        f"[{os.path.basename(own_interpreter)!r}]",
    ]


def test_the_program_is_its_own___main__() -> None:
    program = (
        "import __main__, pickle\n"
        "class Point:\n    pass\n"
        "assert __main__.Point is Point\n"
        "print(type(pickle.loads(pickle.dumps(Point()))).__name__)\n"
    )
    assert run_program(program, limits=FAST).stdout == "Point\n"


def _job_root(parent: Path, name: str, owner_pid: str) -> tuple[Path, int]:
    root = parent / f"groupbuild-sandbox-{name}"
    root.mkdir()
    (root / "job-1").mkdir()
    fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT)
    os.write(fd, owner_pid.encode())
    return root, fd


def test_only_job_dirs_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead, dead_fd = _job_root(tmp_path, "1-dead", "1")
    live, live_fd = _job_root(tmp_path, "2-live", "2")
    starting, starting_fd = _job_root(tmp_path, "3-starting", "")
    other = tmp_path / "unrelated"
    other.mkdir()
    os.close(dead_fd)
    os.close(starting_fd)
    fcntl.flock(live_fd, fcntl.LOCK_EX)
    try:
        assert sandbox.remove_stale_job_dirs(str(tmp_path)) == [str(dead)]
    finally:
        os.close(live_fd)
    assert (live.exists(), starting.exists(), other.exists(), dead.exists()) == (
        True,
        True,
        True,
        False,
    )
