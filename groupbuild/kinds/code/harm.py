"""Proof that a code-plan perturbation did harm: its program twin fails where the reference passes.

The twin (built by `kinds.code.twins`) and the reference program run on the seed's tests in the
sandbox. An answer-changing kind needs at least one test the twin fails and the reference passes;
a small differential fuzz (random inputs shaped like the tests' arguments) then tells a mutant the
tests miss from an equivalent one. Runs are cached by program hash, so the reference of a seed is
run once however many candidates it has; and the twins a rule made for a seed are announced
(`announce`), so the first run for that seed judges the reference and all of its twins in one
sandbox start (`run_assert_batch`), and the first fuzz fuzzes every twin the tests miss at once.
"""

from __future__ import annotations

import functools
import random
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from groupbuild.execute.sandbox import AssertJob, Limits, Outcome, TestReport, run_assert_batch
from groupbuild.hashing import digest
from groupbuild.kinds.evidence import TwinEdit
from groupbuild.kinds.registry import Edit, KindDef, LLMOffer, ProofCase, ProofFn, RuleFn
from groupbuild.kinds.spec import Kind, KindSpec
from groupbuild.schema import Domain, Seed, Signature, Trace
from groupbuild.text.code.syntax import call_arguments
from groupbuild.text.cues import new_cue_words

LIMITS = Limits(wall_seconds=2.0, cpu_seconds=0.5, memory_mb=256)
"""Reference programs of function seeds finish their tests in milliseconds; a twin that loops
(an off-by-one on a `while`) burns CPU and is stopped after half a CPU second. The wall limit
stays at two seconds so a busy machine cannot turn a slow-to-start reference into a "failure"."""
FUZZ_CASES = 16
_RUNS: OrderedDict[str, TestReport] = OrderedDict()
_RUNS_KEPT = 256
"""Reports kept per process: enough for one problem's reference and twins, bounded at scale."""


_PENDING: OrderedDict[str, dict[str, None]] = OrderedDict()
"""Per test suite (tests and setup), programs announced to run on it and not yet run."""
_PENDING_KEPT = 32
_TWINS: OrderedDict[str, dict[str, None]] = OrderedDict()
"""Per seed, the twin programs its rules made: the ones the first fuzz fuzzes together."""


def _suite(tests: Sequence[str], setup: str) -> str:
    return digest([list(tests), setup])


def _keep(key: str, report: TestReport) -> None:
    _RUNS[key] = report
    _RUNS.move_to_end(key)
    while len(_RUNS) > _RUNS_KEPT:
        _RUNS.popitem(last=False)


def _remember(table: OrderedDict[str, dict[str, None]], key: str, program: str) -> None:
    table.setdefault(key, {})[program] = None
    table.move_to_end(key)
    while len(table) > _PENDING_KEPT:
        table.popitem(last=False)


def announce(seed: Seed, twin: str) -> None:
    """Say that `twin` will be run on `seed`'s tests, so it joins the seed's next batch."""
    if seed.solution and seed.tests:
        _remember(_PENDING, _suite(seed.tests, seed.test_setup), twin)
        _remember(_TWINS, seed.problem_id, twin)


