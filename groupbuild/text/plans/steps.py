"""Statements of one function turned into plan steps, each linked to its program lines."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from groupbuild.text.plans.vocabulary import AUGMENTED, MUTATIONS, NO_ARGUMENT, NUMBERS
from groupbuild.text.plans.wording import Unsupported, Writer, sorted_reverse

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Break, ast.Continue)


@dataclass(frozen=True)
class Step:
    text: str
    lines: tuple[int, ...]


def _count(n: int) -> str:
    return "the next step" if n == 1 else f"the next {NUMBERS[n]} steps"


def _span(node: ast.stmt) -> tuple[int, ...]:
    start = node.lineno
    return tuple(range(start, (node.end_lineno or start) + 1))


class Planner(Writer):
    """Statements to steps: trivial statements grouped, one step per meaningful action."""

    def block(self, body: list[ast.stmt]) -> list[Step]:
        body = [s for s in body if not _is_docstring(s) and not isinstance(s, ast.Pass)]
        steps: list[Step] = []
        i = 0
        while i < len(body):
            group = self._trivial_run(body, i)
            if len(group) > 1:
                parts = [self.action(s).removeprefix("set ") for s in group]
                text = "Set " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."
                steps.append(Step(text, tuple(n for s in group for n in _span(s))))
                i += len(group)
                continue
            stmt = body[i]
            if isinstance(stmt, _SIMPLE):
                steps.append(Step(_sentence(self.action(stmt)), _span(stmt)))
            elif isinstance(stmt, ast.If):
                steps.extend(self.branch(stmt))
            elif isinstance(stmt, ast.For | ast.While):
                steps.extend(self.loop(stmt))
            else:
                raise Unsupported(f"statement_{type(stmt).__name__.lower()}")
            i += 1
        return steps

    def _trivial_run(self, body: list[ast.stmt], start: int) -> list[ast.stmt]:
        run: list[ast.stmt] = []
        for stmt in body[start : start + 3]:
            if not _is_trivial_assign(stmt):
                break
            run.append(stmt)
        return run

    def action(self, stmt: ast.stmt) -> str:
        if isinstance(stmt, ast.Return):
            return "return None" if stmt.value is None else f"return {self.expr(stmt.value)}"
        if isinstance(stmt, ast.Break):
            return "stop the loop"
        if isinstance(stmt, ast.Continue):
            return "skip to the next round of the loop"
        if isinstance(stmt, ast.AugAssign):
            if type(stmt.op) not in AUGMENTED:
                raise Unsupported("augmented_operator")
            return AUGMENTED[type(stmt.op)].format(
                t=self.expr(stmt.target, True), v=self.expr(stmt.value, True)
            )
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            return f"set {self.expr(stmt.target, True)} to {self.expr(stmt.value)}"
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return self.assignment(stmt.targets[0], stmt.value)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return self.mutation(stmt.value)
        raise Unsupported(f"statement_{type(stmt).__name__.lower()}")

    def assignment(self, target: ast.expr, value: ast.expr) -> str:
        if isinstance(target, ast.Tuple):
            if not isinstance(value, ast.Tuple) or len(value.elts) != len(target.elts):
                raise Unsupported("unpacking")
            pairs = [
                f"{self.expr(t, True)} to {self.expr(v, True)}"
                for t, v in zip(target.elts, value.elts, strict=True)
            ]
            return "set " + " and ".join(pairs) + " at the same time"
        if not isinstance(target, ast.Name | ast.Subscript):
            raise Unsupported("assignment_target")
        return f"set {self.expr(target, True)} to {self.expr(value)}"

    def mutation(self, call: ast.Call) -> str:
        func = call.func
        if not isinstance(func, ast.Attribute) or call.keywords:
            if isinstance(func, ast.Attribute) and func.attr == "sort" and sorted_reverse(call):
                return f"sort {self.expr(func.value, True)} in descending order"
            raise Unsupported("call_statement")
        owner = self.expr(func.value, True)
        if func.attr in MUTATIONS and len(call.args) == 1:
            return MUTATIONS[func.attr].format(a=self.expr(call.args[0], True), o=owner)
        if func.attr in NO_ARGUMENT and not call.args:
            return NO_ARGUMENT[func.attr].format(o=owner)
        if func.attr == "insert" and len(call.args) == 2:
            where, what = (self.expr(a, True) for a in call.args)
            return f"insert {what} into {owner} at position {where}"
        raise Unsupported("call_statement")

    def _simple_body(self, body: list[ast.stmt]) -> str | None:
        """The actions of a body short enough to share its header's sentence."""
        body = [s for s in body if not isinstance(s, ast.Pass)]
        if not body or len(body) > 2 or not all(isinstance(s, _SIMPLE) for s in body):
            return None
        return " and ".join(self.action(s) for s in body)

    def branch(self, node: ast.If, prefix: str = "If") -> list[Step]:
        condition = self.expr(node.test)
        head = tuple(range(node.lineno, (node.test.end_lineno or node.lineno) + 1))
        steps = self._headed(f"{prefix} {condition}", "do", head, node.body)
        if not node.orelse:
            return steps
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            return steps + self.branch(node.orelse[0], "Otherwise, if")
        last = node.body[-1].end_lineno or node.body[-1].lineno
        gap = range(last + 1, node.orelse[0].lineno)
        else_lines = tuple(n for n in gap if self.source[n - 1].strip().startswith("else"))
        return steps + self._headed("Otherwise", "do", else_lines, node.orelse)

    def _headed(
        self, head: str, verb: str, lines: tuple[int, ...], body: list[ast.stmt]
    ) -> list[Step]:
        actions = self._simple_body(body)
        if actions is not None:
            spans = tuple(n for s in body for n in _span(s))
            return [Step(_sentence(f"{head}, {actions}"), lines + spans)]
        inner = self.block(body)
        if not inner or len(inner) >= len(NUMBERS):
            raise Unsupported("block_too_long")
        return [Step(_sentence(f"{head}, {verb} {_count(len(inner))}"), lines), *inner]

    def loop(self, node: ast.For | ast.While) -> list[Step]:
        if node.orelse:
            raise Unsupported("loop_else")
        if isinstance(node, ast.While):
            condition = self.expr(node.test)
            head = tuple(range(node.lineno, (node.test.end_lineno or node.lineno) + 1))
            return self._headed(f"While {condition}", "repeat", head, node.body)
        phrase = self.loop_phrase(self.target(node.target), node.iter)
        head = tuple(range(node.lineno, (node.iter.end_lineno or node.lineno) + 1))
        return self._headed(phrase[0].upper() + phrase[1:], "do", head, node.body)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _is_trivial_assign(stmt: ast.stmt) -> bool:
    """`name = constant / empty container / name`: initializations worth one shared step."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return False
    value = stmt.value
    empty = isinstance(value, ast.List | ast.Dict | ast.Set | ast.Tuple) and not (
        getattr(value, "elts", None) or getattr(value, "keys", None)
    )
    return isinstance(stmt.targets[0], ast.Name) and (
        empty or isinstance(value, ast.Constant | ast.Name)
    )


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."
