"""False claims about a program's behaviour, written into one plan sentence (C14).

The program stays as it is, so its tests still pass: the flaw is a sentence that says something
checkably untrue about what the program does. Three claims, each with its own proof:
- an empty input gives a stated value: the program run on that empty input returns something
  else or raises (sandbox run);
- the work is "a single pass overall": the function holds a loop nested in a loop over input
  data (syntax tree);
- a loop visits an argument "in ascending order": nothing in the program sorts, and a test
  passes that argument unsorted (syntax tree and test data).
The checker reads the claim back from the edited sentence itself, not from the perturber's notes.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterator
from typing import Any

from groupbuild.execute.sandbox import Outcome
from groupbuild.kinds.code.harm import plan_changed, run_tests
from groupbuild.kinds.evidence import PlanEdit
from groupbuild.kinds.registry import Edit, KindDef, LLMOffer, ProofCase, StepRewrite, register
from groupbuild.kinds.spec import Kind, KindSpec
from groupbuild.schema import Domain, Seed, Signature, Trace
from groupbuild.text.code.syntax import loops, nested_data_loop
from groupbuild.text.plans.from_code import name_phrase
from groupbuild.text.plans.links import plan_links
from groupbuild.text.traces import length_ratio

LENGTH_TOLERANCE = 0.10
ONE_PASS = ", in a single pass overall"
ASCENDING = " in ascending order"
_EMPTY_VALUES: dict[str, Any] = {
    "0": 0,
    "False": False,
    "None": None,
    "an empty list": [],
    "an empty tuple": (),
    "the empty string": "",
}
EMPTY_CLAIM = re.compile(
    r", or (?P<value>" + "|".join(map(re.escape, _EMPTY_VALUES)) + r") when (?P<arg>[\w ]+?) "
    r"is empty\.$"
)
_FOR_EACH = re.compile(r"^(?:For each|Go through each) [^,]+?(?= in order\b|,|\.$)")


def _function(seed: Seed) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(seed.solution or "")
    except SyntaxError:
        return None
    return next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == seed.entry_point),
        None,
    )


def _calls(seed: Seed) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(arguments, expected result) of each `assert f(...) == expected` test with literals."""
    for test in seed.tests:
        try:
            node = ast.parse(test).body[0]
        except (SyntaxError, IndexError):
            continue
        if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
            continue
        compare = node.test
        call = compare.left
        if (
            len(compare.ops) != 1
            or not isinstance(compare.ops[0], ast.Eq)
            or not isinstance(call, ast.Call)
            or getattr(call.func, "id", None) != seed.entry_point
            or call.keywords
        ):
            continue
        try:
            args = tuple(ast.literal_eval(a) for a in call.args)
            expected = ast.literal_eval(compare.comparators[0])
        except ValueError:
            continue
        yield args, expected


def _natural_empty_result(expected: Any) -> str | None:
    """The value a reader would expect for an empty input, named as the claim writes it."""
    if isinstance(expected, bool):
        return "False"
    if isinstance(expected, int | float):
        return "0"
    names: dict[type[object], str] = {
        list: "an empty list",
        tuple: "an empty tuple",
        str: "the empty string",
    }
    return names.get(type(expected))


def _empty_sites(seed: Seed, reference: Trace, function: ast.FunctionDef) -> list[tuple[int, str]]:
    calls = list(_calls(seed))
    last = len(reference.steps) - 1
    step = reference.steps[last]
    if not calls or not step.startswith("Return") or not step.endswith(".") or "," in step:
        return []
    args, expected = calls[0]
    value = _natural_empty_result(expected)
    params = [a.arg for a in function.args.args]
    if value is None or len(params) != len(args):
        return []
    sites = []
    for param, arg in zip(params, args, strict=True):
        if isinstance(arg, list | tuple | str) and arg:
            phrase = name_phrase(function, param)
            sites.append((last, f"{step[:-1]}, or {value} when {phrase} is empty."))
    return sites[:1]


def _loop_heads(function: ast.FunctionDef) -> dict[int, ast.For | ast.While]:
    return {loop.lineno: loop for loop in loops(function)}


def _pass_sites(
    reference: Trace, links: tuple[tuple[int, ...], ...], function: ast.FunctionDef
) -> list[tuple[int, str]]:
    if not nested_data_loop(function):
        return []
    outer = [s for s in function.body if isinstance(s, ast.For | ast.While)]
    for index, step in enumerate(reference.steps):
        if any(loop.lineno in links[index] for loop in outer) and step.endswith("."):
            return [(index, step[:-1] + ONE_PASS + ".")]
    return []


def _has_sort(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(n, ast.Call)
        and (
            getattr(n.func, "id", "") in {"sorted", "heapify", "nsmallest", "nlargest"}
            or getattr(n.func, "attr", "") in {"sort", "heapify", "nsmallest", "nlargest"}
        )
        for n in ast.walk(function)
    )


def _unsorted_argument(seed: Seed, function: ast.FunctionDef, loop: ast.For) -> bool:
    """The loop walks an argument as given, and some test passes it out of ascending order."""
    params = [a.arg for a in function.args.args]
    if not isinstance(loop.iter, ast.Name) or loop.iter.id not in params:
        return False
    if any(
        isinstance(t, ast.Name) and t.id == loop.iter.id
        for n in ast.walk(function)
        if isinstance(n, ast.Assign | ast.AugAssign | ast.For)
        for t in ast.walk(n.target if not isinstance(n, ast.Assign) else n.targets[0])
    ):
        return False
    position = params.index(loop.iter.id)
    for args, _ in _calls(seed):
        value = args[position] if position < len(args) else None
        if isinstance(value, list | tuple | str):
            try:
                if list(value) != sorted(value):
                    return True
            except TypeError:
                continue
    return False


