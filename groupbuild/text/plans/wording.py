"""Expressions of one function worded as plan phrases; `Unsupported` when no faithful
wording exists."""

from __future__ import annotations

import ast
import re

from groupbuild.text.plans.vocabulary import (
    ABBREVIATIONS,
    BARE,
    BINARY,
    CALLS,
    CHAINS,
    COMPARE,
    CONSTANTS,
    DEFAULT_ENTRIES,
    LABELS,
    MATH,
    METHODS,
    MODULE_ALIASES,
    MODULE_FUNCTIONS,
    ONE_ARGUMENT_METHODS,
    ORDINALS,
    POWERS,
    PREDICATES,
    REGEX,
    SET_OPERATORS,
    TWO_ARGUMENTS,
)

MAX_STEP_CHARS = 220
_SET_CALLS = frozenset({"set", "frozenset"})
_SAFE_TEXT = re.compile(r"[A-Za-z0-9 ,.!?'-]*")
_PATTERN_TEXT = re.compile(r"[^`\"\n]{1,40}")
_QUOTABLE = re.compile(r"[^`\"]+")
"""Text quoted as written: symbols such as "_" or ":" are read as the characters they are."""


class Unsupported(Exception):
    """The function holds something this verbalizer cannot word faithfully."""


class Writer:
    """Words for one function: argument names stay plain, other names become role phrases."""

    def __init__(self, function: ast.FunctionDef, source: list[str]) -> None:
        self.function = function
        self.source = source
        self.labels: dict[int, str] = {}
        self.helpers: dict[str, str] = {}
        """Helper functions of the program, by name: the phrase a call of each is read by, with
        `{}` for its arguments (`helper_phrase`)."""
        """Sub-expressions an earlier step computed (`Planner.unfold`): read by their label."""
        self.args = {a.arg for a in function.args.args}
        self.identifiers = self.args | {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
        self.flags = {
            t.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, bool)
            for t in node.targets
            if isinstance(t, ast.Name)
        }

    def name(self, ident: str) -> str:
        if ident == "_":
            return "the round"
        parts = [p for p in re.split(r"_+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)", ident) if p]
        if not parts:
            raise Unsupported("unnamed_variable")
        if len(ident) == 1:
            return ident
        if ident.lower() in ABBREVIATIONS:
            parts = [ident.lower()]
        if parts[-1].isdigit() and len(parts) > 1:
            if ident.rstrip("0123456789_") in self.identifiers:
                raise Unsupported("number_in_name")  # `binary1` beside `binary`: no plain reading
            parts = [ORDINALS.get(parts[-1], f"number {parts[-1]}"), *parts[:-1]]
        words = " ".join(ABBREVIATIONS.get(p.lower(), p.lower()) for p in parts)
        if any(c.isdigit() for c in words):
            raise Unsupported("number_in_name")
        if ident not in self.args and words in BARE:
            return f"the {words} value"
        return f"the {words}"

    def expr(self, node: ast.expr, nested: bool = False) -> str:
        text = self._expr(node, nested)
        if len(text) > MAX_STEP_CHARS:
            raise Unsupported("expression_too_long")
        return text

    def _expr(self, node: ast.expr, nested: bool) -> str:
        label = self.labels.get(id(node))
        if label is not None:
            return label
        return self.phrase(node, nested)

    def phrase(self, node: ast.expr, nested: bool = False) -> str:
        """`node` worded in full, its hoisted parts read by their labels."""
        if isinstance(node, ast.Name) and node.id in self.helpers:
            raise Unsupported("helper_as_value")
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return f"minus {self.expr(node.operand, True)}"
            if isinstance(node.op, ast.Not):
                return self.negation(node.operand)
            raise Unsupported("bitwise_operator")
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mult)
            and isinstance(node.left, ast.List)
            and len(node.left.elts) == 1
        ):
            item, times = self.expr(node.left.elts[0], True), self.expr(node.right, True)
            return f"a list of {times} copies of {item}"
        if isinstance(node, ast.BinOp) and type(node.op) in CHAINS:
            folded = self.chain(node, nested)
            if folded is not None:
                return folded
        if isinstance(node, ast.BinOp) and type(node.op) in SET_OPERATORS and self.is_set(node):
            return SET_OPERATORS[type(node.op)].format(
                self.expr(node.left, True), self.expr(node.right, True)
            )
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                raise Unsupported("string_formatting")
            top, inner = BINARY[type(node.op)]
            return (inner if nested else top).format(
                self.expr(node.left, True), self.expr(node.right, True)
            )
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            return joiner.join(self.expr(v, True) for v in node.values)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            if not node.elts:
                kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
                return f"an empty {kind}"
            items = [self.expr(e, True) for e in node.elts]
            if len(items) == 1:
                return f"a list holding just {items[0]}"
            if len(items) > 4:
                raise Unsupported("long_literal")
            return "the values " + ", ".join(items[:-1]) + " and " + items[-1]
        if isinstance(node, ast.Attribute) and ast.unparse(node) in CONSTANTS:
            return CONSTANTS[ast.unparse(node)]
        if isinstance(node, ast.Dict) and not node.keys:
            return "an empty table"
        if isinstance(node, ast.IfExp):
            return (
                f"{self.expr(node.body, True)} when {self.expr(node.test, True)}, "
                f"otherwise {self.expr(node.orelse, True)}"
            )
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self.comprehension(node)
        raise Unsupported(f"expression_{type(node).__name__.lower()}")

    def is_set(self, node: ast.BinOp) -> bool:
        """Whether a `&`, `|`, `^` or `-` combines sets: an operand built as a set, or a variable
        this function only ever sets to one."""

        def built(value: ast.expr) -> bool:
            if isinstance(value, ast.Set | ast.SetComp):
                return True
            if isinstance(value, ast.BinOp) and type(value.op) in SET_OPERATORS:
                return built(value.left) or built(value.right)
            return isinstance(value, ast.Call) and getattr(value.func, "id", "") in _SET_CALLS

        def named(side: ast.expr) -> bool:
            if not isinstance(side, ast.Name):
                return False
            values = [
                n.value
                for n in ast.walk(self.function)
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == side.id for t in n.targets)
            ]
            return bool(values) and all(built(v) for v in values)

        return any(built(side) or named(side) for side in (node.left, node.right))

    def chain(self, node: ast.BinOp, nested: bool) -> str | None:
        """`a * b * c` as "the product of a, b and c" and `j * j * j` as "the cube of j"."""
        op = type(node.op)
        operands: list[ast.expr] = []
        stack: list[ast.expr] = [node]
        while stack:
            item = stack.pop()
            inside = item is node or id(item) not in self.labels
            if isinstance(item, ast.BinOp) and type(item.op) is op and inside:
                stack.extend([item.right, item.left])
            else:
                operands.append(item)
        if len(operands) < 3 and not (op is ast.Mult and _same(operands)):
            return None
        if op is ast.Mult and _same(operands) and len(operands) in POWERS:
            return f"{POWERS[len(operands)]} of {self.expr(operands[0], True)}"
        items = [self.expr(o, True) for o in operands]
        if not nested and op is ast.Add:
            return " plus ".join(items)
        listed = ", ".join(items[:-1]) + " and " + items[-1]
        return f"{CHAINS[op]} of {listed}"

    def constant(self, value: object) -> str:
        if isinstance(value, bool) or value is None:
            return str(value)
        if isinstance(value, int | float):
            return f"minus {-value}" if value < 0 else str(value)
        if isinstance(value, str):
            if value == "":
                return "the empty string"
            if value == " ":
                return "a space"
            if len(value) > 30 or not value.isprintable() or not _QUOTABLE.fullmatch(value):
                raise Unsupported("string_with_symbols")
            if not _SAFE_TEXT.fullmatch(value) and value.strip() != value:
                raise Unsupported("string_with_symbols")  # a quoted space would not show
            return f'"{value}"'
        raise Unsupported("constant_type")

    def negation(self, operand: ast.expr) -> str:
        if isinstance(operand, ast.Name) and operand.id in self.flags:
            return f"{self.expr(operand, True)} is False"
        call = operand if isinstance(operand, ast.Call) else None
        method = getattr(call.func, "attr", "") if call else ""
        if (
            call
            and isinstance(call.func, ast.Attribute)
            and method in PREDICATES
            and len(call.args) == 1
        ):
            owner = call.func.value
            return PREDICATES[method][1].format(
                self.expr(owner, True), self.expr(call.args[0], True)
            )
        if call and method.startswith("is") and method in METHODS and not call.args:
            return f"it is not the case that {self.expr(operand, True)}"
        if isinstance(operand, ast.Name | ast.Subscript | ast.Call):
            return f"{self.expr(operand, True)} is empty or zero"
        return f"it is not the case that {self.expr(operand, True)}"

    def compare(self, node: ast.Compare) -> str:
        parts: list[str] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append(self.one_comparison(left, op, right))
            left = right
        return " and ".join(parts)

    def one_comparison(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> str:
        if type(op) not in COMPARE:
            raise Unsupported("identity_comparison")
        parity = (
            isinstance(left, ast.BinOp)
            and isinstance(left.op, ast.Mod)
            and isinstance(left.right, ast.Constant)
            and left.right.value == 2
            and isinstance(right, ast.Constant)
            and right.value in (0, 1)
            and isinstance(op, ast.Eq | ast.NotEq)
        )
        if parity:
            assert isinstance(left, ast.BinOp) and isinstance(right, ast.Constant)
            even = (right.value == 0) == isinstance(op, ast.Eq)
            return f"{self.expr(left.left, True)} is {'even' if even else 'odd'}"
        return f"{self.expr(left, True)} {COMPARE[type(op)]} {self.expr(right, True)}"

    def subscript(self, node: ast.Subscript) -> str:
        base = self.expr(node.value, True)
        index = node.slice
        if isinstance(index, ast.Slice):
            return self.slice(base, index)
        if isinstance(index, ast.Constant) and isinstance(index.value, int):
            named = {0: "first", 1: "second", -1: "last", -2: "second to last"}
            if index.value in named:
                return f"the {named[index.value]} item of {base}"
        if isinstance(index, ast.Tuple):
            raise Unsupported("tuple_index")
        return f"the item of {base} at {self.expr(index, True)}"

    def slice(self, base: str, index: ast.Slice) -> str:
        lower, upper, step = index.lower, index.upper, index.step
        if step is not None:
            if lower is None and upper is None and is_constant(step, -1):
                return f"{base} reversed"
            if lower is None and upper is None and is_constant(step, 2):
                return f"every second item of {base}, from the first"
            if is_constant(lower, 1) and upper is None and is_constant(step, 2):
                return f"every second item of {base}, from the second"
            raise Unsupported("stepped_slice")
        if lower is None and upper is None:
            return f"a copy of {base}"
        if upper is None and lower is not None:
            if is_constant(lower, 1):
                return f"{base} after its first item"
            return f"{base} from position {self.expr(lower, True)} on"
        assert upper is not None
        if lower is None:
            if is_constant(upper, -1):
                return f"{base} without its last item"
            if isinstance(upper, ast.Constant) or (
                isinstance(upper, ast.Name) and len(upper.id) == 1
            ):
                return f"the first {self.expr(upper, True)} items of {base}"
            return f"{base} before position {self.expr(upper, True)}"
        return (
            f"{base} from position {self.expr(lower, True)} to just before "
            f"position {self.expr(upper, True)}"
        )

    def call(self, node: ast.Call) -> str:
        func = node.func
        keyed = self.keyed(node)
        if keyed is not None:
            return keyed
        if node.keywords and not sorted_reverse(node):
            raise Unsupported("keyword_arguments")
        empty = {"list": "an empty list", "set": "an empty set", "dict": "an empty table"}
        if isinstance(func, ast.Name) and func.id in empty and not node.args:
            return empty[func.id]
        if isinstance(func, ast.Name) and func.id in CALLS and len(node.args) == 1:
            template = CALLS[func.id]
            if sorted_reverse(node):
                template = "{} sorted in descending order"
            return template.format(self.expr(node.args[0], True))
        if isinstance(func, ast.Name) and func.id in {"max", "min"} and len(node.args) > 1:
            word = "larger" if func.id == "max" else "smaller"
            if len(node.args) > 2:
                word = "largest" if func.id == "max" else "smallest"
            items = [self.expr(a, True) for a in node.args]
            return f"the {word} of " + ", ".join(items[:-1]) + " and " + items[-1]
        if isinstance(func, ast.Name) and func.id in TWO_ARGUMENTS and len(node.args) == 2:
            first, second = (self.expr(a, True) for a in node.args)
            return TWO_ARGUMENTS[func.id].format(first, second)
        if isinstance(func, ast.Name) and func.id in {"map", "filter"} and len(node.args) == 2:
            return self.mapping(func.id, node.args[0], node.args[1])
        if isinstance(func, ast.Name) and func.id == "map" and len(node.args) == 3:
            return self.paired_mapping(node.args[0], node.args[1], node.args[2])
        if isinstance(func, ast.Name) and func.id == "range" and node.args:
            return f"the whole numbers {self.range_words(node)}"
        if isinstance(func, ast.Name) and func.id == "defaultdict" and len(node.args) == 1:
            start = DEFAULT_ENTRIES.get(ast.unparse(node.args[0]))
            if start is not None:
                return f"an empty table whose entries start {start}"
        if isinstance(func, ast.Attribute):
            return self.method(func, node)
        if isinstance(func, ast.Name) and func.id in self.helpers and node.args:
            args = [self.expr(a, True) for a in node.args]
            listed = args[0] if len(args) == 1 else ", ".join(args[:-1]) + " and " + args[-1]
            return self.helpers[func.id].format(listed)
        if isinstance(func, ast.Name) and func.id == self.function.name and node.args:
            args = [self.expr(a, True) for a in node.args]
            listed = args[0] if len(args) == 1 else ", ".join(args[:-1]) + " and " + args[-1]
            return f"the result of this same function for {listed}"
        raise Unsupported("unknown_call")

    def keyed(self, node: ast.Call) -> str | None:
        """`sorted(xs, key=...)`, `max(xs, key=...)`: the order or choice by the key's value."""
        func = node.func
        name = func.id if isinstance(func, ast.Name) else ""
        keys = [k for k in node.keywords if k.arg == "key"]
        if name not in {"sorted", "max", "min"} or len(node.args) != 1 or not keys:
            return None
        if any(k.arg not in {"key", "reverse"} for k in node.keywords):
            raise Unsupported("keyword_arguments")
        by = self.key_words(keys[0].value)
        base = self.expr(node.args[0], True)
        if name == "sorted":
            order = (
                "descending"
                if sorted_reverse(
                    ast.Call(
                        func=func, args=[], keywords=[k for k in node.keywords if k.arg != "key"]
                    )
                )
                else "ascending"
            )
            return f"{base} sorted in {order} order of {by}"
        word = "largest" if name == "max" else "smallest"
        return f"the item of {base} with the {word} {by}"

    def key_words(self, key: ast.expr) -> str:
        if isinstance(key, ast.Name) and key.id in CALLS:
            return CALLS[key.id].format("the item").removeprefix("the ")
        if isinstance(key, ast.Lambda) and len(key.args.args) == 1 and not key.args.defaults:
            item = self.name(key.args.args[0].arg).removeprefix("the ")
            return f"{self.expr(key.body, True)} for each {item}"
        raise Unsupported("keyword_arguments")

    def pattern(self, node: ast.expr) -> str:
        """A regular expression quoted as written: its symbols are its meaning."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if not _PATTERN_TEXT.fullmatch(node.value):
                raise Unsupported("string_with_symbols")
            return f'"{node.value}"'
        return self.expr(node, True)

    def module_call(self, module: str, func: ast.Attribute, node: ast.Call) -> str | None:
        module = MODULE_ALIASES.get(module, module)
        if module == "re" and (func.attr, len(node.args)) in REGEX and not node.keywords:
            args = [self.pattern(node.args[0])] + [self.expr(a, True) for a in node.args[1:]]
            regex = REGEX[(func.attr, len(node.args))]
            if not isinstance(node.args[0], ast.Constant):
                regex = regex.replace("the pattern {0}", "{0}")  # "the pattern" names it
            return regex.format(*args)
        template = MODULE_FUNCTIONS.get((module, func.attr, len(node.args)))
        if template is None or node.keywords:
            return None
        return template.format(*(self.expr(a, True) for a in node.args))

    def mapping(self, how: str, function: ast.expr, items: ast.expr) -> str:
        source = self.expr(items, True)
        if isinstance(function, ast.Lambda):
            params = function.args.args
            if len(params) != 1 or function.args.vararg or function.args.defaults:
                raise Unsupported("lambda_form")
            item = self.name(params[0].arg).removeprefix("the ")
            body = self.expr(function.body, True)
            if how == "map":
                return f"{body} for each {item} of {source}"
            return f"each {item} of {source} for which {body}"
        if how == "map" and isinstance(function, ast.Name) and function.id in CALLS:
            return f"each item of {source} turned into " + CALLS[function.id].format(
                "a value"
            ).removeprefix("the ")
        raise Unsupported("mapped_function")

    def paired_mapping(self, function: ast.expr, first: ast.expr, second: ast.expr) -> str:
        """`map(lambda x, y: ..., xs, ys)`: the value for each pair taken side by side."""
        if not isinstance(function, ast.Lambda):
            raise Unsupported("mapped_function")
        params = function.args.args
        if len(params) != 2 or function.args.vararg or function.args.defaults:
            raise Unsupported("lambda_form")
        left, right = (self.name(p.arg).removeprefix("the ") for p in params)
        body = self.expr(function.body, True)
        sources = f"{self.expr(first, True)} and {self.expr(second, True)}"
        return f"{body} for each pair of {left} and {right} of {sources} side by side"

    def method(self, func: ast.Attribute, node: ast.Call) -> str:
        owner = func.value
        is_math = isinstance(owner, ast.Name) and owner.id == "math"
        if is_math and len(node.args) == 1 and func.attr in MATH:
            return MATH[func.attr].format(self.expr(node.args[0], True))
        if isinstance(owner, ast.Name) and owner.id not in self.args:
            worded = self.module_call(owner.id, func, node)
            if worded is not None:
                return worded
            if owner.id == "math":
                raise Unsupported("math_function")
        base = self.expr(owner, True)
        if func.attr in ONE_ARGUMENT_METHODS and len(node.args) == 1:
            return ONE_ARGUMENT_METHODS[func.attr].format(o=base, a=self.expr(node.args[0], True))
        if func.attr == "setdefault" and len(node.args) == 2:
            key, default = (self.expr(a, True) for a in node.args)
            return f"the entry of {base} for {key}, stored first as {default} if absent"
        if func.attr in METHODS and not node.args:
            return METHODS[func.attr].format(base)
        if func.attr == "count" and len(node.args) == 1:
            return f"the number of times {self.expr(node.args[0], True)} occurs in {base}"
        if func.attr == "join" and len(node.args) == 1:
            parts = self.expr(node.args[0], True)
            glue = owner.value if isinstance(owner, ast.Constant) else None
            if glue == "":
                return f"{parts} joined into one string"
            return f"{parts} joined with {base} between them"
        if func.attr == "get" and len(node.args) == 2:
            key, default = (self.expr(a, True) for a in node.args)
            return f"the stored entry of {base} for {key} (or {default} if absent)"
        if func.attr in PREDICATES and len(node.args) == 1:
            return PREDICATES[func.attr][0].format(base, self.expr(node.args[0], True))
        if func.attr == "index" and len(node.args) == 1:
            return f"the first position of {self.expr(node.args[0], True)} in {base}"
        if func.attr == "replace" and len(node.args) == 2:
            old, new = (self.expr(a, True) for a in node.args)
            return f"{base} with every {old} replaced by {new}"
        if func.attr == "split" and len(node.args) == 1:
            return f"{base} split at each {self.expr(node.args[0], True)}"
        raise Unsupported("unknown_method")

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> str:
        if len(node.generators) != 1 or node.generators[0].is_async:
            raise Unsupported("nested_comprehension")
        gen = node.generators[0]
        if len(gen.ifs) > 1:
            raise Unsupported("comprehension_filters")
        target = self.target(gen.target)
        element = self.expr(node.elt, True)
        head = "the distinct values of " if isinstance(node, ast.SetComp) else ""
        text = f"{head}{element} {self.loop_phrase(target, gen.iter)}"
        if gen.ifs:
            text += f" for which {self.expr(gen.ifs[0], True)}"
        return text

    def target(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return self.name(node.id).removeprefix("the ")
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
            names = [
                self.name(e.id).removeprefix("the ") for e in node.elts if isinstance(e, ast.Name)
            ]
            return (
                "pair of " + " and ".join(names)
                if len(names) == 2
                else "group of " + ", ".join(names)
            )
        raise Unsupported("loop_target")

    def loop_phrase(self, target: str, node: ast.expr) -> str:
        """`for every i from 0 up to ...` or `for each value of ...`."""
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
            target = f"index {target}" if len(target) == 1 else target
            return f"for every {target} {self.range_words(node)}"
        return f"for each {target} of {self.iterable(node)}"

    def iterable(self, node: ast.expr) -> str:
        func = getattr(node, "func", None)
        name = func.id if isinstance(func, ast.Name) else ""
        if isinstance(node, ast.Call) and name in {"enumerate", "zip"} and not node.keywords:
            joined = " and ".join(self.expr(a, True) for a in node.args)
            if name == "zip":
                return f"{joined} side by side"
            if len(node.args) != 1:
                raise Unsupported("enumerate_start")
            return f"the positions and items of {joined}"
        return self.expr(node, True)

    def range_words(self, node: ast.Call) -> str:
        args = node.args
        if node.keywords or not 1 <= len(args) <= 3:
            raise Unsupported("range_form")
        start = self.expr(args[0], True) if len(args) > 1 else "0"
        stop = args[1] if len(args) > 1 else args[0]
        if len(args) == 3:
            if not isinstance(args[2], ast.Constant | ast.UnaryOp):
                raise Unsupported("range_step")
            step = args[2]
            if isinstance(step, ast.UnaryOp) and is_constant(step.operand, 1):
                return f"from {start} down to but not including {self.expr(stop, True)}"
            return (
                f"from {start} up to but not including {self.expr(stop, True)}, "
                f"in steps of {self.expr(step, True)}"
            )
        if (
            isinstance(stop, ast.BinOp)
            and isinstance(stop.op, ast.Add)
            and is_constant(stop.right, 1)
        ):
            return f"from {start} up to and including {self.expr(stop.left, True)}"
        return f"from {start} up to but not including {self.expr(stop, True)}"


def _same(nodes: list[ast.expr]) -> bool:
    return len(nodes) > 1 and len({ast.dump(n) for n in nodes}) == 1


def label_for(node: ast.expr, writer: Writer) -> str:
    """What a step that computes `node` ahead of its use calls the value ("the length"): no
    variable's words, so the judge never reads the label as a program variable."""
    operation = _operation(node)
    if operation == writer.function.name:
        return "the result for the smaller case"
    return f"the {LABELS.get(operation, 'value')}"


def _operation(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return "." + func.attr
    if isinstance(node, ast.BinOp):
        return type(node.op).__name__
    if isinstance(node, ast.Subscript):
        return "slice" if isinstance(node.slice, ast.Slice) else "item"
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        return "filtered" if node.generators[0].ifs else "comprehension"
    return ""


def is_constant(node: ast.AST | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value == value and type(node.value) is int


def sorted_reverse(node: ast.Call) -> bool:
    return (
        len(node.keywords) == 1
        and node.keywords[0].arg == "reverse"
        and isinstance(node.keywords[0].value, ast.Constant)
        and node.keywords[0].value.value is True
    )


_HELPER_VERBS = frozenset({"get", "find", "calc", "calculate", "compute", "make", "take"})
_PREDICATE_VERBS = frozenset({"is", "has", "are"})
_CHECK_VERBS = frozenset({"check", "test"})


def helper_phrase(function: ast.FunctionDef) -> tuple[str, str]:
    """How a plan reads a call of a helper function, with `{}` for its arguments, and how it
    introduces the helper's own steps, from the helper's name: `find_gcd(a, b)` is "the gcd of
    a and b" ("To find the gcd of a and b, ..."), `is_prime(n)` "whether n is prime"."""
    parts = [p.lower() for p in re.split(r"_+|(?<=[a-z])(?=[A-Z])", function.name) if p]
    if not parts or any(not p.isalpha() or len(p) < 2 for p in parts):
        raise Unsupported("helper_name")  # `g`, `nCr`, `f2`: no words to read the call by
    if all(len(p) < 3 for p in parts):
        raise Unsupported("helper_name")
    words = [ABBREVIATIONS.get(p, p) for p in parts]
    params = [Writer(function, []).name(a.arg) for a in function.args.args]
    if not params:
        raise Unsupported("function_signature")
    listed = params[0] if len(params) == 1 else ", ".join(params[:-1]) + " and " + params[-1]
    if words[0] in _PREDICATE_VERBS and len(words) > 1:
        rest = " ".join(words[1:])
        verb = words[0] if len(params) == 1 or words[0] != "is" else "are"
        return f"whether {{}} {verb} {rest}", f"To check whether {listed} {verb} {rest}"
    if words[0] in _CHECK_VERBS and len(words) > 1:
        rest = " ".join(words[1:])
        verb = "passes" if len(params) == 1 else "pass"
        return (
            f"whether {{}} {verb} the {rest} check",
            f"To check whether {listed} {verb} the {rest} check",
        )
    if words[0] in _HELPER_VERBS and len(words) > 1:
        words = words[1:]
    noun = " ".join(words)
    return f"the {noun} of {{}}", f"To find the {noun} of {listed}"


def name_phrase(function: ast.FunctionDef, ident: str) -> str:
    """How plans written from code refer to a variable or argument of `function`."""
    return Writer(function, []).name(ident)
