"""Executor-grounded evidence: a sandbox for untrusted programs, math answers, code oracles."""

from groupbuild.execute.sandbox import (
    AssertJob,
    Limits,
    Outcome,
    RunResult,
    SandboxError,
    SandboxPool,
    StdioJob,
    TestReport,
    run_assert_tests,
    run_program,
    run_stdio_tests,
    tokens_match,
)

__all__ = [
    "AssertJob",
    "Limits",
    "Outcome",
    "RunResult",
    "SandboxError",
    "SandboxPool",
    "StdioJob",
    "TestReport",
    "run_assert_tests",
    "run_program",
    "run_stdio_tests",
    "tokens_match",
]
