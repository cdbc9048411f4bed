"""A plan in controlled English written from a reference function's syntax tree.

Seeds without a hand-written plan (MBPP, HumanEval) still need a reference trace whose steps are
linked to program lines, so the code rules can edit a sentence and mutate the lines it describes.
The wording follows the bundled plans ("up to and including", "greater than", "If ..., return
...") so the rules and the rules judge read these plans as they read the bundled ones. A function
whose statements or expressions have no faithful wording here gets no plan: `explain` says why.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

from groupbuild.hashing import digest

Steps = tuple[str, ...]
Links = tuple[tuple[int, ...], ...]
MIN_STEPS, MAX_STEPS = 3, 10
MAX_STEP_CHARS = 220
_NUMBERS = ("", "", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ABBREVIATIONS = {
    "arr": "array", "lst": "list", "li": "list", "tup": "tuple", "str": "string", "s": "string",
    "res": "result", "ans": "answer", "cnt": "count", "num": "number", "nums": "numbers",
    "idx": "index", "ch": "character", "char": "character", "val": "value", "tmp": "temporary",
    "temp": "temporary", "dict": "table", "dic": "table", "d": "table", "freq": "frequency",
    "len": "length", "max": "largest", "min": "smallest", "sum": "sum", "l": "list",
    "arr1": "first array", "arr2": "second array", "str1": "first string", "str2": "second string",
}
_BARE = frozenset({
    "best", "running", "current", "lowest", "highest", "largest", "smallest", "low", "high",
    "left", "right", "middle", "mid", "prev", "previous", "last", "first", "second", "next",
})
_PREDICATES = {
    "startswith": ("{} starts with {}", "{} does not start with {}"),
    "endswith": ("{} ends with {}", "{} does not end with {}"),
}
_SAFE_TEXT = re.compile(r"[A-Za-z0-9 ,.!?'-]*")
_COMPARE = {
    ast.Gt: "is greater than", ast.Lt: "is less than", ast.GtE: "is at least",
    ast.LtE: "is at most", ast.Eq: "is equal to", ast.NotEq: "is different from",
    ast.In: "is in", ast.NotIn: "is not in",
}
_BINARY = {
    ast.Add: ("{} plus {}", "the sum of {} and {}"),
    ast.Sub: ("{} minus {}", "the difference of {} and {}"),
    ast.Mult: ("{} times {}", "the product of {} and {}"),
    ast.Div: ("{} divided by {}", "the quotient of {} by {}"),
    ast.FloorDiv: ("{} divided by {}, rounded down", "the whole quotient of {} by {}"),
    ast.Mod: ("the remainder of {} divided by {}", "the remainder of {} divided by {}"),
    ast.Pow: ("{} to the power {}", "{} to the power {}"),
    ast.BitAnd: ("the bitwise and of {} and {}", "the bitwise and of {} and {}"),
    ast.BitOr: ("the bitwise or of {} and {}", "the bitwise or of {} and {}"),
    ast.BitXor: ("the bitwise exclusive or of {} and {}", "the bitwise exclusive or of {} and {}"),
    ast.LShift: ("{} shifted left by {} bits", "{} shifted left by {} bits"),
    ast.RShift: ("{} shifted right by {} bits", "{} shifted right by {} bits"),
}
_CONSTANTS = {"math.pi": "the number pi", "sys.maxsize": "the largest machine integer"}
_CALLS = {
    "len": "the length of {}", "sum": "the sum of {}", "abs": "the absolute value of {}",
    "sorted": "{} sorted in ascending order", "reversed": "{} reversed",
    "list": "{} as a list", "set": "the distinct values of {}", "tuple": "{} as a tuple",
    "str": "{} as a string", "int": "{} as a whole number", "float": "{} as a decimal number",
    "max": "the largest of {}", "min": "the smallest of {}", "bool": "{} as a truth value",
    "ord": "the character code of {}", "chr": "the character with code {}",
    "any": "whether any of {} holds", "all": "whether all of {} hold",
    "round": "{} rounded to a whole number", "bin": "the binary text of {}, starting with 0b",
}
_METHODS = {
    "lower": "{} in lower case", "upper": "{} in upper case", "strip": "{} without outer spaces",
    "split": "{} split on white space", "keys": "the keys of {}", "values": "the values of {}",
    "items": "the key and value pairs of {}", "isdigit": "{} is a digit",
    "isalpha": "{} is a letter", "isupper": "{} is upper case", "islower": "{} is lower case",
    "isspace": "{} is white space", "isalnum": "{} is a letter or digit", "copy": "a copy of {}",
    "title": "{} with each word capitalized", "capitalize": "{} with its first letter capitalized",
    "swapcase": "{} with the case of each letter swapped",
}
_TWO_ARGUMENTS = {
    "pow": "{} to the power {}",
    "round": "{} rounded to {} decimal places",
    "isinstance": "{} is of the type {}",
}
_MATH = {
    "sqrt": "the square root of {}", "floor": "{} rounded down", "ceil": "{} rounded up",
    "factorial": "the factorial of {}", "log": "the natural logarithm of {}",
}


class Unsupported(Exception):
    """The function holds something this verbalizer cannot word faithfully."""


@dataclass(frozen=True)
class Step:
    text: str
    lines: tuple[int, ...]


def _count(n: int) -> str:
    return "the next step" if n == 1 else f"the next {_NUMBERS[n]} steps"


def _span(node: ast.AST) -> tuple[int, ...]:
    start = node.lineno  # type: ignore[attr-defined]
    return tuple(range(start, (node.end_lineno or start) + 1))  # type: ignore[attr-defined]


class _Writer:
    """Words for one function: argument names stay plain, other names become role phrases."""

    def __init__(self, function: ast.FunctionDef, source: list[str]) -> None:
        self.function = function
        self.source = source
        self.args = {a.arg for a in function.args.args}
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
        words = " ".join(_ABBREVIATIONS.get(p.lower(), p.lower()) for p in parts)
        if len(ident) == 1:
            return ident
        if ident not in self.args and words in _BARE:
            return f"the {words} value"
        return f"the {words}"

    def expr(self, node: ast.expr, nested: bool = False) -> str:
        text = self._expr(node, nested)
        if len(text) > MAX_STEP_CHARS:
            raise Unsupported("expression_too_long")
        return text

    def _expr(self, node: ast.expr, nested: bool) -> str:
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
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                raise Unsupported("string_formatting")
            top, inner = _BINARY[type(node.op)]
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
        if isinstance(node, ast.Attribute) and ast.unparse(node) in _CONSTANTS:
            return _CONSTANTS[ast.unparse(node)]
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
            if not _SAFE_TEXT.fullmatch(value) or len(value) > 30:
                raise Unsupported("string_with_symbols")
            return f'the text "{value}"'
        raise Unsupported("constant_type")

    def negation(self, operand: ast.expr) -> str:
        if isinstance(operand, ast.Name) and operand.id in self.flags:
            return f"{self.expr(operand, True)} is False"
        call = operand if isinstance(operand, ast.Call) else None
        method = getattr(call.func, "attr", "") if call else ""
        if call and method in _PREDICATES and len(call.args) == 1:
            owner = call.func.value  # type: ignore[attr-defined]
            return _PREDICATES[method][1].format(
                self.expr(owner, True), self.expr(call.args[0], True)
            )
        if call and method.startswith("is") and method in _METHODS and not call.args:
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
        if type(op) not in _COMPARE:
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
        return f"{self.expr(left, True)} {_COMPARE[type(op)]} {self.expr(right, True)}"

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
            if lower is None and upper is None and _is_constant(step, -1):
                return f"{base} reversed"
            raise Unsupported("stepped_slice")
        if lower is None and upper is None:
            return f"a copy of {base}"
        if upper is None and lower is not None:
            if _is_constant(lower, 1):
                return f"{base} after its first item"
            return f"{base} from position {self.expr(lower, True)} on"
        assert upper is not None
        if lower is None:
            if _is_constant(upper, -1):
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
        if node.keywords and not _sorted_reverse(node):
            raise Unsupported("keyword_arguments")
        empty = {"list": "an empty list", "set": "an empty set", "dict": "an empty table"}
        if isinstance(func, ast.Name) and func.id in empty and not node.args:
            return empty[func.id]
        if isinstance(func, ast.Name) and func.id in _CALLS and len(node.args) == 1:
            template = _CALLS[func.id]
            if _sorted_reverse(node):
                template = "{} sorted in descending order"
            return template.format(self.expr(node.args[0], True))
        if isinstance(func, ast.Name) and func.id in {"max", "min"} and len(node.args) > 1:
            word = "larger" if func.id == "max" else "smaller"
            if len(node.args) > 2:
                word = "largest" if func.id == "max" else "smallest"
            items = [self.expr(a, True) for a in node.args]
            return f"the {word} of " + ", ".join(items[:-1]) + " and " + items[-1]
        if isinstance(func, ast.Name) and func.id in _TWO_ARGUMENTS and len(node.args) == 2:
            first, second = (self.expr(a, True) for a in node.args)
            return _TWO_ARGUMENTS[func.id].format(first, second)
        if isinstance(func, ast.Name) and func.id in {"map", "filter"} and len(node.args) == 2:
            return self.mapping(func.id, node.args[0], node.args[1])
        if isinstance(func, ast.Attribute):
            return self.method(func, node)
        raise Unsupported("unknown_call")

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
        if how == "map" and isinstance(function, ast.Name) and function.id in _CALLS:
            return f"each item of {source} turned into " + _CALLS[function.id].format(
                "a value"
            ).removeprefix("the ")
        raise Unsupported("mapped_function")

    def method(self, func: ast.Attribute, node: ast.Call) -> str:
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "math" and len(node.args) == 1:
            if func.attr in _MATH:
                return _MATH[func.attr].format(self.expr(node.args[0], True))
            raise Unsupported("math_function")
        base = self.expr(owner, True)
        if func.attr in _METHODS and not node.args:
            return _METHODS[func.attr].format(base)
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
        if func.attr in _PREDICATES and len(node.args) == 1:
            return _PREDICATES[func.attr][0].format(base, self.expr(node.args[0], True))
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
            names = [self.name(e.id).removeprefix("the ") for e in node.elts]  # type: ignore
            return "pair of " + " and ".join(names) if len(names) == 2 else "group of " + ", ".join(
                names
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
            if isinstance(step, ast.UnaryOp) and _is_constant(step.operand, 1):
                return f"from {start} down to but not including {self.expr(stop, True)}"
            return (
                f"from {start} up to but not including {self.expr(stop, True)}, "
                f"in steps of {self.expr(step, True)}"
            )
        if isinstance(stop, ast.BinOp) and isinstance(stop.op, ast.Add) and _is_constant(
            stop.right, 1
        ):
            return f"from {start} up to and including {self.expr(stop.left, True)}"
        return f"from {start} up to but not including {self.expr(stop, True)}"


def _is_constant(node: ast.AST, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value == value and type(node.value) is int


def _sorted_reverse(node: ast.Call) -> bool:
    return (
        len(node.keywords) == 1
        and node.keywords[0].arg == "reverse"
        and isinstance(node.keywords[0].value, ast.Constant)
        and node.keywords[0].value.value is True
    )


_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Break, ast.Continue)
_AUGMENTED = {
    ast.Add: "add {v} to {t}",
    ast.Sub: "subtract {v} from {t}",
    ast.Mult: "multiply {t} by {v}",
    ast.Div: "divide {t} by {v}",
    ast.FloorDiv: "divide {t} by {v}, rounding down",
    ast.Mod: "replace {t} with the remainder of {t} divided by {v}",
    ast.Pow: "raise {t} to the power {v}",
}
_MUTATIONS = {
    "append": "append {a} to {o}",
    "add": "add {a} to {o}",
    "extend": "append every item of {a} to {o}",
    "remove": "remove the first {a} from {o}", "update": "add every entry of {a} to {o}",
    "discard": "remove {a} from {o} if it is there",
}
_NO_ARGUMENT = {
    "sort": "sort {o} in ascending order", "reverse": "reverse {o}",
    "pop": "remove the last item of {o}", "clear": "empty {o}",
}
_CODE_TOKENS = re.compile(r"`|==|!=|<=|>=|\+=|-=|\*=|\bdef\s|\w\(|\w\[|\b[a-z]+_[a-z_]+\b|[:;]\s*$")


class _Planner(_Writer):
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
            if type(stmt.op) not in _AUGMENTED:
                raise Unsupported("augmented_operator")
            return _AUGMENTED[type(stmt.op)].format(
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
            if isinstance(func, ast.Attribute) and func.attr == "sort" and _sorted_reverse(call):
                return f"sort {self.expr(func.value, True)} in descending order"
            raise Unsupported("call_statement")
        owner = self.expr(func.value, True)
        if func.attr in _MUTATIONS and len(call.args) == 1:
            return _MUTATIONS[func.attr].format(a=self.expr(call.args[0], True), o=owner)
        if func.attr in _NO_ARGUMENT and not call.args:
            return _NO_ARGUMENT[func.attr].format(o=owner)
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
        head = tuple(range(node.lineno, node.test.end_lineno + 1))  # type: ignore[operator]
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
        if not inner or len(inner) >= len(_NUMBERS):
            raise Unsupported("block_too_long")
        return [Step(_sentence(f"{head}, {verb} {_count(len(inner))}"), lines), *inner]

    def loop(self, node: ast.For | ast.While) -> list[Step]:
        if node.orelse:
            raise Unsupported("loop_else")
        if isinstance(node, ast.While):
            condition = self.expr(node.test)
            head = tuple(range(node.lineno, node.test.end_lineno + 1))  # type: ignore[operator]
            return self._headed(f"While {condition}", "repeat", head, node.body)
        phrase = self.loop_phrase(self.target(node.target), node.iter)
        head = tuple(range(node.lineno, node.iter.end_lineno + 1))  # type: ignore[operator]
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


def _entry_function(tree: ast.Module, entry_point: str) -> ast.FunctionDef:
    functions = [s for s in tree.body if isinstance(s, ast.FunctionDef)]
    if any(not isinstance(s, ast.FunctionDef | ast.Import | ast.ImportFrom) for s in tree.body):
        raise Unsupported("module_level_code")
    if len(functions) != 1:
        raise Unsupported("helper_functions" if functions else "no_function")
    function = functions[0]
    if function.name != entry_point:
        raise Unsupported("entry_point_not_defined")
    if function.decorator_list or function.args.vararg or function.args.kwarg:
        raise Unsupported("function_signature")
    return function


def explain(program: str, entry_point: str) -> tuple[Steps, Links] | str:
    """The plan and its line links, or the reason (snake_case) no faithful plan was written."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in old MBPP strings
            tree = ast.parse(program)
        function = _entry_function(tree, entry_point)
        steps = _Planner(function, program.splitlines()).block(function.body)
    except Unsupported as exc:
        return str(exc)
    except SyntaxError:
        return "syntax_error"
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        return f"{len(steps)}_steps_outside_{MIN_STEPS}_to_{MAX_STEPS}"
    if any(len(step.text) > MAX_STEP_CHARS for step in steps):
        return "step_too_long"
    if any(_CODE_TOKENS.search(step.text) for step in steps):
        return "code_token_in_wording"
    return tuple(s.text for s in steps), tuple(tuple(sorted(set(s.lines))) for s in steps)


_CACHE: dict[str, tuple[Steps, Links] | str] = {}


def explained(program: str, entry_point: str) -> tuple[Steps, Links] | str:
    """`explain`, cached by the hash of the program and entry point."""
    key = digest([program, entry_point])
    if key not in _CACHE:
        _CACHE[key] = explain(program, entry_point)
    return _CACHE[key]


def verbalize(program: str, entry_point: str) -> tuple[Steps, Links] | None:
    """A 3 to 10 step plan of `entry_point` with the program lines of each step, or None."""
    found = explained(program, entry_point)
    return None if isinstance(found, str) else found


def name_phrase(function: ast.FunctionDef, ident: str) -> str:
    """How plans written here refer to a variable or argument of `function`."""
    return _Writer(function, []).name(ident)
