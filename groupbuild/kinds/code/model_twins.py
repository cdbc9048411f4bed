"""Program twins a model wrote: the reference program with the edited steps' lines rewritten.

On the LLM path a code perturber returns, with its plan edit (a step rewritten, dropped, added
or swapped with the next), the program that follows the flawed plan. That program becomes the
twin only when it is the reference with nothing but the edited steps' statements changed: their
linked lines when the links describe this very plan, else at most a few lines. Statements are
compared as syntax, so a model that re-quotes a string or drops a blank line has not changed a
line. The kind's proof then runs the twin exactly as it runs a rule's.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Collection
from difflib import SequenceMatcher

from groupbuild.errors import StageReject
from groupbuild.kinds.code.twins import Twin
from groupbuild.kinds.registry import Edit, LLMOffer, Shape, SpliceFn, StepRewrite
from groupbuild.schema import Seed, Trace
from groupbuild.text.plans.links import Links, plan_links, plan_to_trace

MAX_UNLINKED_LINES = 3
"""Reference lines a twin may change when no links say which lines the edited step describes."""
_NESTED = ("body", "orelse", "finalbody", "handlers")

Outline = list[tuple[str, str, tuple[int, ...]]]
"""Per statement: the block it sits in, its syntax without nested blocks, its lines."""


def _outline(body: list[ast.AST], path: str, out: Outline) -> Outline:
    """Each statement as (block path, position and syntax without nested blocks, its lines)."""
    for node in body:
        nested = [
            (f, getattr(node, f)) for f in _NESTED if isinstance(getattr(node, f, None), list)
        ]
        if not nested:
            end = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
            lines = tuple(range(node.lineno, end + 1))  # type: ignore[attr-defined]
            out.append((path, f"{path}:{ast.dump(node)}", lines))
            continue
        head = copy.copy(node)
        for name, _ in nested:
            setattr(head, name, [])
        out.append((path, f"{path}:{ast.dump(head)}", (node.lineno,)))  # type: ignore[attr-defined]
        for name, items in nested:
            _outline(items, f"{path}/{name}", out)
    return out


def _anchor(theirs: Outline, at: int, path: str, near: Collection[int]) -> tuple[int, ...]:
    """The reference lines a statement added before reference statement `at` is charged to:
    whichever neighbour lies on `near` (the edited steps' lines), else the statement before it,
    or the one after it when it opens the block of the one before (a new first statement)."""
    before = theirs[at - 1][2] if at > 0 else None
    after = theirs[at][2] if at < len(theirs) else None
    for side in (before, after):
        if side is not None and set(side) & set(near):
            return side
    if before is None or (after is not None and path.startswith(theirs[at - 1][0] + "/")):
        return after or ()
    return before


def changed_lines(
    reference: str, program: str, near: Collection[int] = ()
) -> tuple[int, ...] | None:
    """Reference lines (1-based) whose statements `program` changes or deletes, or next to which
    it adds one (`_anchor`); None when `program` does not parse or equals the reference as
    syntax."""
    try:
        mine = _outline(list(ast.parse(program).body), "", [])
    except SyntaxError:
        return None
    theirs = _outline(list(ast.parse(reference).body), "", [])
    matcher = SequenceMatcher(None, [k for _, k, _ in theirs], [k for _, k, _ in mine], False)
    lines: set[int] = set()
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            lines.update(n for _, _, span in theirs[i1:i2] for n in span)
        elif tag == "insert":
            lines.update(_anchor(theirs, i1, mine[j1][0], near))
    return tuple(sorted(lines)) or None


def _defines(program: str, name: str | None) -> bool:
    tree = ast.parse(program)
    return name is None or any(
        isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body
    )


def links_for(seed: Seed, reference: Trace) -> Links | None:
    """The seed's plan-to-code links when `reference` is the plan they describe, else None
    (a plan a model wrote has no known links)."""
    links = plan_links(seed)
    if links is None or len(links) != len(reference.steps):
        return None
    try:
        described = plan_to_trace(seed).steps
    except StageReject:
        return None
    return links if described == reference.steps else None


def edited_steps(shape: Shape, index: int, steps: int) -> tuple[int, ...]:
    """The reference steps whose program lines an edit of `shape` at `index` may change: the
    step itself, the two swapped, or the neighbours of a new step."""
    if shape == "swap":
        return (index, index + 1)
    if shape == "insert":
        return tuple(i for i in (index - 1, index) if 0 <= i < steps)
    return (index,)


def model_twin(
    seed: Seed, reference: Trace, rewrite: StepRewrite, steps: tuple[int, ...]
) -> Twin | None:
    """The model's program as the twin of its edit of reference `steps`, or None when it is no
    faithful twin: unparsable, unchanged, missing the entry point, or changing other lines."""
    if not seed.solution or not rewrite.program:
        return None
    program = rewrite.program if rewrite.program.endswith("\n") else rewrite.program + "\n"
    links = links_for(seed, reference)
    allowed = set() if links is None else {n for i in steps for n in links[i]}
    lines = changed_lines(seed.solution, program, allowed)
    if lines is None or not _defines(program, seed.entry_point):
        return None
    if links is not None and not set(lines) <= allowed:
        return None
    if links is None and len(lines) > MAX_UNLINKED_LINES:
        return None
    shown = ", ".join(map(str, lines))
    return Twin(program=program, lines=lines, mutation=f"model rewrite of line(s) {shown}")


def _plan_edit(shape: Shape, reference: Trace, index: int, text: str) -> tuple[str, ...]:
    steps = list(reference.steps)
    if shape == "rewrite":
        steps[index] = text
    elif shape == "delete":
        del steps[index]
    elif shape == "insert":
        steps.insert(index, text)
    else:
        steps[index], steps[index + 1] = steps[index + 1], steps[index]
    return tuple(steps)


def twin_splice(shape: Shape) -> SpliceFn:
    """A model's plan edit of `shape`, with its program as the twin the proof runs.

    The evidence records the plan step as the rules do: before and after of a rewrite, the
    dropped step, the new step, or the two swapped steps.
    """

    def splice(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
        n, index = len(reference.steps), rewrite.index
        if shape in ("delete", "swap") and n < 2:
            return None
        twin = model_twin(seed, reference, rewrite, edited_steps(shape, index, n))
        if twin is None:
            return None
        before = None if shape == "insert" else reference.steps[index]
        after = {
            "rewrite": rewrite.text,
            "delete": None,
            "insert": rewrite.text,
            "swap": reference.steps[min(index + 1, n - 1)],
        }[shape]
        span = (index, index + 1) if shape == "swap" else (index,)
        return Edit(
            trace=Trace(steps=_plan_edit(shape, reference, index, rewrite.text)),
            declared_span=span,
            evidence=twin.evidence(index, before, after),
        )

    return splice


def twin_offer(template: str, shape: Shape = "rewrite") -> LLMOffer:
    """The LLM offer of a twin kind: the model edits the plan and writes the program to match."""
    return LLMOffer(template, twin_splice(shape), program=True, shape=shape)
