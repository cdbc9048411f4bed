"""Judge signals for claims a code plan makes about the program's behaviour.

A plan may say what the work costs ("a single pass"), what order it sees the data in ("in
ascending order") or what an empty input gives ("0 when the list is empty"). Each claim is
checked against the reference program alone: its syntax tree for the first two, a sandboxed run
on the empty input for the third. A false claim is a calibration flaw at its step.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from groupbuild.hashing import digest
from groupbuild.schema import Seed
from groupbuild.text.code.syntax import call_arguments, nested_data_loop
from groupbuild.text.plans.from_code import name_phrase

_ONE_PASS = re.compile(r"\b(?:in )?(?:a )?(?:single|one) pass\b|\blinear time\b")
_IN_ORDER = re.compile(
    r"\bin (?:ascending|increasing|sorted) order\b|\b(?:is|are) (?:already )?sorted\b"
)
_SORTS = frozenset({"sorted", "sort", "heapify", "nsmallest", "nlargest", "insort", "bisect_left"})
_ORDER_WORDS = re.compile(r"\bsort|\bascending\b|\bincreasing order\b|\bnon-decreasing\b", re.I)
_VALUE = (
    r"(?P<value>minus \d+|-?\d+|true|false|none|an empty (?:list|tuple|set|table|string)"
    r"|the empty string|no items)"
)
_EMPTY_CLAIMS = (
    re.compile(rf"\bor {_VALUE} (?:when|if) (?P<arg>[a-z0-9 ]+?) (?:is|are) empty\b"),
    re.compile(rf"^(?:otherwise, )?if (?P<arg>[a-z0-9 ]+?) (?:is|are) empty, return {_VALUE}[.,]"),
    re.compile(rf"\breturn {_VALUE} (?:when|if) (?P<arg>[a-z0-9 ]+?) (?:is|are) empty\b"),
)
_NAMED: dict[str, Any] = {
    "true": True,
    "false": False,
    "none": None,
    "an empty list": [],
    "an empty tuple": (),
    "an empty set": set(),
    "an empty table": {},
    "an empty string": "",
    "the empty string": "",
    "no items": [],
}
_NOUNS = {
    "list": (list, tuple),
    "array": (list, tuple),
    "tuple": (list, tuple),
    "item": (list, tuple),
    "number": (list, tuple),
    "string": (str,),
    "text": (str,),
    "word": (str,),
    "sentence": (str,),
}
_RUNS: dict[str, bool | None] = {}


def _has_sort(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(n, ast.Call)
        and (getattr(n.func, "id", "") in _SORTS or getattr(n.func, "attr", "") in _SORTS)
        for n in ast.walk(function)
    )


def claim_flaws(seed: Seed, steps: tuple[str, ...], function: ast.FunctionDef) -> list[int]:
    """Steps holding a claim the reference program shows to be false."""
    nested = nested_data_loop(function)
    sorts = _has_sort(function) or bool(_ORDER_WORDS.search(seed.problem))
    flawed: list[int] = []
    for index, step in enumerate(steps):
        low = step.lower()
        static = (nested and _ONE_PASS.search(low)) or (not sorts and _IN_ORDER.search(low))
        if static or any(_empty_claim_false(seed, function, m) for m in _empty_matches(low)):
            flawed.append(index)
    return flawed


def _empty_matches(low: str) -> list[re.Match[str]]:
    return [m for pattern in _EMPTY_CLAIMS for m in pattern.finditer(low)]


def _claimed(value: str) -> tuple[bool, Any]:
    if value in _NAMED:
        return True, _NAMED[value]
    number = value.replace("minus ", "-")
    return (True, int(number)) if re.fullmatch(r"-?\d+", number) else (False, None)


def _empty_claim_false(seed: Seed, function: ast.FunctionDef, match: re.Match[str]) -> bool:
    """The program, run on the first test's arguments with the named one emptied, gives
    something other than the claimed value (or fails). Unsure cases count as true."""
    known, claimed = _claimed(match.group("value"))
    calls = call_arguments(seed.tests, seed.entry_point or function.name)
    params = [a.arg for a in function.args.args]
    if not known or not calls or len(calls[0]) != len(params):
        return False
    position = _argument(match.group("arg"), function, calls[0])
    if position is None:
        return False
    args = list(calls[0])
    args[position] = type(args[position])()
    return _runs_differently(seed, function.name, tuple(args), claimed) is True


def _argument(phrase: str, function: ast.FunctionDef, args: tuple[Any, ...]) -> int | None:
    """The position of the sequence argument the phrase names: by name, else by its noun."""
    params = [a.arg for a in function.args.args]
    sequences = [i for i, a in enumerate(args) if isinstance(a, list | tuple | str)]
    tokens = re.findall(r"[a-z0-9]+", phrase)
    by_name = [
        i
        for i in sequences
        if params[i].lower() in tokens
        or " ".join(tokens).endswith(name_phrase(function, params[i]).lower())
    ]
    if len(by_name) == 1:
        return by_name[0]
    nouns = {t.rstrip("s") for t in tokens} & set(_NOUNS)
    kinds = tuple(k for noun in nouns for k in _NOUNS[noun])
    by_noun = [i for i in sequences if kinds and isinstance(args[i], kinds)]
    return by_noun[0] if len(by_noun) == 1 else None


def _runs_differently(seed: Seed, entry: str, args: tuple[Any, ...], claimed: Any) -> bool | None:
    """True when the claim fails on the reference program, None when the run is inconclusive;
    cached by the hash of the program, setup and test."""
    from groupbuild.execute.sandbox import Limits, Outcome, run_assert_tests

    test = f"assert {entry}(*{args!r}) == {claimed!r}"
    key = digest([seed.solution or "", seed.test_setup, test])
    if key not in _RUNS:
        limits = Limits(wall_seconds=2.0, cpu_seconds=2.0, memory_mb=256)
        report = run_assert_tests(seed.solution or "", [test], setup=seed.test_setup, limits=limits)
        outcome = report.outcomes[0] if report.outcomes else None
        _RUNS[key] = (
            False
            if outcome is Outcome.PASSED
            else True
            if outcome in (Outcome.FAILED_TEST, Outcome.RUNTIME_ERROR)
            else None
        )
    return _RUNS[key]
