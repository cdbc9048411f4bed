"""Stdin/stdout test oracles for function-style code seeds (MBPP asserts, HumanEval `check`).

The contract's executor writes a complete program, so a function seed gets a stdin/stdout form:
the reference function plus a driver that reads ONE line, a JSON array of the call's arguments,
and prints ONE line, `json.dumps(canon(result), sort_keys=True)`. The canonical conversion
(`canon`): tuples become lists, sets and frozensets sorted lists, floats are rounded to 10
significant digits and printed as integers when whole (`4.0` -> `4`, as `4.0 == 4` in the
assert), dict keys must be JSON scalars; anything else (objects, generators) makes the
test unconvertible. The driver turns JSON arrays back into the tuples or sets the reference was
tested with, so tuple-handling references keep working.

Supported assert forms (parsed with `ast`):
- `f(args) == expected` (also `is`): the output is `canon(expected)`, evaluated in the sandbox;
- `W(f(args)) == expected` with W one of set, frozenset, sorted, list, tuple, int, float, str,
  bool: the driver prints `canon(W(result))`, so order-insensitive comparisons stay so;
- `math.isclose(f(args), expected, ...)` and `abs(f(args) - expected) < eps`: the output is the
  reference's own result, after the sandbox confirmed the assert holds;
- HumanEval's `def check(candidate)`: its asserts, with `candidate` read as the entry point;
  docstrings, imports and `assert True` in it, and `METADATA` beside it, test nothing and are
  skipped (any other statement rejects the oracle);
- `f(args)` / `not f(args)`: the output is `true` / `false`; when every test has this form the
  driver prints `bool(result)`, so truthy results such as regex matches qualify.
Anything else is rejected with a reason. Every oracle is verified by running its program on every
test through the sandbox; a test that fails there rejects the oracle.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from groupbuild.execute._oracle_code import driver_source, literal_inputs, probe_source
from groupbuild.execute.sandbox import (
    Limits,
    Outcome,
    RunResult,
    judge_stdio,
    run_program,
    run_program_batch,
    run_stdio_tests,
)
from groupbuild.schema import Seed
from groupbuild.seeds.harness import HarnessProblem, check_asserts

_WRAPPERS = frozenset(
    {"set", "frozenset", "sorted", "list", "tuple", "int", "float", "str", "bool"}
)
_ORACLE_LIMITS = Limits(wall_seconds=5.0, cpu_seconds=5.0, memory_mb=512)
_WRAPPER_NOTES = {
    "set": " The result is compared as a set: print its distinct elements as a sorted array.",
    "frozenset": " The result is compared as a set: print its distinct elements as a sorted array.",
    "sorted": " The order of the result does not matter: print its elements sorted ascending.",
    "bool": " The result is a truth value: print `true` or `false`.",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OracleTest(_Frozen):
    """One stdin/stdout test in the contract's shape."""

    input: str
    output: str
    source: str
    """`public` (shown as the example, feedback only) or `private` (reward)."""
    is_feedback_test: bool
    is_reward_test: bool


class OracleFailure(_Frozen):
    """Why a seed has no oracle: a short machine-readable reason and a human detail."""

    reason: str
    detail: str = ""


class Oracle(_Frozen):
    program: str
    """Complete Python 3 program (stdin -> stdout) that passes every test."""
    io_note: str
    """The I/O format, to append to the problem text the executor sees."""
    tests: tuple[OracleTest, ...]
    entry_point: str
    oracle_source: str
    match_method: str = "seed_asserts"

    def problem_text(self, problem: str) -> str:
        return f"{problem.rstrip()}\n\n{self.io_note}"

    def to_record(self, problem_id: str) -> dict[str, Any]:
        """The contract's oracle JSONL record."""
        tests = [t.model_dump() for t in self.tests]
        counts = {name: sum(t.source == name for t in self.tests) for name in _SOURCES}
        counts |= {
            "total": len(self.tests),
            "reward": sum(t.is_reward_test for t in self.tests),
            "feedback": sum(t.is_feedback_test for t in self.tests),
        }
        return {
            "problem_id": problem_id,
            "tests": tests,
            "test_counts": counts,
            "oracle_source": self.oracle_source,
            "match_method": self.match_method,
        }


