"""A plan in controlled English written from a reference function's syntax tree.

Seeds without a hand-written plan (MBPP, HumanEval) still need a reference trace whose steps are
linked to program lines, so the code rules can edit a sentence and mutate the lines it describes.
The wording follows the bundled plans ("up to and including", "greater than", "If ..., return
...") so the rules and the rules judge read these plans as they read the bundled ones. A function
whose statements or expressions have no faithful wording here gets no plan: `explain` says why.
"""

from __future__ import annotations

import ast
import re
import warnings

from groupbuild.hashing import digest
from groupbuild.text.plans.flow import flow_flaws
from groupbuild.text.plans.steps import Planner, Step
from groupbuild.text.plans.vocabulary import NUMBERS
from groupbuild.text.plans.wording import MAX_STEP_CHARS, Unsupported, helper_phrase, name_phrase

__all__ = [
    "MAX_STEPS",
    "MAX_STEP_CHARS",
    "MIN_STEPS",
    "Links",
    "Steps",
    "Unsupported",
    "explain",
    "explained",
    "name_phrase",
    "verbalize",
]

Steps = tuple[str, ...]
Links = tuple[tuple[int, ...], ...]
MIN_STEPS, MAX_STEPS = 3, 10
_CODE_TOKENS = re.compile(r"`|==|!=|<=|>=|\+=|-=|\*=|\bdef\s|\w\(|\w\[|\b[a-z]+_[a-z_]+\b|[:;]\s*$")


def _functions(tree: ast.Module, entry_point: str) -> tuple[ast.FunctionDef, list[ast.FunctionDef]]:
    """The entry function and the helpers it calls (directly or through one another), in the
    order the program defines them; a function nothing calls is not part of the plan."""
    functions = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    if any(not _is_preamble(s) for s in tree.body if not isinstance(s, ast.FunctionDef)):
        raise Unsupported("module_level_code")
    if not functions:
        raise Unsupported("no_function")
    if entry_point not in functions:
        raise Unsupported("entry_point_not_defined")
    if len(functions) != sum(isinstance(s, ast.FunctionDef) for s in tree.body):
        raise Unsupported("function_defined_twice")
    called, todo = {entry_point}, [functions[entry_point]]
    while todo:
        for node in ast.walk(todo.pop()):
            name = getattr(node, "id", None)
            if isinstance(node, ast.Name) and name in functions and name not in called:
                called.add(name)
                todo.append(functions[name])
    for function in functions.values():
        if function.decorator_list or function.args.vararg or function.args.kwarg:
            raise Unsupported("function_signature")
    helpers = [f for name, f in functions.items() if name in called and name != entry_point]
    if len(helpers) > 2:
        raise Unsupported("helper_functions")
    return functions[entry_point], helpers


def _helper_steps(
    helpers: list[ast.FunctionDef], phrases: dict[str, str], source: list[str]
) -> list[list[Step]]:
    """Each helper's steps after the sentence that introduces them ("To find the gcd of a and
    b, do the next two steps."): the helper is planned before the steps that call it."""
    blocks: list[list[Step]] = []
    for helper in helpers:
        planner = Planner(helper, source)
        planner.helpers = phrases
        inner = planner.block(helper.body)
        if not inner or len(inner) >= len(NUMBERS):
            raise Unsupported("helper_too_long")
        count = "the next step" if len(inner) == 1 else f"the next {NUMBERS[len(inner)]} steps"
        head = helper_phrase(helper)[1]
        blocks.append([Step(f"{head}, do {count}.", (helper.lineno,)), *inner])
    return blocks


def _is_preamble(stmt: ast.stmt) -> bool:
    """Imports and named constants (`R = 3`) before the function: read where they are used."""
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return True
    return (
        isinstance(stmt, ast.Assign)
        and all(isinstance(t, ast.Name) for t in stmt.targets)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, int | float)
    )


def explain(program: str, entry_point: str) -> tuple[Steps, Links] | str:
    """The plan and its line links, or the reason (snake_case) no faithful plan was written."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in old MBPP strings
            tree = ast.parse(program)
        function, helpers = _functions(tree, entry_point)
        source = program.splitlines()
        phrases = {h.name: helper_phrase(h)[0] for h in helpers}
        blocks = _helper_steps(helpers, phrases, source)
        before = [step for block in blocks for step in block]
        planner = Planner(function, source)
        planner.helpers = phrases
        own = planner.unfold(function.body, lambda s: _fits(before + s))
        steps = before + own
    except Unsupported as exc:
        return str(exc)
    except SyntaxError:
        return "syntax_error"
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        return f"{len(steps)}_steps_outside_{MIN_STEPS}_to_{MAX_STEPS}"
    if any(len(step.text) > MAX_STEP_CHARS for step in steps):
        return "step_too_long"
    if any(_CODE_TOKENS.search(step.text) for step in steps):
        return "code_token_in_wording"
    texts = tuple(s.text for s in steps)
    # The judge reads the whole plan against the entry function; each helper's steps are also
    # read against the helper they describe.
    parts = [(steps, function), *((b[1:], h) for b, h in zip(blocks, helpers, strict=True))]
    if any(any(flow_flaws(tuple(s.text for s in part), f).values()) for part, f in parts):
        return "wording_misread_as_flow_flaw"  # a reference the judge would mark down
    return texts, tuple(tuple(sorted(set(s.lines))) for s in steps)


def _fits(steps: list[Step]) -> bool:
    return len(steps) >= MIN_STEPS and all(len(s.text) <= MAX_STEP_CHARS for s in steps)


_CACHE: dict[str, tuple[Steps, Links] | str] = {}


def explained(program: str, entry_point: str) -> tuple[Steps, Links] | str:
    """`explain`, cached by the hash of the program and entry point."""
    key = digest([program, entry_point])
    if key not in _CACHE:
        _CACHE[key] = explain(program, entry_point)
    return _CACHE[key]


def verbalize(program: str, entry_point: str) -> tuple[Steps, Links] | None:
    """A 3 to 10 step plan of `entry_point` with the program lines of each step, or None."""
    found = explained(program, entry_point)
    return None if isinstance(found, str) else found
