"""HumanEval-style test harnesses read as the plain asserts they hold.

A HumanEval `test` field is a module: `METADATA = {...}`, then `def check(candidate):` with one
assert per case, often a docstring or imports, and usually a closing `assert True` (HumanEval's
idiom for "reached the end"). Read as `assert entry(...) == ...` lines, such a harness works like
MBPP's asserts everywhere a seed's tests are used: the oracle, twin runs, fuzz input shapes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class HarnessProblem:
    """Why a harness cannot be read as plain asserts: a short reason and the statement."""

    reason: str
    detail: str = ""


def check_asserts(source: str, entry: str) -> list[str] | HarnessProblem:
    """The asserts of every `check(candidate)` in `source`, with the parameter read as `entry`.

    Docstrings, imports, `pass` and `assert True` in `check` test nothing and are skipped, as is
    module-level code beside it (`METADATA`); any other statement (a loop, a helper call) makes
    the harness not plain, and the caller keeps it whole.
    """
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        return HarnessProblem("assert_syntax_error", str(exc))
    asserts: list[str] = []
    for node in module.body:
        if not isinstance(node, ast.FunctionDef) or node.name != "check":
            continue
        parameter = node.args.args[0].arg if node.args.args else "candidate"
        for stmt in node.body:
            if is_filler(stmt):
                continue
            if not isinstance(stmt, ast.Assert):
                return HarnessProblem("check_not_only_asserts", ast.unparse(stmt)[:200])
            asserts.append(_renamed(ast.Assert(test=stmt.test), parameter, entry))
    return asserts or HarnessProblem("no_asserts_in_check")


def is_filler(stmt: ast.stmt) -> bool:
    """A statement of a `check` that tests nothing."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
        return True
    return (
        isinstance(stmt, ast.Assert)
        and isinstance(stmt.test, ast.Constant)
        and stmt.test.value is True
    )


def _renamed(node: ast.Assert, old: str, new: str) -> str:
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id == old:
            child.id = new
    return ast.unparse(ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[])))