_SOURCES = ("public", "private", "generated", "statement_example")


def oracle_payload(seed: Seed) -> dict[str, Any] | OracleFailure:
    """The oracle as a draft carries it (contract record, driver program, io note), or why not.

    The one place that builds a seed's oracle for the pipeline: the reference stage and the LLM
    roles both call it.
    """
    built = build_oracle(seed)
    if isinstance(built, OracleFailure):
        return built
    return {
        "record": built.to_record(seed.problem_id),
        "program": built.program,
        "io_note": built.io_note,
    }


def build_oracle(
    seed: Seed, *, limits: Limits = _ORACLE_LIMITS, feedback_tests: int = 1
) -> Oracle | OracleFailure:
    """Convert a function seed's asserts into a verified stdin/stdout oracle, or say why not.

    The first `feedback_tests` tests become `public` examples (in the io note, not rewarded)
    as long as at least one reward test remains.
    """
    if not seed.solution or not seed.tests:
        return OracleFailure(reason="no_solution_or_tests")
    solution = seed.solution.replace("\r\n", "\n")
    asserts = _explode_check(seed.tests, seed.entry_point)
    if isinstance(asserts, OracleFailure):
        return asserts
    entry = seed.entry_point or _called_name(asserts[0], solution)
    if not entry or not _defines(solution, entry):
        return OracleFailure(reason="no_entry_point", detail=f"{entry!r} not defined")
    cases = []
    for test in asserts:
        case = parse_assert(test, entry)
        if isinstance(case, OracleFailure):
            return case
        cases.append(case)
    wrappers = {c["wrapper"] for c in cases if c["wrapper"]}
    if len(wrappers) > 1:
        return OracleFailure(reason="mixed_comparisons", detail=", ".join(sorted(wrappers)))
    wrapper = wrappers.pop() if wrappers else ""
    if all(c["form"] == "truth" for c in cases):
        wrapper = "bool"
    setup = seed.test_setup.replace("\r\n", "\n")
    together = _probe_with_driver(setup, solution, cases, (entry, wrapper), limits)
    if isinstance(together, OracleFailure):
        return together
    if together is not None:
        found, program, runs = together
        tests = _label(found, feedback_tests)
        judged = [judge_stdio(r, t.output) for r, t in zip(runs, tests, strict=True)]
        failure = _first_failure(tests, judged)
    else:
        probed = _probe(setup, solution, cases, limits)
        if isinstance(probed, OracleFailure):
            return probed
        found = probed
        program = driver_source(solution, entry, _merge_kinds(found), wrapper)
        tests = _label(found, feedback_tests)
        failure = _verify(program, tests, limits)
    if failure and any("mixed" in kinds for kinds in _merge_kinds(found)):
        return failure.model_copy(update={"reason": "ambiguous_argument_types"})
    if failure:
        return failure
    note = io_note(entry, wrapper, tests[0] if tests[0].is_feedback_test else None)
    return Oracle(
        program=program, io_note=note, tests=tests, entry_point=entry, oracle_source=seed.source
    )


