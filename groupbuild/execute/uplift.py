"""Executor-grounded evidence: does a trace help the executor that consumes it?

TraceLift's uplift: success rate with the trace minus success rate without it, over k runs each,
clamped to [-1, 1]. Math success = the executor's final answer equals the gold answer; code
success = the executor's complete program passes every oracle test in the sandbox.
"""

from __future__ import annotations

import asyncio
from typing import Any

from groupbuild.aio import settle
from groupbuild.roles import Executor
from groupbuild.schema import Domain, Seed, Trace


async def succeeded(seed: Seed, output: str, oracle: dict[str, Any] | None) -> bool:
    if not output.strip():
        return False
    if seed.domain is Domain.MATH:
        from groupbuild.execute.math_answer import equivalent, extract_answer

        answer = extract_answer(output)
        return answer is not None and equivalent(answer, seed.answer or "")
    if not oracle:
        return False
    from groupbuild.execute.sandbox import run_stdio_tests

    cases = [(t["input"], t["output"]) for t in oracle["record"]["tests"]]
    report = await asyncio.to_thread(run_stdio_tests, output, cases)
    return report.all_passed


async def successes(
    executor: Executor, seed: Seed, trace: Trace | None, runs: int, oracle: dict[str, Any] | None
) -> int:
    """How many of `runs` executor attempts succeed (attempt numbers vary the cache key)."""

    async def attempt(i: int) -> bool:
        return await succeeded(seed, await executor.solve(seed, trace, i), oracle)

    if getattr(executor, "deterministic", False):
        return runs * await attempt(0)  # every run would give the same answer
    results = await settle(*(attempt(i) for i in range(runs)))
    return sum(results)
