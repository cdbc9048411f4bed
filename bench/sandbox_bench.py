"""Sandbox throughput on MBPP-style assert tests, against a naive one-subprocess-per-test runner.

Usage: python bench/sandbox_bench.py [--tasks N] [--workers N] [--layer bwrap|unshare|none]
Uses the first N MBPP tasks from ../shared/data (falls back to a synthetic task when absent).
Imports groupbuild from this checkout, not whichever one the environment has installed.
`--layer` pins the isolation layer; by default the strongest available one runs.
The naive runner is `python3 -I -c "<program>\\n<test>"` per test with a timeout and nothing else:
no namespaces, no limits, no uid drop, no audit hook.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from groupbuild.execute import sandbox  # noqa: E402
from groupbuild.execute.sandbox import AssertJob, Layer, SandboxPool, interpreter  # noqa: E402

MBPP = CHECKOUT.parent / "shared" / "data" / "mbpp" / "mbpp.jsonl"


def load_jobs(tasks: int) -> list[AssertJob]:
    if not MBPP.exists():
        job = AssertJob(program="def f(x):\n    return x * 2\n", tests=("assert f(2) == 4",) * 3)
        return [job] * tasks
    rows = [json.loads(line) for line in MBPP.read_text().splitlines()[:tasks]]
    return [
        AssertJob(program=r["code"], tests=tuple(r["test_list"]), setup=r["test_setup_code"])
        for r in rows
    ]


def naive_test(job: AssertJob, test: str) -> bool:
    source = f"{job.program}\n{job.setup}\n{test}\n"
    try:
        done = subprocess.run(
            [interpreter(), "-I", "-c", source], capture_output=True, timeout=5, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def naive(jobs: list[AssertJob], workers: int) -> int:
    pairs = [(job, test) for job in jobs for test in job.tests]
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(lambda pair: naive_test(*pair), pairs))


def sandboxed(jobs: list[AssertJob], workers: int) -> int:
    with SandboxPool(workers=workers) as pool:
        return sum(report.passed for report in pool.map_assert_tests(jobs))


def timed(run: Callable[[], int]) -> tuple[int, float]:
    start = time.monotonic()
    passed = run()
    return passed, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--layer", choices=[layer.value for layer in Layer])
    args = parser.parse_args()
    if args.layer:
        pinned = Layer(args.layer)
        sandbox.isolation = lambda: pinned  # type: ignore[assignment]
    jobs = load_jobs(args.tasks)
    total = sum(len(job.tests) for job in jobs)
    runners = {
        "naive subprocess per test, 1 worker": lambda: naive(jobs, 1),
        f"naive subprocess per test, {args.workers} workers": lambda: naive(jobs, args.workers),
        f"sandbox pool, {args.workers} workers": lambda: sandboxed(jobs, args.workers),
    }
    print(
        f"{len(jobs)} tasks, {total} test executions, interpreter {interpreter()}, "
        f"sandbox layer {sandbox.isolation()}"
    )
    print(f"{'runner':42s} {'passed':>7s} {'seconds':>8s} {'tests/s':>8s}")
    for name, run in runners.items():
        passed, seconds = timed(run)
        print(f"{name:42s} {passed:7d} {seconds:8.2f} {total / seconds:8.1f}")


if __name__ == "__main__":
    main()