def parse_assert(test: str, entry: str) -> dict[str, Any] | OracleFailure:
    """Classify one assert into a supported form (see the module notes), with its source parts."""
    try:
        body = ast.parse(test).body
    except SyntaxError as exc:
        return OracleFailure(reason="assert_syntax_error", detail=str(exc))
    if len(body) != 1 or not isinstance(body[0], ast.Assert):
        return OracleFailure(reason="not_a_single_assert", detail=test[:200])
    expr = body[0].test
    base = {"test": test, "wrapper": "", "expected": None, "expect": None}
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        call = _entry_call(expr.operand, entry)
        return _with_call(base | {"form": "truth", "expect": False}, call, test)
    if isinstance(expr, ast.Call) and _is_isclose(expr.func):
        calls = [_entry_call(arg, entry) for arg in expr.args[:2]]
        call = next((c for c in calls if c is not None), None)
        return _with_call(base | {"form": "isclose"}, call, test)
    if isinstance(expr, ast.Call):
        return _with_call(base | {"form": "truth", "expect": True}, _entry_call(expr, entry), test)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and (close := _tolerance(expr, entry)):
        return _with_call(base | {"form": "isclose"}, close, test)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        if not isinstance(expr.ops[0], ast.Eq | ast.Is):
            return OracleFailure(reason="unsupported_comparison", detail=test[:200])
        left, right = expr.left, expr.comparators[0]
        call, wrapper = _entry_call(left, entry), ""
        if call is None and (wrapped := _wrapped_call(left, entry)) is not None:
            wrapper, call = wrapped
        if call is None:
            left, right = right, left
            call = _entry_call(left, entry)
        fields = {"form": "eq", "wrapper": wrapper, "expected": ast.unparse(right)}
        return _with_call(base | fields, call, test)
    return OracleFailure(reason="unsupported_assert", detail=test[:200])


def io_note(entry: str, wrapper: str, example: OracleTest | None) -> str:
    """The I/O format an executor needs to write a program the oracle can judge."""
    note = (
        "Input/output format: the program reads one line from standard input, a JSON array of "
        f"the arguments of `{entry}` in order (tuples and sets are written as JSON arrays). "
        "It prints one line: the return value as `json.dumps(value, sort_keys=True)` prints it, "
        "with tuples written as arrays, sets as sorted arrays and floats rounded to 10 "
        "significant digits (whole numbers without a decimal point)."
    )
    note += _WRAPPER_NOTES.get(wrapper, "")
    if example is not None:
        note += f"\nExample input:\n{example.input}\nExample output:\n{example.output}"
    return note


def _explode_check(tests: tuple[str, ...], entry: str | None) -> list[str] | OracleFailure:
    """MBPP gives one assert per string; HumanEval one `def check(candidate)` with many."""
    if not any("def check" in t for t in tests):
        return list(tests)
    if entry is None:
        return OracleFailure(reason="no_entry_point", detail="check() needs an entry point")
    asserts: list[str] = []
    for test in tests:
        found = check_asserts(test, entry)
        if isinstance(found, HarnessProblem):
            return OracleFailure(reason=found.reason, detail=found.detail)
        asserts.extend(found)
    return asserts


def _called_name(test: str, solution: str) -> str | None:
    """The first function the assert calls that the solution defines."""
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and _defines(solution, node.func.id)
        ):
            return node.func.id
    return None


def _defines(solution: str, name: str) -> bool:
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Assign) and _binds(node, name)
        for node in tree.body
    )


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return getattr(node, "name", None) == name


def _entry_call(node: ast.expr, entry: str) -> ast.Call | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry:
        return node
    return None


