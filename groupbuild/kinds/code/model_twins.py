"""Program twins a model wrote: the reference program with the lines of one plan step rewritten.

On the LLM path a code perturber returns, with its flawed plan step, the program that follows
the flawed plan. That program becomes the twin only when it is the reference with nothing but
that step's statements changed: the step's linked lines when the links describe this very plan,
else at most a few lines. Statements are compared as syntax, so a model that re-quotes a string
or drops a blank line has not changed a line. The kind's proof then runs the twin exactly as it
runs a rule's.
"""

from __future__ import annotations

import ast
import copy
from difflib import SequenceMatcher

from groupbuild.errors import StageReject
from groupbuild.kinds.code.twins import Twin
from groupbuild.kinds.registry import Edit, LLMOffer, StepRewrite
from groupbuild.schema import Seed, Trace
from groupbuild.text.plans.links import Links, plan_links, plan_to_trace

MAX_UNLINKED_LINES = 3
"""Reference lines a twin may change when no links say which lines the edited step describes."""
_NESTED = ("body", "orelse", "finalbody", "handlers")

Outline = list[tuple[str, tuple[int, ...]]]


def _outline(body: list[ast.AST], path: str, out: Outline) -> Outline:
    """Each statement as (position and syntax without nested blocks, its reference lines)."""
    for node in body:
        nested = [
            (f, getattr(node, f)) for f in _NESTED if isinstance(getattr(node, f, None), list)
        ]
        if not nested:
            end = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
            lines = tuple(range(node.lineno, end + 1))  # type: ignore[attr-defined]
            out.append((f"{path}:{ast.dump(node)}", lines))
            continue
        head = copy.copy(node)
        for name, _ in nested:
            setattr(head, name, [])
        out.append((f"{path}:{ast.dump(head)}", (node.lineno,)))  # type: ignore[attr-defined]
        for name, items in nested:
            _outline(items, f"{path}/{name}", out)
    return out


def changed_lines(reference: str, program: str) -> tuple[int, ...] | None:
    """Reference lines (1-based) whose statements `program` changes or deletes, or next to which
    it adds one; None when `program` does not parse or equals the reference as syntax."""
    try:
        mine = _outline(list(ast.parse(program).body), "", [])
    except SyntaxError:
        return None
    theirs = _outline(list(ast.parse(reference).body), "", [])
    keys = [k for k, _ in theirs]
    matcher = SequenceMatcher(None, keys, [k for k, _ in mine], autojunk=False)
    lines: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            lines.update(n for _, span in theirs[i1:i2] for n in span)
        elif tag == "insert" and theirs:
            lines.update(theirs[max(0, i1 - 1)][1])
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


def model_twin(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Twin | None:
    """The model's program as the twin of its edit of step `rewrite.index`, or None when it is
    no faithful twin: unparsable, unchanged, missing the entry point, or changing other lines."""
    if not seed.solution or not rewrite.program:
        return None
    program = rewrite.program if rewrite.program.endswith("\n") else rewrite.program + "\n"
    lines = changed_lines(seed.solution, program)
    if lines is None or not _defines(program, seed.entry_point):
        return None
    links = links_for(seed, reference)
    if links is not None and not set(lines) <= set(links[rewrite.index]):
        return None
    if links is None and len(lines) > MAX_UNLINKED_LINES:
        return None
    shown = ", ".join(map(str, lines))
    return Twin(program=program, lines=lines, mutation=f"model rewrite of line(s) {shown}")


def splice_rewrite(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
    """Step `rewrite.index` replaced by the model's text, with its program as the twin."""
    twin = model_twin(seed, reference, rewrite)
    if twin is None:
        return None
    index = rewrite.index
    steps = list(reference.steps)
    steps[index] = rewrite.text
    return Edit(
        trace=Trace(steps=tuple(steps)),
        declared_span=(index,),
        evidence=twin.evidence(index, reference.steps[index], rewrite.text),
    )


def splice_deletion(seed: Seed, reference: Trace, rewrite: StepRewrite) -> Edit | None:
    """Step `rewrite.index` deleted, with the model's program (its lines deleted) as the twin."""
    if len(reference.steps) < 2:
        return None
    twin = model_twin(seed, reference, rewrite)
    if twin is None:
        return None
    index = rewrite.index
    steps = reference.steps[:index] + reference.steps[index + 1 :]
    return Edit(
        trace=Trace(steps=steps),
        declared_span=(index,),
        evidence=twin.evidence(index, reference.steps[index], None),
    )


def twin_offer(template: str, *, deletes: bool = False) -> LLMOffer:
    """The LLM offer of a twin kind: the model edits one step and writes the program to match."""
    splice = splice_deletion if deletes else splice_rewrite
    return LLMOffer(template, splice, program=True, deletes=deletes)
