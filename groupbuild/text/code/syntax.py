"""Facts read off Python syntax trees, shared by the code kinds and the code judge."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Any


def call_arguments(tests: Sequence[str], entry_point: str) -> list[tuple[Any, ...]]:
    """Literal argument tuples of the calls to `entry_point` in assert tests."""
    found: list[tuple[Any, ...]] = []
    for test in tests:
        try:
            tree = ast.parse(test)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == entry_point
                and not node.keywords
            ):
                try:
                    found.append(tuple(ast.literal_eval(arg) for arg in node.args))
                except ValueError:
                    continue
    return found


def loops(node: ast.AST) -> Iterator[ast.For | ast.While]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.For | ast.While):
            yield sub


def data_loop(loop: ast.For | ast.While) -> bool:
    """A loop whose length depends on the input, not a fixed `range(3)` or literal."""
    if isinstance(loop, ast.While):
        return True
    iterable = loop.iter
    if isinstance(iterable, ast.List | ast.Tuple | ast.Constant):
        return False
    if isinstance(iterable, ast.Call) and getattr(iterable.func, "id", "") == "range":
        return not all(isinstance(a, ast.Constant) for a in iterable.args)
    return True


def nested_data_loop(function: ast.FunctionDef) -> bool:
    """Some input-sized loop runs inside another: the work is not a single pass."""
    return any(
        inner is not outer and data_loop(inner) and data_loop(outer)
        for outer in loops(function)
        for stmt in outer.body
        for inner in loops(stmt)
    )


def is_parity_test(node: ast.Compare) -> bool:
    """`x % 2 == k` or `x % 2 != k`."""
    left = node.left
    return (
        isinstance(left, ast.BinOp)
        and isinstance(left.op, ast.Mod)
        and isinstance(left.right, ast.Constant)
        and left.right.value == 2
    )


def is_plus_one(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add)
        and isinstance(node.right, ast.Constant)
        and node.right.value == 1
    )


def is_guard(stmt: ast.stmt) -> bool:
    """`if cond: return value` with no else: an early exit for a special input."""
    return (
        isinstance(stmt, ast.If)
        and not stmt.orelse
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], ast.Return)
    )
