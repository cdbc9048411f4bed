"""Statements of one function turned into plan steps, each linked to its program lines."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from groupbuild.text.plans.vocabulary import (
    AUGMENTED,
    MODULE_ALIASES,
    MODULE_STATEMENTS,
    MUTATIONS,
    NO_ARGUMENT,
    NUMBERS,
    UPDATES,
)
from groupbuild.text.plans.wording import Unsupported, Writer, label_for, sorted_reverse

_HOISTABLE = (ast.Call, ast.BinOp, ast.Subscript, ast.ListComp, ast.GeneratorExp, ast.SetComp)
_IN_PLACE = frozenset({"range", "enumerate", "zip", "isinstance", "type"})
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

    hoisted: dict[int, list[ast.expr]]
    """Per statement, the sub-expressions computed by steps of their own before it."""

    def unfold(self, body: list[ast.stmt], fits: Callable[[list[Step]], bool]) -> list[Step]:
        """Steps for `body`; while they do not `fits` (too few, one too long), the largest
        sub-expression of a top-level statement gets a step of its own, computed ahead of the
        statement under a label, as a person would write a one-line program out."""
        self.hoisted = {}
        steps = self.block(body)
        candidates = sorted(
            _hoistable(body),
            key=lambda pair: (_is_trivial_part(pair[1]), -sum(1 for _ in ast.walk(pair[1]))),
        )
        for stmt, node in candidates:
            if fits(steps):
                break
            self.hoisted.setdefault(id(stmt), []).append(node)
            self.labels[id(node)] = self._fresh_label(node)
            steps = self.block(body)
        return steps

    def _fresh_label(self, node: ast.expr) -> str:
        label = label_for(node, self)
        taken = (
            set(self.labels.values())
            | {self.name(a) for a in self.args}
            | {self.name(n.id) for n in ast.walk(self.function) if isinstance(n, ast.Name)}
        )
        for order in ("", "second ", "third ", "fourth ", "fifth "):
            candidate = label.replace("the ", f"the {order}", 1)
            if candidate not in taken:
                return candidate
        raise Unsupported("no_label")

    def _hoisted_steps(self, stmt: ast.stmt) -> list[Step]:
        nodes = getattr(self, "hoisted", {}).get(id(stmt), [])
        lines = _head(stmt)
        ordered = sorted(nodes, key=lambda n: (n.lineno, n.col_offset, -(n.end_col_offset or 0)))
        inner_first = sorted(ordered, key=lambda n: -_depth_in(n, nodes))
        return [
            Step(_sentence(f"set {self.labels[id(n)]} to {self.phrase(n)}"), lines)
            for n in inner_first
        ]

    def block(self, body: list[ast.stmt]) -> list[Step]:
        body = [s for s in body if not _is_docstring(s) and not isinstance(s, ast.Pass)]
        steps: list[Step] = []
        i = 0
        while i < len(body):
            steps.extend(self._hoisted_steps(body[i]))
            group = self._trivial_run(body, i)
            if len(group) > 1:
                parts = [self.action(s).removeprefix("set ") for s in group]
                text = "Set " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."
                steps.append(Step(text, tuple(n for s in group for n in _span(s))))
                i += len(group)
                continue
            stmt = body[i]
            start = self.start(stmt)
            if start is not None:
                steps.append(Step(start, _span(stmt)))
            elif isinstance(stmt, _SIMPLE):
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

    def start(self, stmt: ast.stmt) -> str | None:
        """A variable's first value, worded as the bundled plans start one ("Start the count at
        0.", "Start an empty list of results."), when it is a whole number or an empty container.
        """
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            return None
        target, value = stmt.targets[0], stmt.value
        if not isinstance(target, ast.Name) or target.id in self.args or target.id in self.flags:
            return None
        first = min(
            (n.lineno for n in ast.walk(self.function) if isinstance(n, ast.Name)
             and n.id == target.id and isinstance(n.ctx, ast.Store)),
            default=stmt.lineno,
        )  # fmt: skip
        words = self.name(target.id).removeprefix("the ").split()
        if first != stmt.lineno or len(words) > 2 or len(target.id) == 1:
            return None
        noun = " ".join(words)
        if isinstance(value, ast.Constant) and type(value.value) is int and value.value >= 0:
            return f"Start the {noun} at {value.value}."
        empty = {ast.List: "list", ast.Dict: "table", ast.Set: "set"}
        kind = empty.get(type(value))
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args:
            kind = {"list": "list", "dict": "table", "set": "set"}.get(value.func.id)
            kind = None if value.keywords else kind
        elif kind is not None and (getattr(value, "elts", None) or getattr(value, "keys", None)):
            kind = None
        if kind is None or len(words) > 1:
            return None
        return f"Start an empty {kind} of {noun}."

    def action(self, stmt: ast.stmt) -> str:
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                return "return None"
            whether = isinstance(stmt.value, ast.Compare | ast.BoolOp) or (
                isinstance(stmt.value, ast.UnaryOp) and isinstance(stmt.value.op, ast.Not)
            )
            text = self.expr(stmt.value)
            if whether and not text.startswith("whether "):
                text = f"whether {text}"
            return f"return {text}"
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
            update = _update(stmt.targets[0], stmt.value)
            if update is not None:
                op, value = update
                target = self.expr(stmt.targets[0], True)
                return AUGMENTED[op].format(t=target, v=self.expr(value, True))
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
        module = (
            func.value.id
            if isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id not in self.args
            else None
        )
        statement = MODULE_STATEMENTS.get(
            (
                MODULE_ALIASES.get(module or "", module or ""),
                getattr(func, "attr", ""),
                len(call.args),
            )
        )
        if statement is not None and not call.keywords:
            return statement.format(*(self.expr(a, True) for a in call.args))
        if isinstance(func, ast.Attribute) and func.attr == "sort" and call.keywords:
            keys = [k for k in call.keywords if k.arg == "key"]
            if keys and all(k.arg in {"key", "reverse"} for k in call.keywords):
                order = (
                    "descending" if any(k.arg == "reverse" for k in call.keywords) else "ascending"
                )
                if any(k.arg == "reverse" for k in call.keywords) and not sorted_reverse(
                    ast.Call(
                        func=func, args=[], keywords=[k for k in call.keywords if k.arg != "key"]
                    )
                ):
                    raise Unsupported("keyword_arguments")
                by = self.key_words(keys[0].value)
                return f"sort {self.expr(func.value, True)} in {order} order of {by}"
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

    def condition(self, test: ast.expr) -> str:
        """A test as an If/While clause reads it: "If any of ... holds", never "If whether"."""
        return self.expr(test).removeprefix("whether ")

    def branch(self, node: ast.If, prefix: str = "If") -> list[Step]:
        condition = self.condition(node.test)
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
            condition = self.condition(node.test)
            head = tuple(range(node.lineno, (node.test.end_lineno or node.lineno) + 1))
            return self._headed(f"While {condition}", "repeat", head, node.body)
        phrase = self.loop_phrase(self.target(node.target), node.iter)
        head = tuple(range(node.lineno, (node.iter.end_lineno or node.lineno) + 1))
        return self._headed(phrase[0].upper() + phrase[1:], "do", head, node.body)


def _update(target: ast.expr, value: ast.expr) -> tuple[type[ast.operator], ast.expr] | None:
    """`x = x + v` (also `-`, `*`; `x = v + x` for the commutative ones): the op and `v`."""
    if not isinstance(target, ast.Name) or not isinstance(value, ast.BinOp):
        return None
    op = type(value.op)
    if op not in UPDATES:
        return None
    same = ast.dump(target.__class__(id=target.id, ctx=ast.Load()))
    if ast.dump(value.left) == same:
        return op, value.right
    if op is not ast.Sub and ast.dump(value.right) == same:
        return op, value.left
    return None


def _roots(stmt: ast.stmt) -> list[ast.expr]:
    """The expressions a top-level statement evaluates once, before anything else it does."""
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return) and stmt.value is not None:
        if isinstance(stmt, ast.Assign) and not isinstance(stmt.targets[0], ast.Name):
            return []
        return [stmt.value]
    if isinstance(stmt, ast.If):
        return [stmt.test]
    if isinstance(stmt, ast.For):
        return [stmt.iter]
    return []


def _children(node: ast.expr) -> list[ast.expr]:
    """Parts of `node` always evaluated, before it: no short-circuit, lambda or loop bodies."""
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", "")
        if name in _IN_PLACE:
            return []
        owner = [node.func.value] if isinstance(node.func, ast.Attribute) else []
        return owner + [a for a in node.args if not isinstance(a, ast.Lambda | ast.Starred)]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Compare):
        return [node.left, node.comparators[0]]
    if isinstance(node, ast.BoolOp | ast.UnaryOp):
        return [node.values[0]] if isinstance(node, ast.BoolOp) else [node.operand]
    if isinstance(node, ast.Subscript):
        return [node.value]
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        return [node.generators[0].iter]
    return []


def _hoistable(body: list[ast.stmt]) -> list[tuple[ast.stmt, ast.expr]]:
    found: list[tuple[ast.stmt, ast.expr]] = []
    for stmt in body:
        stack = [child for root in _roots(stmt) for child in _children(root)]
        while stack:
            node = stack.pop()
            if (
                isinstance(node, _HOISTABLE)
                and not _is_leaf_item(node)
                and not _read_in_place(node)
            ):
                found.append((stmt, node))
            stack.extend(_children(node))
    return found


def _read_in_place(node: ast.expr) -> bool:
    """`range(n)`, `zip(a, b)`: a loop or comprehension words them where they stand."""
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") in _IN_PLACE


def _is_leaf_item(node: ast.expr) -> bool:
    """Too small for a step of its own: `x[0]`, `xs[i]`."""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant | ast.Name)
    )


def _is_trivial_part(node: ast.expr) -> bool:
    """Hoisted last: one operator between two leaves (`n - 1`, `2 * n`)."""
    if isinstance(node, ast.BinOp):
        return all(isinstance(side, ast.Name | ast.Constant) for side in (node.left, node.right))
    return False


def _depth_in(node: ast.expr, nodes: list[ast.expr]) -> int:
    """How many of `nodes` `node` sits inside: inner values are computed first."""
    return sum(
        1 for outer in nodes if outer is not node and any(n is node for n in ast.walk(outer))
    )


def _head(stmt: ast.stmt) -> tuple[int, ...]:
    if isinstance(stmt, ast.If | ast.For | ast.While):
        test = stmt.test if isinstance(stmt, ast.If | ast.While) else stmt.iter
        return tuple(range(stmt.lineno, (test.end_lineno or stmt.lineno) + 1))
    return _span(stmt)


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
