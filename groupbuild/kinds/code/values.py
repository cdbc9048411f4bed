"""Rule perturbations of code plans that get a constant or operator wrong (C4), the site
machinery they share with C5 (`kinds.code.variables`), and the C4/C5 type detector.

Each rule edits one phrase of one plan step and mutates the reference program on the lines that
step describes in the same way, so the proof can show the harm by running the twin. A site
without exactly one matching program node is skipped: no plan edit without a faithful twin.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from groupbuild.kinds.code import twins as pt
from groupbuild.kinds.code.harm import twin_kind, unimplemented
from groupbuild.kinds.code.model_twins import twin_offer
from groupbuild.kinds.code.plan_edits import Rewrite
from groupbuild.kinds.evidence import TwinEdit
from groupbuild.kinds.registry import Edit, ProofCase, ProofFn, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Trace
from groupbuild.text.cues import new_cue_words
from groupbuild.text.plans.links import plan_links

_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WORD_OF = {value: word for word, value in _NUMBER_WORDS.items()} | {7: "seven"}
_NEXT_WORDS = 4
_DIGIT = re.compile(r"(?<![\w.,-])(\d{1,2})(?![\w.,]\w)")
_NUMBER_WORD = re.compile(r"\b(two|three|four|five|six)\b", re.IGNORECASE)


def finish(
    tree: ast.Module, reference: str, lines: Collection[int], mutation: str
) -> pt.Twin | None:
    """The mutated program as a twin, or None when it parses to the reference (a no-op)."""
    program = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    if ast.dump(ast.parse(program)) == ast.dump(ast.parse(reference)):
        return None
    return pt.Twin(program=program, lines=tuple(sorted(set(lines))), mutation=mutation)


def on_lines(node: ast.AST, lines: Collection[int]) -> bool:
    """Whether `node` starts on one of `lines` (the program lines a plan step describes)."""
    return getattr(node, "lineno", None) in lines


def _bound_constants(tree: ast.AST) -> set[int]:
    """Constants that are a comparison operand or a `range` argument: bounds, the domain of C1."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            found |= {id(n) for n in [node.left, *node.comparators] if isinstance(n, ast.Constant)}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
            found |= {id(n) for arg in node.args for n in ast.walk(arg)}
    return found


def _int_constants(tree: ast.AST, lines: Collection[int], value: int) -> list[ast.Constant]:
    """Integer constants equal to `value` on `lines`, in source order."""
    nodes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and type(node.value) is int
        and node.value == value
        and on_lines(node, lines)
    ]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def shift_constant(
    reference: str, lines: Collection[int], old: int, new: int, nth: int = 0, said: int = 1
) -> pt.Twin | None:
    """Replace the `nth` of the integer constants `old` on `lines` by `new`.

    The step says the number `said` times; the program must hold it as often, so the plan's
    mentions and the constants pair up in order. A bound (comparison operand, `range`
    argument) is left to the off-by-one rules.
    """
    tree = ast.parse(reference)
    nodes = _int_constants(tree, lines, old)
    if len(nodes) != said:
        return None
    node = nodes[nth]
    if id(node) in _bound_constants(tree):
        return None
    node.value = new
    return finish(tree, reference, [node.lineno], f"constant {old} -> {new}")


def _following_words(match: re.Match[str]) -> set[str]:
    return set(re.findall(r"[a-z]+", match.string[match.end() :].lower())[:_NEXT_WORDS])


def swap_binop(
    reference: str,
    lines: Collection[int],
    old: type[ast.operator],
    new: type[ast.operator],
    near: Collection[str] = (),
) -> pt.Twin | None:
    """Replace the operator of the one `old` binary operation on `lines` by `new`.

    Several candidates are narrowed to the one whose right operand names a word in `near` (the
    words right after the plan's operator word).
    """
    tree = ast.parse(reference)
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, old)]
    nodes = [n for n in nodes if on_lines(n, lines)]
    if len(nodes) > 1 and near:
        nodes = [n for n in nodes if pt.identifier_words(n.right) & set(near)]
    if len(nodes) != 1:
        return None
    nodes[0].op = new()
    return finish(tree, reference, [nodes[0].lineno], f"{old.__name__} -> {new.__name__}")


