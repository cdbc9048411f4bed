"""How a code plan's quantities flow, read against the reference program: the judge scores
by it, and plans written from code that it would flag are refused.

A plan names the program's variables in words ("the count", "the running sum"). Read back
from the steps: which quantity a clause writes (its target) and which ones it reads. Then:
- a local the program sets before reading it must be set by the first step that names it
  (a dropped initialization, or a use moved before the step that produces it);
- an accumulator (set before a loop, updated in it) needs both a start and an update;
- a quantity read in a condition, or in the value a clause writes, must be one the program
  reads there (a step naming the wrong quantity).
Quantities are matched by the words of their names, so a plan that names a variable in other
words is not judged on it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from groupbuild.text.plans.wording import Unsupported, name_phrase

_TOKEN = re.compile(r"[a-z]+|\d+|,")
_SPELLED = {"len": "length", "num": "number", "char": "character", "str": "string", "kept": "keep"}
_ARTICLES = frozenset({"the", "a", "an", "its", "no", "new", "empty", "with"})
_CONTAINERS = frozenset({"list", "set", "table", "of", "string", "pair", "marker"})
_SET_VERBS = frozenset(
    {
        "set",
        "start",
        "put",
        "make",
        "let",
        "take",
        "collect",
        "keep",
        "create",
        "begin",
        "reset",
        "initialize",
        "record",
        "build",
        "reduce",
        "replace",
        "multiply",
        "divide",
        "raise",
        "move",
        "advance",
        "drop",
        "increase",
        "decrease",
        "update",
        "sort",
        "reverse",
    }
)
_TO_VERBS = {
    "add": {"to"},
    "append": {"to"},
    "subtract": {"from"},
    "insert": {"into"},
    "remove": {"from"},
    "push": {"on", "onto"},
    "extend": {"with"},
    "store": {"as"},
    "use": {"as"},
    "sum": {"into"},
}
_MOVES = frozenset({"move", "advance", "reset", "increase", "decrease", "increment", "decrement"})
_UPDATES = frozenset(
    {
        "multiply",
        "divide",
        "raise",
        "increase",
        "decrease",
        "drop",
        "move",
        "advance",
        "reverse",
        "sort",
        "add",
        "append",
        "subtract",
        "insert",
        "remove",
        "push",
        "extend",
    }
)
_WRITE_WORDS = _SET_VERBS | frozenset(_TO_VERBS) - {"use", "sum"}
_ORDINALS = frozenset({"first", "last", "second", "next", "previous", "other"})
_VALUE_WORDS = frozenset({"to", "with", "by", "at"})
_ACTIONS = frozenset({"return", "stop", "skip", "make", "set", "add", "append", "store", "move"})
_MUTATORS = frozenset(
    {
        "append",
        "add",
        "extend",
        "insert",
        "remove",
        "pop",
        "update",
        "discard",
        "sort",
        "reverse",
        "clear",
        "setdefault",
    }
)


def _normal(token: str) -> str:
    return _SPELLED.get(token, token)


def tokens(step: str) -> list[str]:
    return [_normal(t) for t in _TOKEN.findall(step.lower())]


@dataclass(frozen=True)
class Clause:
    target: str
    reads: frozenset[str]
    step: int
    defines: bool = True
    """False for an update of a value that must already exist ("add 1 to the count")."""


@dataclass
class StepRead:
    mentions: list[tuple[int, str]]
    """(token position, variable) in order."""
    clauses: list[Clause]
    condition: frozenset[str] | None
    """Variables named in a leading "If/While ...," clause, None when there is none."""


def name_words(function: ast.FunctionDef) -> dict[str, tuple[str, ...]]:
    """Each variable's name as the word sequence a plan would use ("the running sum": running)."""
    comprehended = {
        n.id
        for c in ast.walk(function)
        if isinstance(c, ast.comprehension)
        for n in ast.walk(c.target)
        if isinstance(n, ast.Name)
    }
    stored = {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.For):
            stored |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    names = {a.arg for a in function.args.args} | stored - (comprehended - stored)
    found: dict[str, tuple[str, ...]] = {}
    for name in names:
        if name in {"a", "_"}:
            continue
        try:
            phrase = name_phrase(function, name)
        except Unsupported:
            continue
        seq = tuple(tokens(phrase))[1 if phrase.startswith("the ") else 0 :]
        if seq[-1:] == ("value",) and len(seq) > 1 and "val" not in name.lower():
            seq = seq[:-1]
        if seq and seq != (",",):
            found[name] = seq
    shared = [seq for seq in found.values() if list(found.values()).count(seq) > 1]
    return {name: seq for name, seq in found.items() if seq not in shared}