def _sorted_sites(
    seed: Seed, reference: Trace, links: tuple[tuple[int, ...], ...], function: ast.FunctionDef
) -> list[tuple[int, str]]:
    if _has_sort(function):
        return []
    heads = _loop_heads(function)
    for index, step in enumerate(reference.steps):
        loops = [heads[n] for n in links[index] if n in heads]
        match = _FOR_EACH.match(step)
        if (
            len(loops) == 1
            and isinstance(loops[0], ast.For)
            and match
            and "order" not in step
            and _unsorted_argument(seed, function, loops[0])
        ):
            return [(index, step[: match.end()] + ASCENDING + step[match.end() :])]
    return []


def false_claim(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """One sentence gains a checkable, false claim about the unchanged program (C14)."""
    function = _function(seed)
    links = plan_links(seed)
    if function is None or links is None or len(links) != len(reference.steps):
        return None
    # Claims proven from the syntax tree come first: an empty-input claim may turn out true.
    static = _pass_sites(reference, links, function) + _sorted_sites(
        seed, reference, links, function
    )
    fitting = _fitting(reference, static) or _fitting(
        reference, _empty_sites(seed, reference, function)
    )
    if not fitting:
        return None
    trace = rng.choice(fitting)
    index = _claim_step(reference, trace)
    assert index is not None
    before, after = reference.steps[index], trace.steps[index]
    return Edit(
        trace=trace,
        declared_span=(index,),
        evidence=PlanEdit(plan_step=index, before=before, after=after),
    )


def _fitting(reference: Trace, sites: list[tuple[int, str]]) -> list[Trace]:
    fitting: list[Trace] = []
    for index, text in sites:
        steps = list(reference.steps)
        steps[index] = text
        trace = Trace(steps=tuple(steps))
        if abs(length_ratio(reference, trace) - 1) <= LENGTH_TOLERANCE:
            fitting.append(trace)
    return fitting


def _claim_step(reference: Trace, candidate: Trace) -> int | None:
    if len(reference.steps) != len(candidate.steps):
        return None
    changed = [
        i for i, (a, b) in enumerate(zip(reference.steps, candidate.steps, strict=True)) if a != b
    ]
    return changed[0] if len(changed) == 1 else None


def disproved(case: ProofCase) -> str | None:
    """None when the claim added to the plan is proven false of the program, else a reason."""
    reason = plan_changed(case)
    if reason:
        return reason
    seed, reference, candidate = case.seed, case.reference, case.candidate
    function = _function(seed)
    index = _claim_step(reference, candidate)
    links = plan_links(seed)
    if function is None or index is None or links is None or not seed.solution:
        return "claim_not_found"
    if not run_tests(seed.solution, seed.tests, seed.test_setup).all_passed:
        return "reference_fails_tests"
    before, after = reference.steps[index], candidate.steps[index]
    empty = EMPTY_CLAIM.search(after)
    if empty and not EMPTY_CLAIM.search(before):
        return _empty_claim_disproved(seed, function, empty.group("arg"), empty.group("value"))
    if ONE_PASS in after and ONE_PASS not in before:
        return None if nested_data_loop(function) else "claim_true"
    if ASCENDING in after and ASCENDING not in before:
        heads = _loop_heads(function)
        loops = [heads[n] for n in links[index] if n in heads]
        if _has_sort(function) or len(loops) != 1 or not isinstance(loops[0], ast.For):
            return "claim_unproven"
        return None if _unsorted_argument(seed, function, loops[0]) else "claim_unproven"
    return "claim_not_found"


def _empty_claim_disproved(
    seed: Seed, function: ast.FunctionDef, phrase: str, value_name: str
) -> str | None:
    params = [a.arg for a in function.args.args]
    named = [i for i, p in enumerate(params) if name_phrase(function, p) == phrase]
    calls = list(_calls(seed))
    if len(named) != 1 or not calls or len(calls[0][0]) != len(params):
        return "claim_not_found"
    args = list(calls[0][0])
    position = named[0]
    if not isinstance(args[position], list | tuple | str):
        return "claim_not_found"
    args[position] = type(args[position])()
    claimed = _EMPTY_VALUES[value_name]
    test = f"assert {seed.entry_point}(*{tuple(args)!r}) == {claimed!r}"
    outcome = run_tests(seed.solution or "", [test], seed.test_setup).outcomes[0]
    if outcome is Outcome.PASSED:
        return "claim_true"
    if outcome in (Outcome.FAILED_TEST, Outcome.RUNTIME_ERROR):
        return None
    return "claim_unproven"


def splice_claim(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
    """A model's rewrite of one plan sentence; the proof reads the claim back from the text."""
    index, text = rewrite.index, rewrite.text
    steps = list(reference.steps)
    before = steps[index]
    steps[index] = text
    evidence = PlanEdit(plan_step=index, before=before, after=text)
    return Edit(trace=Trace(steps=tuple(steps)), declared_span=(index,), evidence=evidence)


register(
    KindDef(
        KindSpec(Kind.FALSE_CLAIM, Domain.CODE, "C14", Signature.SUPPORT, 1),
        PlanEdit,
        rule=false_claim,
        proof=disproved,
        llm=LLMOffer("perturb/code/false_claim.j2", splice_claim),
    )
)
