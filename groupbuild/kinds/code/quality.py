"""Rule perturbations of code plans that only cost quality: a correct but useless step (C13).

The inserted step is true of the program and changes nothing it computes: a copy of an input
that is never modified, or an initialization said a second time. Its twin inserts the matching
no-op statement, so its proof can show that every test still passes.
"""

from __future__ import annotations

import ast
import copy
import random
import re
from collections.abc import Collection
from dataclasses import dataclass

from groupbuild.kinds.code import twins as pt
from groupbuild.kinds.code.harm import twin_kind
from groupbuild.kinds.code.model_twins import twin_offer
from groupbuild.kinds.code.values import finish
from groupbuild.kinds.evidence import TwinEdit
from groupbuild.kinds.registry import Edit, ProofCase, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Signature, Trace
from groupbuild.text.code.static_types import argument_types
from groupbuild.text.cues import new_cue_words
from groupbuild.text.plans.links import plan_links

_START_AT = re.compile(r"^Start (?:a|an|the) ([a-z]+(?: [a-z]+){0,2}) at (\d+)\.$")
_START_EMPTY = re.compile(r"^Start an empty ([a-z]+(?: of [a-z]+(?: [a-z]+)?)?)\.$")
_GUARD = re.compile(r"^If\b.*\breturn\b", re.IGNORECASE)
_MUTATING = frozenset({"append", "extend", "insert", "pop", "remove", "sort", "clear", "reverse"})


@dataclass(frozen=True)
class Insertion:
    before: int
    """Reference step index the new step goes before (len(steps) appends it)."""
    text: str
    twin: pt.Twin