def run_tests(program: str, tests: Sequence[str], setup: str = "") -> TestReport:
    """The sandbox report of `program` on `tests`, cached by content.

    A miss runs every program announced for the same tests in the same sandbox start.
    """
    key = digest([program, list(tests), setup])
    if key in _RUNS:
        _RUNS.move_to_end(key)
        return _RUNS[key]
    pending = _PENDING.pop(_suite(tests, setup), {})
    programs = [program] + [
        p for p in pending if p != program and digest([p, list(tests), setup]) not in _RUNS
    ]
    jobs = [AssertJob(p, tuple(tests), setup) for p in programs[: _RUNS_KEPT // 2]]
    for job, report in zip(jobs, run_assert_batch(jobs, limits=LIMITS), strict=True):
        _keep(digest([job.program, list(tests), setup]), report)
    return _RUNS[key]


def _summary(report: TestReport) -> dict[str, Any]:
    return {
        "passed": report.passed,
        "failed": report.failed,
        "outcomes": [str(o) for o in report.outcomes],
    }


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


def _differ(seed: Seed, twin: str) -> str:
    return _DIFFER.format(
        setup=seed.test_setup, reference=seed.solution, twin=twin, entry=seed.entry_point
    )


def _missed(seed: Seed, twin: str) -> bool:
    """Whether the twin's known test report has no test it fails where the reference passes."""
    reference = _RUNS.get(digest([seed.solution, list(seed.tests), seed.test_setup]))
    mutant = _RUNS.get(digest([twin, list(seed.tests), seed.test_setup]))
    if reference is None or mutant is None:
        return False
    return not any(
        r is Outcome.PASSED and m is not Outcome.PASSED
        for r, m in zip(reference.outcomes, mutant.outcomes, strict=True)
    )


def differential_fuzz(seed: Seed, twin: str) -> dict[str, Any]:
    """Inputs on which the twin's result differs from the reference's (reference errors skipped)."""
    inputs = fuzz_inputs(seed)
    if not inputs or not seed.solution:
        return {"inputs": 0, "differing": 0, "timeouts": 0, "example": None}
    program = _differ(seed, twin)
    tests = [f"assert not _differs({args!r})" for args in inputs]
    for other in _TWINS.pop(seed.problem_id, {}):
        if other != twin and _missed(seed, other):
            _remember(_PENDING, _suite(tests, ""), _differ(seed, other))
    report = run_tests(program, tests)
    differing = [i for i, o in enumerate(report.outcomes) if o is Outcome.FAILED_TEST]
    return {
        "inputs": len(inputs),
        "differing": len(differing),
        "timeouts": sum(o is Outcome.TIMEOUT for o in report.outcomes),
        "example": repr(inputs[differing[0]]) if differing else None,
    }


def twin_evidence(seed: Seed, evidence: TwinEdit) -> dict[str, Any]:
    """What was run for a candidate: reference and twin on the tests, plus the fuzz when needed.

    The fuzz runs only when no test separates the programs: a failing test is itself a
    differing input.
    """
    if not seed.solution or not seed.tests:
        return {}
    twin = evidence.twin_program
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
        "mutation": evidence.mutation,
        "twin_lines": list(evidence.twin_lines),
    }


def plan_changed(case: ProofCase) -> str | None:
    """What every code proof needs first: the plan changed, with no error-announcing word."""
    if case.candidate.steps == case.reference.steps:
        return "unchanged_plan"
    if new_cue_words(case.reference, case.candidate):
        return "cue_words"
    return None


def twin_proof(
    signature: Signature, shape: ProofFn | None = None, *, edge_only: bool = False
) -> ProofFn:
    """The proof of a kind whose plan edit is mirrored in a program twin.

    `shape` checks the kind's own form of mutation first; then the twin runs: an answer-changing
    kind needs a test that the twin fails and the reference passes (`edge_only`: and some test
    the twin still passes), a quality kind needs every test still passing.
    """

    def prove(case: ProofCase) -> str | None:
        reason = plan_changed(case) or (shape(case) if shape is not None else None)
        if reason:
            return reason
        assert isinstance(case.evidence, TwinEdit)
        facts = twin_evidence(case.seed, case.evidence)
        if not facts:
            return "no_tests"
        if facts["reference"]["failed"]:
            return "reference_fails_tests"
        if signature is Signature.QUALITY:
            return None if not facts["twin"]["failed"] else "quality_kind_changes_behaviour"
        if not facts["tests_failed_by_twin_only"]:
            fuzz = facts["fuzz"] or {}
            return "tests_miss_mutant" if fuzz.get("differing") else "equivalent_mutant"
        if edge_only and not facts["twin"]["passed"]:
            return "not_edge_only"
        return None

    return prove


def twin_kind(
    kind: Kind,
    taxonomy_id: str,
    rule: RuleFn,
    *,
    signature: Signature = Signature.ANSWER,
    max_steps: int = 1,
    length_exempt: bool = False,
    shape: ProofFn | None = None,
    edge_only: bool = False,
    llm: LLMOffer | None = None,
) -> KindDef:
    """A code kind whose rule mirrors its plan edit in a program twin, proven by running it;
    `llm` (a `model_twins.twin_offer`) when a model's edit and program can feed that proof."""
    spec = KindSpec(kind, Domain.CODE, taxonomy_id, signature, max_steps, False, length_exempt)
    proof = twin_proof(signature, shape, edge_only=edge_only)
    return KindDef(spec, TwinEdit, _announcing(rule), proof, llm)


def _announcing(rule: RuleFn) -> RuleFn:
    """`rule`, announcing each twin it makes so the proofs run them in one batch."""

    @functools.wraps(rule)
    def announced(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
        edit = rule(seed, reference, rng)
        evidence = getattr(edit, "evidence", None)
        if isinstance(evidence, TwinEdit):
            announce(seed, evidence.twin_program)
        return edit

    return announced


def unimplemented(kind: Kind, taxonomy_id: str, signature: Signature = Signature.ANSWER) -> KindDef:
    """A code kind of the taxonomy with no rule and no proof yet: listed, never offered."""
    return KindDef(KindSpec(kind, Domain.CODE, taxonomy_id, signature, 1), TwinEdit)
