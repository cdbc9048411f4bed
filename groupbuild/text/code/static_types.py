"""Coarse static types of a function's variables, enough to swap one variable for another of
the same kind (an `int` count for an `int` total, never a list for a number).

Parameter types come from the literal arguments of the seed's tests; locals from what every
assignment to them yields. Anything unsure stays unknown and is never swapped.
"""

from __future__ import annotations

import ast
from typing import Any

from groupbuild.schema import Seed
from groupbuild.text.code.syntax import call_arguments


def _value_type(value: Any) -> str:
    if isinstance(value, list | tuple) and value:
        inner = {_value_type(v) for v in value}
        return f"{type(value).__name__}[{inner.pop()}]" if len(inner) == 1 else type(value).__name__
    return type(value).__name__


def argument_types(seed: Seed, function: ast.FunctionDef) -> dict[str, str]:
    """Parameter types read off the tests' literal call arguments, when every call agrees."""
    calls = call_arguments(seed.tests, seed.entry_point or function.name)
    params = [a.arg for a in function.args.args]
    found: dict[str, str] = {}
    for position, name in enumerate(params):
        seen = {_value_type(args[position]) for args in calls if len(args) == len(params)}
        seen = {t for t in seen if t not in {"list", "tuple"}} or seen
        if len(seen) == 1:
            found[name] = seen.pop()
    return found


_STRING_METHODS = frozenset({"lower", "upper", "strip", "join"})
_CALL_TYPES = {"len": "int", "abs": "int", "sum": "int", "int": "int", "str": "str", "set": "set"}


def _element(kind: str | None) -> str | None:
    if kind == "str":
        return "str"
    if kind and "[" in kind:
        return kind[kind.index("[") + 1 : -1]
    return None


def expression_type(node: ast.AST, known: dict[str, str]) -> str | None:
    """A coarse static type (`int`, `str`, `list[int]`, ...) or None when unsure."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        return type(node.value).__name__
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.List | ast.ListComp):
        return "list"
    if isinstance(node, ast.Set):
        return "set"
    if isinstance(node, ast.Dict):
        return "dict"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in _CALL_TYPES:
            return _CALL_TYPES[node.func.id]
        if node.func.id in {"sorted", "list"} and node.args:
            return expression_type(node.args[0], known) if node.func.id == "list" else "list"
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in _STRING_METHODS:
        return "str"
    if isinstance(node, ast.Subscript):
        outer = expression_type(node.value, known)
        return outer if isinstance(node.slice, ast.Slice) else _element(outer)
    if isinstance(node, ast.BinOp):
        left, right = expression_type(node.left, known), expression_type(node.right, known)
        if left == right == "int" and not isinstance(node.op, ast.Div):
            return "int"
        if left == right and left is not None and isinstance(node.op, ast.Add):
            return left
    return None


def variable_types(seed: Seed, function: ast.FunctionDef) -> dict[str, str]:
    """Types of the function's parameters and locals, where every assignment agrees."""
    params = argument_types(seed, function)
    known = dict(params)
    for _ in range(3):
        votes: dict[str, set[str | None]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                pairs = [(node.targets[0], expression_type(node.value, known))]
            elif isinstance(node, ast.AugAssign):
                pairs = [(node.target, expression_type(node.value, known))]
            elif isinstance(node, ast.For):
                pairs = [(node.target, _loop_type(node.iter, known))]
            else:
                continue
            for target, kind in pairs:
                if isinstance(target, ast.Name):
                    votes.setdefault(target.id, set()).add(kind)
        for name, kinds in votes.items():
            if name in params:
                continue
            concrete = {k for k in kinds if k is not None}
            if len(concrete) == 1 and (None not in kinds or name not in known):
                known[name] = concrete.pop()
    return known


def _loop_type(node: ast.AST, known: dict[str, str]) -> str | None:
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
        return "int"
    return _element(expression_type(node, known))