def swap_augassign(
    reference: str,
    lines: Collection[int],
    old: type[ast.operator],
    new: type[ast.operator],
) -> pt.Twin | None:
    """Turn the one `x old= v` on `lines` into `x new= v` when `v` holds no + or - of its own
    (`w += a - b` read as "subtract a" would no longer match its plan sentence)."""
    tree = ast.parse(reference)
    nodes = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.AugAssign) and isinstance(n.op, old) and on_lines(n, lines)
    ]
    if len(nodes) != 1:
        return None
    node = nodes[0]
    inner = [s for s in ast.walk(node.value) if isinstance(s, ast.BinOp)]
    if any(isinstance(s.op, ast.Add | ast.Sub) for s in inner):
        return None
    node.op = new()
    return finish(tree, reference, [node.lineno], f"{old.__name__}= -> {new.__name__}=")


def _digit_twin(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
    old = int(match.group(1))
    said = [m.start() for m in _DIGIT.finditer(match.string) if int(m.group(1)) == old]
    return shift_constant(program, lines, old, old + 1, said.index(match.start()), len(said))


def _word_twin(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
    old = _NUMBER_WORDS[match.group(1).lower()]
    said = [m.start() for m in _NUMBER_WORD.finditer(match.string) if m.group(1) == match.group(1)]
    return shift_constant(program, lines, old, old + 1, said.index(match.start()), len(said))


def _next_word(match: re.Match[str]) -> str:
    word = match.group(1)
    new = _WORD_OF[_NUMBER_WORDS[word.lower()] + 1]
    return new.capitalize() if word[0].isupper() else new


def _binop(old: type[ast.operator], new: type[ast.operator]) -> Callable[..., pt.Twin | None]:
    def build(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
        return swap_binop(program, lines, old, new, near=_following_words(match))

    return build


def _augassign(old: type[ast.operator], new: type[ast.operator]) -> Callable[..., pt.Twin | None]:
    def build(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
        return swap_augassign(program, lines, old, new)

    return build


def _twice(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
    tree = ast.parse(program)
    nodes = [
        c
        for n in ast.walk(tree)
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult) and on_lines(n, lines)
        for c in (n.left, n.right)
        if isinstance(c, ast.Constant) and c.value == 2
    ]
    if len(nodes) != 1:
        return None
    nodes[0].value = 3
    return finish(tree, program, [nodes[0].lineno], "factor 2 -> 3")


def _drop_digits(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
    tree = ast.parse(program)
    divisors = [
        n.value if isinstance(n, ast.AugAssign) else n.right
        for n in ast.walk(tree)
        if isinstance(n, ast.AugAssign | ast.BinOp)
        and isinstance(n.op, ast.FloorDiv)
        and on_lines(n, lines)
    ]
    nodes = [n for n in divisors if isinstance(n, ast.Constant) and n.value == 10]
    if len(nodes) != 1:
        return None
    nodes[0].value = 100
    return finish(tree, program, [nodes[0].lineno], "divisor 10 -> 100")


def _subtract(match: re.Match[str]) -> str:
    verb = "Subtract" if match.group(1) == "A" else "subtract"
    return f"{verb} {match.group(2)} from {match.group(3)}"


def _fixed(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def _rw(pattern: str, replacement: Callable[[re.Match[str]], str], twin: Any) -> Rewrite:
    return Rewrite(re.compile(pattern), replacement, twin)


ARITHMETIC_REWRITES = (
    Rewrite(_DIGIT, lambda m: str(int(m.group(1)) + 1), _digit_twin),
    Rewrite(_NUMBER_WORD, _next_word, _word_twin),
    _rw(r"\bplus\b", _fixed("minus"), _binop(ast.Add, ast.Sub)),
    _rw(r"\bminus\b(?! \d)", _fixed("plus"), _binop(ast.Sub, ast.Add)),
    _rw(
        r"\b(A|a)dd (?!up\b)((?:\w+ ){0,4}?\w+) to (the|its)\b",
        _subtract,
        _augassign(ast.Add, ast.Sub),
    ),
    _rw(
        r"\bMultiply (the|its)\b",
        lambda m: f"Increase {m.group(1)}",
        _augassign(ast.Mult, ast.Add),
    ),
    _rw(r"\btwice\b", _fixed("three times"), _twice),
    _rw(r"\bthe remainder of\b", _fixed("the quotient of"), _binop(ast.Mod, ast.FloorDiv)),
    _rw(
        r"\b([Dd]rop) (?:the last|that) digit\b",
        lambda m: f"{m.group(1)} the last two digits",
        _drop_digits,
    ),
)


@dataclass(frozen=True)
class Site:
    """A place to edit: the index of a plan step, its new text, and the matching twin program."""

    step: int
    text: str
    twin: pt.Twin


def _rewrite_sites(seed: Seed, reference: Trace, rewrites: tuple[Rewrite, ...]) -> list[Site]:
    links = plan_links(seed)
    if links is None or not seed.solution:
        return []
    sites: list[Site] = []
    for index, step in enumerate(reference.steps):
        for rewrite in rewrites:
            for match in rewrite.pattern.finditer(step):
                twin = rewrite.twin(seed.solution, links[index], match)
                if twin is None:
                    continue
                new = step[: match.start()] + rewrite.replacement(match) + step[match.end() :]
                sites.append(Site(index, new, twin))
    return sites


def edit_from(reference: Trace, site: Site) -> Edit:
    """The reference with one step replaced, and the evidence its proof runs."""
    steps = list(reference.steps)
    steps[site.step] = site.text
    return Edit(
        trace=Trace(steps=tuple(steps)),
        declared_span=(site.step,),
        evidence=site.twin.evidence(site.step, reference.steps[site.step], site.text),
    )


def choose(reference: Trace, sites: list[Site], rng: random.Random) -> Edit | None:
    """The edit at a site drawn by `rng` among those adding no cue words; None if none do."""
    fair = [s for s in sites if not new_cue_words(reference, Trace(steps=(s.text,)))]
    return edit_from(reference, rng.choice(fair)) if fair else None


def arithmetic_error(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """A wrong constant or operator in one computation step: 0 for 1, plus for minus, a
    remainder read as a quotient, multiply read as increase (C4)."""
    return choose(reference, _rewrite_sites(seed, reference, ARITHMETIC_REWRITES), rng)


def node_changes(reference: str, twin: str) -> list[tuple[str, str]] | None:
    """The (before, after) of every node that differs between two programs of the same shape;
    None when their shapes differ (a statement added, removed or rebuilt)."""
    a, b = list(ast.walk(ast.parse(reference))), list(ast.walk(ast.parse(twin)))
    if len(a) != len(b):
        return None
    changes: list[tuple[str, str]] = []
    for x, y in zip(a, b, strict=True):
        if type(x) is not type(y):
            if not (isinstance(x, ast.operator) and isinstance(y, ast.operator)):
                return None
            changes.append((type(x).__name__, type(y).__name__))
        elif isinstance(x, ast.Constant) and x.value != getattr(y, "value", None):
            changes.append((repr(x.value), repr(getattr(y, "value", None))))
        elif isinstance(x, ast.Name) and x.id != getattr(y, "id", None):
            changes.append((x.id, getattr(y, "id", "")))
    return changes


_OPERATOR_NAMES = frozenset(
    cls.__name__ for cls in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
)


def one_node_change(kind: Kind) -> ProofFn:
    """The C4/C5 shape: the twin differs from the reference in exactly one node, an operator or
    integer constant (C4) or a variable name (C5). The harm itself is the twin proof's part."""

    def shape(case: ProofCase) -> str | None:
        assert isinstance(case.evidence, TwinEdit)
        if not case.seed.solution:
            return "no_reference_program"
        changes = node_changes(case.seed.solution, case.evidence.twin_program)
        if changes is None or len(changes) != 1:
            return "not_one_node"
        before, after = changes[0]
        is_name = before.isidentifier() and after.isidentifier()
        operator_like = not is_name or before in _OPERATOR_NAMES
        if kind is Kind.VARIABLE_MISUSE and operator_like:
            return "not_a_variable_swap"
        if kind is Kind.ARITHMETIC_ERROR and not operator_like:
            return "not_an_arithmetic_change"
        return None

    return shape


register(
    twin_kind(
        Kind.ARITHMETIC_ERROR,
        "C4",
        arithmetic_error,
        shape=one_node_change(Kind.ARITHMETIC_ERROR),
        llm=twin_offer("perturb/code/arithmetic_error.j2"),
    )
)
register(unimplemented(Kind.WRONG_API, "C11"))
register(unimplemented(Kind.PRECISION_ERROR, "C12"))
