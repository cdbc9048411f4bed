"""Program twins: the reference program mutated the way a perturbation edits the plan.

A plan step is linked to program lines; each mutation here touches only nodes on those lines and
returns None when the lines hold no unambiguous site, so a plan edit without a program twin is
never produced. The twin is evidence for the validator, never shown in a trace.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from groupbuild.kinds.evidence import TwinEdit
from groupbuild.text.code.syntax import is_guard, is_plus_one

STRICT_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
}
DIRECTION_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.Lt,
    ast.Lt: ast.Gt,
    ast.GtE: ast.LtE,
    ast.LtE: ast.GtE,
}
TRUTH_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_CASE_CALLS = frozenset({"lower", "upper", "casefold"})
_MUTATORS = frozenset({"append", "add", "pop", "extend", "insert", "remove", "sort", "update"})


@dataclass(frozen=True)
class Twin:
    program: str
    lines: tuple[int, ...]
    """Reference program lines (1-based) whose code the mutation changed."""
    mutation: str

    def evidence(self, step: int, before: str | None, after: str | None) -> TwinEdit:
        """What an edit records for its proof: the twin and the plan step it mirrors."""
        return TwinEdit(
            twin_program=self.program,
            twin_lines=self.lines,
            mutation=self.mutation,
            plan_step=step,
            before=before,
            after=after,
        )


def _on(node: ast.AST, lines: Collection[int]) -> bool:
    return getattr(node, "lineno", None) in lines


def _finish(tree: ast.Module, reference: str, lines: Iterable[int], mutation: str) -> Twin | None:
    program = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    if ast.dump(ast.parse(program)) == ast.dump(ast.parse(reference)):
        return None
    return Twin(program=program, lines=tuple(sorted(set(lines))), mutation=mutation)


def identifier_words(node: ast.AST) -> set[str]:
    """Words of the names in `node` (`running_sum` gives running, sum)."""
    words: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            words.update(w for w in sub.id.lower().split("_") if w)
    return words


def mutate_compare(
    reference: str,
    lines: Collection[int],
    ops: Collection[type[ast.cmpop]],
    flip: dict[type[ast.cmpop], type[ast.cmpop]],
    *,
    near: Collection[str] = (),
    only: Callable[[ast.Compare], bool] | None = None,
) -> Twin | None:
    """Replace the one comparison operator in `ops` on `lines` by its `flip`.

    When several qualify, `near` (words of the plan phrase's object) picks the comparison whose
    operands name them; still ambiguous means no twin.
    """
    tree = ast.parse(reference)
    sites = [
        (node, i)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and _on(node, lines) and (only is None or only(node))
        for i, op in enumerate(node.ops)
        if type(op) in ops
    ]
    if len(sites) > 1 and near:
        sites = [(n, i) for n, i in sites if identifier_words(n) & set(near)]
    if len(sites) != 1:
        return None
    node, i = sites[0]
    old = type(node.ops[i])
    node.ops[i] = flip[old]()
    return _finish(tree, reference, [node.lineno], f"{old.__name__} -> {flip[old].__name__}")


def _range_calls(tree: ast.AST, lines: Collection[int]) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and _on(node, lines)
        and 1 <= len(node.args) <= 2
    ]


def shift_range_stop(reference: str, lines: Collection[int], *, inclusive: bool) -> Twin | None:
    """Make the one `range` on `lines` stop one earlier (`inclusive` now) or one later."""
    tree = ast.parse(reference)
    calls = _range_calls(tree, lines)
    if len(calls) != 1:
        return None
    call = calls[0]
    stop = call.args[-1]
    if inclusive != is_plus_one(stop):
        return None
    if inclusive:
        assert isinstance(stop, ast.BinOp)
        call.args[-1] = stop.left
        change = "range stop n + 1 -> n"
    else:
        call.args[-1] = ast.BinOp(left=stop, op=ast.Add(), right=ast.Constant(1))
        change = "range stop n -> n + 1"
    return _finish(tree, reference, [call.lineno], change)


def drop_plus_one(reference: str, lines: Collection[int]) -> Twin | None:
    """Replace the one `x + 1` on `lines` (outside `range`) by `x`: a 1-based value read 0-based."""
    tree = ast.parse(reference)
    found: list[tuple[ast.AST, str, int | None, ast.BinOp]] = []
    for parent in ast.walk(tree):
        if isinstance(parent, ast.Call) and getattr(parent.func, "id", None) == "range":
            continue
        for name, field in ast.iter_fields(parent):
            items = enumerate(field) if isinstance(field, list) else [(None, field)]
            found.extend(
                (parent, name, i, value)
                for i, value in items
                if is_plus_one(value) and _on(value, lines)
            )
    if len(found) != 1:
        return None
    parent, name, i, value = found[0]
    if i is None:
        setattr(parent, name, value.left)
    else:
        getattr(parent, name)[i] = value.left
    return _finish(tree, reference, [value.lineno], "x + 1 -> x")


def drop_case_folding(reference: str, lines: Collection[int]) -> Twin | None:
    """Remove every `.lower()`-like call on `lines`: the text is no longer compared caselessly."""
    tree = ast.parse(reference)
    touched: list[int] = []

    class Strip(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _CASE_CALLS
                and not node.args
                and _on(node, lines)
            ):
                touched.append(node.lineno)
                return func.value
            return node

    tree = Strip().visit(tree)
    if not touched:
        return None
    return _finish(tree, reference, touched, "case folding removed")


def toggle_sort_order(reference: str, lines: Collection[int]) -> Twin | None:
    """Flip `reverse=` of the one `sorted(...)` or `.sort(...)` on `lines`."""
    tree = ast.parse(reference)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _on(node, lines)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "sorted")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "sort")
        )
    ]
    if len(calls) != 1:
        return None
    call = calls[0]
    current = next((k for k in call.keywords if k.arg == "reverse"), None)
    if current is None:
        call.keywords.append(ast.keyword(arg="reverse", value=ast.Constant(True)))
        change = "sort ascending -> descending"
    elif isinstance(current.value, ast.Constant) and current.value.value is True:
        call.keywords.remove(current)
        change = "sort descending -> ascending"
    else:
        return None
    return _finish(tree, reference, [call.lineno], change)


def _bodies(tree: ast.AST) -> Iterable[tuple[ast.AST, str, list[ast.stmt]]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield node, name, body


def _span(stmt: ast.stmt) -> set[int]:
    return set(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))


def covered_statements(
    tree: ast.AST, lines: Collection[int], source: str
) -> list[tuple[ast.AST, str, int]] | None:
    """The maximal statements lying wholly on `lines`, as (owner, body name, index).

    None when some linked line is only part of a statement (e.g. a loop header whose body is
    described elsewhere): deleting or moving such a step has no faithful program twin.
    """
    wanted = set(lines)
    found: list[tuple[ast.AST, str, int]] = []
    covered: set[int] = set()
    for owner, name, body in _bodies(tree):
        for index, stmt in enumerate(body):
            span = _span(stmt)
            if span <= wanted and not span <= covered:
                found.append((owner, name, index))
                covered |= span
    text = source.splitlines()
    rest = {n for n in wanted - covered if text[n - 1].strip() not in {"else:", "try:"}}
    return found if found and not rest else None


def delete_statements(reference: str, lines: Collection[int]) -> Twin | None:
    """Delete the statements on `lines` (an emptied block gets `pass`)."""
    tree = ast.parse(reference)
    sites = covered_statements(tree, lines, reference)
    if sites is None:
        return None
    for owner, name, index in sorted(sites, key=lambda s: -s[2]):
        body = getattr(owner, name)
        del body[index]
        if not body and name == "body":
            body.append(ast.Pass())
    return _finish(tree, reference, lines, "statements deleted")


def entry_function(tree: ast.Module, entry_point: str | None) -> ast.FunctionDef | None:
    """The function the tests call (`entry_point`), else the only or first one defined."""
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    called = [n for n in functions if n.name == entry_point]
    return next(iter(called or functions), None)


def function_at(tree: ast.Module, lines: Collection[int]) -> ast.FunctionDef | None:
    """The top-level function holding `lines`: imports or a helper may come before it."""
    first = min(lines, default=0)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.lineno <= first <= (node.end_lineno or 0):
            return node
    return None


def delete_guard(reference: str, lines: Collection[int]) -> Twin | None:
    """Delete the top-level `if ...: return ...` guard lying on `lines`."""
    tree = ast.parse(reference)
    function = function_at(tree, lines)
    if function is None:
        return None
    guards = [s for s in function.body if is_guard(s) and _span(s) <= set(lines)]
    if len(guards) != 1 or len(function.body) < 2:
        return None
    function.body.remove(guards[0])
    return _finish(tree, reference, _span(guards[0]), "guard deleted")


def _written(stmts: Iterable[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                names |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _MUTATORS
                and isinstance(node.func.value, ast.Name)
            ):
                names.add(node.func.value.id)
    return names


def _read(stmts: Iterable[ast.stmt]) -> set[str]:
    """Names the statements read; `total *= x` reads `total` before it writes it."""
    return {
        node.id
        for stmt in stmts
        for node in ast.walk(stmt)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    } | {
        node.target.id
        for stmt in stmts
        for node in ast.walk(stmt)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
    }


def swap_statements(reference: str, first: Collection[int], second: Collection[int]) -> Twin | None:
    """Swap two adjacent, dependent statement groups of one block (update before use).

    `first` must come directly before `second` in the same block, and one must write a name the
    other reads; otherwise the swap is no order error.
    """
    tree = ast.parse(reference)
    a = covered_statements(tree, first, reference)
    b = covered_statements(tree, second, reference)
    if not a or not b:
        return None
    owners = {(id(owner), name) for owner, name, _ in a + b}
    if len(owners) != 1:
        return None
    owner, name = a[0][0], a[0][1]
    body: list[ast.stmt] = getattr(owner, name)
    ia = sorted(i for _, _, i in a)
    ib = sorted(i for _, _, i in b)
    if ia != list(range(ia[0], ia[-1] + 1)) or ib != list(range(ia[-1] + 1, ia[-1] + 1 + len(ib))):
        return None
    block_a, block_b = body[ia[0] : ia[-1] + 1], body[ib[0] : ib[-1] + 1]
    if any(isinstance(s, ast.Return) or is_guard(s) for s in block_a + block_b):
        return None
    if not (_written(block_a) & _read(block_b) or _written(block_b) & _read(block_a)):
        return None
    body[ia[0] : ib[-1] + 1] = [copy.deepcopy(s) for s in block_b + block_a]
    return _finish(tree, reference, set(first) | set(second), "statements swapped")