def _match(toks: list[str], i: int, seq: tuple[str, ...], plural: bool) -> bool:
    part = toks[i : i + len(seq)]
    if len(part) != len(seq):
        return False
    if not plural:
        return tuple(part) == seq
    return tuple(part[:-1]) == seq[:-1] and len(seq[-1]) > 2 and part[-1] == seq[-1] + "s"


def _mentions(toks: list[str], names: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """Longest exact match first, then a plural of a name ("characters" for `char`); a match
    right after another or after an ordinal names something else ("the first price")."""
    found: list[tuple[int, str]] = []
    ordered = sorted(names.items(), key=lambda kv: -len(kv[1]))
    i, last_end = 0, -1
    while i < len(toks):
        hit = next(((n, len(q)) for n, q in ordered if _match(toks, i, q, False)), None)
        if hit is None:
            plural = [(n, len(q)) for n, q in ordered if _match(toks, i, q, True)]
            hit = plural[0] if len(plural) == 1 else None
        if hit is None:
            i += 1
            continue
        if i != last_end and (i == 0 or toks[i - 1] not in _ORDINALS):
            found.append((i, hit[0]))
        last_end = i + hit[1]
        i = last_end
    return found


def _target_after(toks: list[str], j: int, at: dict[int, str], skip: frozenset[str]) -> int | None:
    """The first mention after `j`, past articles, container nouns and up to two modifiers."""
    while j < len(toks) and toks[j] in skip and j not in at:
        j += 1
    return next((p for p in range(j, min(j + 3, len(toks))) if p in at), None)


def _clause_end(toks: list[str], start: int) -> int:
    for j in range(start, len(toks)):
        if toks[j] == "," or (
            toks[j] in {"and", "then"} and j + 1 < len(toks) and toks[j + 1] in _ACTIONS
        ):
            return j
    return len(toks)


def _more_targets(
    toks: list[str],
    target: int,
    mentions: list[tuple[int, str]],
    names: dict[str, tuple[str, ...]],
    verb: str,
) -> list[int]:
    """Positions of further targets of one verb: "... and the running sum to 0"."""
    found: list[int] = []
    for p, n in mentions:
        j = p - 1
        while j > target and toks[j] in _ARTICLES:
            j -= 1
        if p <= target or toks[j] not in {"and", ","}:
            continue
        after = toks[p + len(names[n]) : p + len(names[n]) + 2]
        if {"to", "at"} & set(after) or verb in _MOVES:
            found.append(p)
    return found


def read_step(step: str, index: int, names: dict[str, tuple[str, ...]]) -> StepRead:
    toks = tokens(step)
    mentions = _mentions(toks, names)
    at = dict(mentions)
    clauses: list[Clause] = []
    for k, tok in enumerate(toks):
        target: int | None = None
        if tok in _SET_VERBS:
            target = _target_after(toks, k + 1, at, _ARTICLES | _CONTAINERS)
            if target is None and k == 0 and 0 in at:
                target = 0
            if target is None:
                end = _clause_end(toks, k + 1)
                j = next((j for j in range(k + 1, end) if toks[j] == "as"), None)
                target = None if j is None else _target_after(toks, j + 1, at, _ARTICLES)
        elif tok in _TO_VERBS:
            j = next((j for j in range(k + 1, len(toks)) if toks[j] in _TO_VERBS[tok]), None)
            if j is not None:
                skip = _ARTICLES | _CONTAINERS | {"item", "end"}
                target = _target_after(toks, j + 1, at, skip)
        if target is None:
            if tok in _SET_VERBS:
                more = _more_targets(toks, k, mentions, names, tok)
                defines = tok not in _UPDATES
                clauses.extend(Clause(at[p], frozenset(), index, defines) for p in more)
            continue
        more = _more_targets(toks, target, mentions, names, tok) if tok in _SET_VERBS else []
        end = min([_clause_end(toks, target + 1), *more])
        if tok in _TO_VERBS:
            reads = frozenset(n for p, n in mentions if k < p < target)
        else:
            value = next((j for j in range(target + 1, end) if toks[j] in _VALUE_WORDS), end)
            reads = frozenset(n for p, n in mentions if value < p < end)
        defines = tok not in _UPDATES
        clauses.append(Clause(at[target], reads, index, defines))
        clauses.extend(Clause(at[p], frozenset(), index, defines) for p in more)
    condition = None
    if toks and toks[0] in {"if", "while"} and "," in toks:
        cut = toks.index(",")
        condition = frozenset(n for p, n in mentions if p < cut)
    return StepRead(mentions, clauses, condition)


@dataclass(frozen=True)
class Facts:
    """What the program does with each variable, in source order."""

    params: frozenset[str]
    loop_targets: frozenset[str]
    defined_first: frozenset[str]
    """Locals whose first use is a plain assignment."""
    accumulators: frozenset[str]
    """Locals assigned outside every loop and written again inside one."""
    writes: dict[str, list[tuple[int, frozenset[str]]]]
    """For each written variable, the line and the variables read of each writing statement."""
    first_store: dict[str, int]
    """The line where each variable is first set (parameters: 0)."""
    tests: list[frozenset[str]]


def _names(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _written(stmt: ast.stmt) -> Iterator[str]:
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
            owner = func.value
            while isinstance(owner, ast.Subscript | ast.Attribute):
                owner = owner.value
            if isinstance(owner, ast.Name):
                yield owner.id
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                yield sub.id
            elif isinstance(sub, ast.Subscript | ast.Attribute) and isinstance(sub.value, ast.Name):
                yield sub.value.id


def program_facts(function: ast.FunctionDef) -> Facts:
    params = frozenset(a.arg for a in function.args.args)
    loop_targets: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.For | ast.comprehension):
            loop_targets |= _names(node.target)
    writes: dict[str, list[tuple[int, frozenset[str]]]] = {}
    outside: set[str] = set()
    inside: set[str] = set()
    tests: list[frozenset[str]] = []

    def visit(body: list[ast.stmt], in_loop: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If | ast.While):
                tests.append(_names(stmt.test))
            for name in set(_written(stmt)):
                value = stmt.value if isinstance(stmt, ast.Assign | ast.AugAssign) else stmt
                reads = _names(value) if value is not None else frozenset()
                if isinstance(stmt, ast.AugAssign):
                    reads |= {name}
                writes.setdefault(name, []).append((stmt.lineno, reads))
                (inside if in_loop else outside).add(name)
            loop = isinstance(stmt, ast.For | ast.While)
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    visit(inner, in_loop or loop)

    visit(function.body, False)
    first: dict[str, bool] = {}
    for node in sorted(
        (n for n in ast.walk(function) if isinstance(n, ast.Name)),
        key=lambda n: (n.lineno, n.col_offset),
    ):
        first.setdefault(node.id, isinstance(node.ctx, ast.Store))
    defined_first = frozenset(
        n for n, stored in first.items() if stored and n not in params and n not in loop_targets
    )
    accumulators = frozenset((outside & inside) - params - loop_targets)
    first_store = {p: 0 for p in params}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            first_store[node.id] = min(first_store.get(node.id, node.lineno), node.lineno)
    return Facts(
        params, frozenset(loop_targets), defined_first, accumulators, writes, first_store, tests
    )


def flow_flaws(steps: tuple[str, ...], function: ast.FunctionDef) -> dict[str, list[int]]:
    """Steps showing each flow flaw: `undefined` (a quantity named before any step sets it),
    `no_update` (an accumulator started but never updated, or updated but never started) and
    `misused` (a condition or a computed value naming a quantity the program does not read)."""
    names = name_words(function)
    facts = program_facts(function)
    reads = [read_step(step, i, names) for i, step in enumerate(steps)]
    found: dict[str, list[int]] = {"undefined": [], "no_update": [], "misused": []}
    for name in sorted(facts.defined_first & set(names)):
        steps_naming = [i for i, r in enumerate(reads) if any(n == name for _, n in r.mentions)]
        if not steps_naming:
            continue
        first = steps_naming[0]
        if steps[first].lower().startswith("return"):
            continue
        sets = [c for c in reads[first].clauses if c.target == name and c.defines]
        if not sets or any(name in c.reads for c in sets):
            found["undefined"].append(first)
    for name in sorted(facts.accumulators & set(names)):
        written = [c.step for r in reads for c in r.clauses if c.target == name]
        named = [i for i, r in enumerate(reads) if any(n == name for _, n in r.mentions)]
        later = [i for i in named if written and i > written[0]]
        if later and not any(i in written or _WRITE_WORDS & set(tokens(steps[i])) for i in later):
            found["no_update"].append(later[0])
    for index, r in enumerate(reads):
        if (
            r.condition
            and not any(r.condition <= t for t in facts.tests)
            and any(r.condition & t for t in facts.tests)
        ):
            found["misused"].append(index)
            continue
        for clause in r.clauses:
            options = facts.writes.get(clause.target, [])
            last = max((line for line, _ in options), default=0)
            known = {n for n in clause.reads if facts.first_store.get(n, last + 1) <= last}
            if known and options and not any(known <= o | {clause.target} for _, o in options):
                found["misused"].append(index)
                break
    return found