def _mutated(function: ast.FunctionDef, name: str) -> bool:
    """True when the function changes `name` in place or rebinds it: a copy would then matter."""
    for node in ast.walk(function):
        receiver = getattr(getattr(node, "func", None), "value", None)
        called = getattr(getattr(node, "func", None), "attr", "")
        if called in _MUTATING and getattr(receiver, "id", "") == name:
            return True
        if isinstance(node, ast.Subscript | ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            target = node.value if isinstance(node, ast.Subscript) else node
            if isinstance(target, ast.Name) and target.id == name:
                return True
    return False


def copy_input(seed: Seed, reference: Trace) -> Insertion | None:
    """ "Make a copy of the list before going through it.": the one list (or string) parameter the
    plan calls "the list" (or by its name) copied as the first step after the guards."""
    links = plan_links(seed)
    if links is None or not seed.solution:
        return None
    tree = ast.parse(seed.solution)
    function = pt.entry_function(tree, seed.entry_point)
    if function is None:
        return None
    types = argument_types(seed, function)
    plan = " ".join(reference.steps)
    lists = [a.arg for a in function.args.args if types.get(a.arg, "").startswith("list")]
    texts = [a.arg for a in function.args.args if types.get(a.arg) == "str"]
    if len(lists) == 1 and not texts and "the list" in plan:
        name, noun = lists[0], "list"
    elif len(texts) == 1 and not lists and f"the {texts[0]}" in plan:
        name, noun = texts[0], texts[0]
    else:
        return None
    if _mutated(function, name):
        return None
    before = next((i for i, s in enumerate(reference.steps) if not _GUARD.match(s)), None)
    if before is None:
        return None
    first_line = min(links[before])
    position = next((i for i, stmt in enumerate(function.body) if stmt.lineno == first_line), None)
    if position is None:
        return None
    function.body.insert(position, ast.parse(f"{name} = {name}[:]").body[0])
    twin = finish(tree, seed.solution, [first_line], f"copy of {name} inserted")
    if twin is None:
        return None
    return Insertion(before, f"Make a copy of the {noun} before going through it.", twin)


def restate_start(seed: Seed, reference: Trace) -> list[Insertion]:
    """ "Set the count to 0 once more." right after "Start a count at 0.", with the assignment
    repeated in the program."""
    links = plan_links(seed)
    if links is None or not seed.solution:
        return []
    found: list[Insertion] = []
    for index, step in enumerate(reference.steps):
        at, empty = _START_AT.match(step), _START_EMPTY.match(step)
        if at:
            text = f"Set the {at.group(1)} to {at.group(2)} once more."
        elif empty:
            text = f"Empty the {empty.group(1)} once more."
        else:
            continue
        twin = _repeat_assignment(seed.solution, links[index])
        if twin is not None:
            found.append(Insertion(index + 1, text, twin))
    return found


def _repeat_assignment(reference: str, lines: Collection[int]) -> pt.Twin | None:
    """Repeat the one simple assignment on `lines` right after itself."""
    tree = ast.parse(reference)
    for owner in ast.walk(tree):
        body = getattr(owner, "body", None)
        if not isinstance(body, list):
            continue
        hits = [
            i
            for i, stmt in enumerate(body)
            if isinstance(stmt, ast.Assign) and stmt.lineno in lines and _pure(stmt.value)
        ]
        if len(hits) == 1:
            body.insert(hits[0] + 1, copy.deepcopy(body[hits[0]]))
            return finish(tree, reference, [body[hits[0]].lineno], "assignment repeated")
    return None


def _pure(node: ast.AST) -> bool:
    """A literal or an empty container call: evaluating it twice has no effect."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Set | ast.Dict | ast.Tuple):
        return not list(ast.iter_child_nodes(node))
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"set", "list", "dict"}
        and not node.args
    )


def insertion_edit(reference: Trace, insertion: Insertion) -> Edit:
    steps = list(reference.steps)
    steps.insert(insertion.before, insertion.text)
    return Edit(
        trace=Trace(steps=tuple(steps)),
        declared_span=(insertion.before,),
        evidence=insertion.twin.evidence(insertion.before, None, insertion.text),
    )


def redundant_code(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """A useless but correct step: a needless copy of the input, or an initialization repeated
    (C13). Every test still passes; only economy drops."""
    options = restate_start(seed, reference)
    copied = copy_input(seed, reference)
    if copied is not None:
        options.append(copied)
    options = [o for o in options if not new_cue_words(reference, Trace(steps=(o.text,)))]
    return insertion_edit(reference, rng.choice(options)) if options else None


def _without_no_ops(program: str) -> str:
    """The program with `x = x[:]` copies and immediately repeated assignments taken out."""
    tree = ast.parse(program)
    for owner in ast.walk(tree):
        body = getattr(owner, "body", None)
        if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
            continue
        kept: list[ast.stmt] = []
        for stmt in body:
            repeated = bool(kept) and ast.dump(kept[-1]) == ast.dump(stmt)
            if _is_copy(stmt) or (repeated and _pure_assign(stmt)):
                continue
            kept.append(stmt)
        body[:] = kept
    return ast.dump(tree)


def _is_copy(stmt: ast.stmt) -> bool:
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return False
    target, value = stmt.targets[0], stmt.value
    return (
        isinstance(target, ast.Name)
        and isinstance(value, ast.Subscript)
        and isinstance(value.value, ast.Name)
        and value.value.id == target.id
        and isinstance(value.slice, ast.Slice)
        and value.slice.lower is None
        and value.slice.upper is None
    )


def _pure_assign(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign) and _pure(stmt.value)


def only_no_ops_added(case: ProofCase) -> str | None:
    """The C13 shape: exactly one plan step inserted, and the twin is the reference plus no-op
    statements only. That every test still passes is the twin proof's quality path."""
    assert isinstance(case.evidence, TwinEdit)
    reference, candidate = case.reference, case.candidate
    if not case.seed.solution:
        return "no_reference_program"
    if len(candidate.steps) != len(reference.steps) + 1:
        return "not_one_inserted_step"
    pairs = enumerate(zip(reference.steps, candidate.steps, strict=False))
    position = next((i for i, (a, b) in pairs if a != b), len(reference.steps))
    if candidate.steps[:position] + candidate.steps[position + 1 :] != reference.steps:
        return "not_one_inserted_step"
    if _without_no_ops(case.evidence.twin_program) != ast.dump(ast.parse(case.seed.solution)):
        return "twin_not_a_no_op"
    return None


register(
    twin_kind(
        Kind.REDUNDANT_CODE,
        "C13",
        redundant_code,
        signature=Signature.QUALITY,
        max_steps=2,
        length_exempt=True,
        shape=only_no_ops_added,
        llm=twin_offer("perturb/code/redundant_code.j2", "insert"),
    )
)
