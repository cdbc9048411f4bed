"""Proof that a code-plan perturbation did harm: its program twin fails where the reference passes.

The twin (built by `program_twins`) and the reference program run on the seed's tests in the
sandbox. An answer-changing kind needs at least one test the twin fails and the reference passes;
a small differential fuzz (random inputs shaped like the tests' arguments) then tells a mutant the
tests miss from an equivalent one. Runs are cached by program hash, so the reference of a seed is
run once however many candidates it has.
"""

from __future__ import annotations

import ast
import random
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from groupbuild.cues import new_cue_words
from groupbuild.execute.sandbox import Limits, Outcome, TestReport, run_assert_tests
from groupbuild.hashing import digest
from groupbuild.perturb.kinds import Kind, spec_for
from groupbuild.schema import Domain, Seed, Signature, Trace

LIMITS = Limits(wall_seconds=2.0, cpu_seconds=2.0, memory_mb=256)
FUZZ_CASES = 16
_RUNS: OrderedDict[str, TestReport] = OrderedDict()
_RUNS_KEPT = 256
"""Reports kept per process: enough for one problem's reference and twins, bounded at scale."""


def run_tests(program: str, tests: Sequence[str], setup: str = "") -> TestReport:
    """The sandbox report of `program` on `tests`, cached by content."""
    key = digest([program, list(tests), setup])
    if key in _RUNS:
        _RUNS.move_to_end(key)
        return _RUNS[key]
    report = _RUNS[key] = run_assert_tests(program, tests, setup=setup, limits=LIMITS)
    if len(_RUNS) > _RUNS_KEPT:
        _RUNS.popitem(last=False)
    return report


def _summary(report: TestReport) -> dict[str, Any]:
    return {
        "passed": report.passed,
        "failed": report.failed,
        "outcomes": [str(o) for o in report.outcomes],
    }


def call_arguments(tests: Sequence[str], entry_point: str) -> list[tuple[Any, ...]]:
    """Literal argument tuples of the calls to `entry_point` in assert tests."""
    found: list[tuple[Any, ...]] = []
    for test in tests:
        try:
            tree = ast.parse(test)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == entry_point
                and not node.keywords
            ):
                try:
                    found.append(tuple(ast.literal_eval(arg) for arg in node.args))
                except ValueError:
                    continue
    return found


def _vary(value: Any, rng: random.Random) -> Any:
    """A random value of the same shape: ints near small numbers, strings over the same letters."""
    if isinstance(value, bool):
        return rng.choice([True, False])
    if isinstance(value, int):
        return rng.choice([value - 1, value + 1, 0, -value, rng.randint(-10, 20)])
    if isinstance(value, float):
        return round(value + rng.uniform(-3, 3), 2)
    if isinstance(value, str):
        letters = (value or "ab") + "aA "
        return "".join(rng.choice(letters) for _ in range(rng.randint(0, len(value) + 2)))
    if isinstance(value, list | tuple):
        if not value:
            items: list[Any] = [rng.randint(-5, 9) for _ in range(rng.randint(0, 3))]
        else:
            items = [_vary(rng.choice(value), rng) for _ in range(rng.randint(0, len(value) + 3))]
        return items if isinstance(value, list) else tuple(_vary(v, rng) for v in value)
    return value


def fuzz_inputs(seed: Seed, count: int = FUZZ_CASES) -> list[tuple[Any, ...]]:
    """Deterministic random inputs shaped like the tests' arguments."""
    shapes = call_arguments(seed.tests, seed.entry_point or "")
    if not shapes:
        return []
    rng = random.Random(digest(seed.problem_id))
    return [tuple(_vary(a, rng) for a in rng.choice(shapes)) for _ in range(count)]


_DIFFER = """
import copy as _copy
_REF, _TWIN = {{}}, {{}}
exec({setup!r}, _REF)
exec({reference!r}, _REF)
exec({setup!r}, _TWIN)
exec({twin!r}, _TWIN)

def _differs(args):
    try:
        expected = _REF[{entry!r}](*_copy.deepcopy(args))
    except Exception:
        return False
    try:
        got = _TWIN[{entry!r}](*_copy.deepcopy(args))
    except Exception:
        return True
    return got != expected
"""


def differential_fuzz(seed: Seed, twin: str) -> dict[str, Any]:
    """Inputs on which the twin's result differs from the reference's (reference errors skipped)."""
    inputs = fuzz_inputs(seed)
    if not inputs or not seed.solution:
        return {"inputs": 0, "differing": 0, "timeouts": 0, "example": None}
    program = _DIFFER.format(
        setup=seed.test_setup, reference=seed.solution, twin=twin, entry=seed.entry_point
    )
    tests = [f"assert not _differs({args!r})" for args in inputs]
    report = run_tests(program, tests)
    differing = [i for i, o in enumerate(report.outcomes) if o is Outcome.FAILED_TEST]
    return {
        "inputs": len(inputs),
        "differing": len(differing),
        "timeouts": sum(o is Outcome.TIMEOUT for o in report.outcomes),
        "example": repr(inputs[differing[0]]) if differing else None,
    }


def twin_evidence(seed: Seed, evidence: dict[str, Any]) -> dict[str, Any]:
    """What was run for a candidate: reference and twin on the tests, plus the fuzz when needed.

    The fuzz runs only when no test separates the programs: a failing test is itself a
    differing input.
    """
    twin = evidence.get("twin_program")
    if not seed.solution or not seed.tests or not isinstance(twin, str):
        return {}
    reference = run_tests(seed.solution, seed.tests, seed.test_setup)
    mutant = run_tests(twin, seed.tests, seed.test_setup)
    caught = [
        i
        for i, (r, m) in enumerate(zip(reference.outcomes, mutant.outcomes, strict=True))
        if r is Outcome.PASSED and m is not Outcome.PASSED
    ]
    return {
        "reference": _summary(reference),
        "twin": _summary(mutant),
        "tests_failed_by_twin_only": caught,
        "fuzz": None if caught else differential_fuzz(seed, twin),
        "mutation": evidence.get("mutation"),
        "twin_lines": evidence.get("twin_lines"),
    }


def check(
    kind: Kind, seed: Seed, reference: Trace, candidate: Trace, evidence: dict[str, Any]
) -> str | None:
    """None when the harm of `kind` is proven by running its twin, else a snake_case reason."""
    spec = spec_for(Domain.CODE, kind)
    if candidate.steps == reference.steps:
        return "unchanged_plan"
    if new_cue_words(reference, candidate):
        return "cue_words"
    if kind is Kind.FALSE_CLAIM:
        from groupbuild.perturb.code_claims import disproved

        return disproved(seed, reference, candidate)
    from groupbuild.perturb import code_quality, code_values

    reason = code_values.check_more(
        kind, seed, reference, candidate, evidence
    ) or code_quality.check_more(kind, seed, reference, candidate, evidence)
    if reason:
        return reason
    facts = twin_evidence(seed, evidence)
    if not facts:
        return "no_twin_program"
    if facts["reference"]["failed"]:
        return "reference_fails_tests"
    if spec.signature is Signature.QUALITY:
        return None if not facts["twin"]["failed"] else "quality_kind_changes_behaviour"
    if spec.signature is not Signature.ANSWER:
        return "unsupported_signature"
    if not facts["tests_failed_by_twin_only"]:
        fuzz = facts["fuzz"] or {}
        return "tests_miss_mutant" if fuzz.get("differing") else "equivalent_mutant"
    if kind is Kind.MISSING_EDGE_CASE and not facts["twin"]["passed"]:
        return "not_edge_only"
    return None