def _wrapped_call(node: ast.expr, entry: str) -> tuple[str, ast.Call] | None:
    """For `wrapper(entry(...))` with a wrapper in `_WRAPPERS`: its name and the inner call."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _WRAPPERS
        and len(node.args) == 1
        and not node.keywords
        and (inner := _entry_call(node.args[0], entry)) is not None
    ):
        return node.func.id, inner
    return None


def _tolerance(expr: ast.Compare, entry: str) -> ast.Call | None:
    """The call in `abs(f(args) - x) < eps` (or `<=`, either side of the minus), else None."""
    left = expr.left
    if not (
        isinstance(expr.ops[0], ast.Lt | ast.LtE)
        and isinstance(left, ast.Call)
        and isinstance(left.func, ast.Name)
        and left.func.id == "abs"
        and len(left.args) == 1
        and isinstance(left.args[0], ast.BinOp)
        and isinstance(left.args[0].op, ast.Sub)
    ):
        return None
    difference = left.args[0]
    return _entry_call(difference.left, entry) or _entry_call(difference.right, entry)


def _is_isclose(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "isclose") or (
        isinstance(func, ast.Name) and func.id == "isclose"
    )


def _with_call(
    case: dict[str, Any], call: ast.Call | None, test: str
) -> dict[str, Any] | OracleFailure:
    if call is None:
        return OracleFailure(reason="unsupported_assert", detail=test[:200])
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return OracleFailure(reason="keyword_or_starred_arguments", detail=test[:200])
    args = "(" + "".join(ast.unparse(a) + ", " for a in call.args) + ")"
    return case | {"args": args, "call": ast.unparse(call)}


def _probe_with_driver(
    setup: str,
    solution: str,
    cases: list[dict[str, Any]],
    driver: tuple[str, str],
    limits: Limits,
) -> tuple[list[dict[str, Any]], str, list[RunResult]] | OracleFailure | None:
    """Probe and verification in one sandbox start, when the tests' arguments are literals:
    the probe's findings, the driver program and its run on each test's input. None (run them
    apart) when the arguments are not literals or the probe found other inputs than predicted.
    """
    predicted = literal_inputs(cases)
    if predicted is None:
        return None
    entry, wrapper = driver
    program = driver_source(solution, entry, _merge_kinds(predicted), wrapper)
    jobs = [(probe_source(setup, solution, cases), "")]
    jobs += [(program, str(item["input"])) for item in predicted]
    runs = run_program_batch(jobs, limits=limits)
    found = _probe_found(runs[0])
    if isinstance(found, OracleFailure):
        return found
    same = [(f["input"], f["kinds"]) for f in found] == [
        (p["input"], p["kinds"]) for p in predicted
    ]
    return (found, program, runs[1:]) if same else None


def _probe(
    setup: str, solution: str, cases: list[dict[str, Any]], limits: Limits
) -> list[dict[str, Any]] | OracleFailure:
    return _probe_found(run_program(probe_source(setup, solution, cases), limits=limits))


def _probe_found(run: RunResult) -> list[dict[str, Any]] | OracleFailure:
    if run.outcome is not Outcome.PASSED:
        return OracleFailure(
            reason=f"probe_{run.outcome.value}", detail=(run.detail or run.stderr[-300:])
        )
    found: list[dict[str, Any]] = json.loads(run.stdout.strip().splitlines()[-1])
    for item in found:
        if "error" in item:
            return OracleFailure(reason=item["error"], detail=item["detail"])
    return found


def _merge_kinds(found: list[dict[str, Any]]) -> list[list[str]]:
    """Per argument position and nesting depth, the container type every test agreed on."""
    merged: list[list[str]] = []
    for item in found:
        for position, kinds in enumerate(item["kinds"]):
            if position == len(merged):
                merged.append(list(kinds))
                continue
            known = merged[position]
            for depth, kind in enumerate(kinds):
                if depth == len(known):
                    known.append(kind)
                elif known[depth] != kind:
                    known[depth] = "mixed"
    return merged


def _label(found: list[dict[str, Any]], feedback_tests: int) -> tuple[OracleTest, ...]:
    public = min(feedback_tests, len(found) - 1)
    return tuple(
        OracleTest(
            input=item["input"],
            output=item["output"],
            source="public" if i < public else "private",
            is_feedback_test=i < public,
            is_reward_test=i >= public,
        )
        for i, item in enumerate(found)
    )


def _verify(program: str, tests: tuple[OracleTest, ...], limits: Limits) -> OracleFailure | None:
    report = run_stdio_tests(program, [(t.input, t.output) for t in tests], limits=limits)
    return _first_failure(tests, report.results)


def _first_failure(
    tests: tuple[OracleTest, ...], results: Sequence[RunResult]
) -> OracleFailure | None:
    for test, result in zip(tests, results, strict=True):
        if result.outcome is not Outcome.PASSED:
            detail = f"input {test.input[:80]}: {result.detail} {result.stderr[-200:]}".strip()
            return OracleFailure(reason=f"reference_{result.outcome.value}", detail=detail)
    return None
