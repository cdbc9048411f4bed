"""Exact arithmetic for checking GSM8K-style calculator annotations `<<expr=value>>`.

Annotations are evaluated with `Fraction` over a tiny `ast` whitelist (never `eval`), so
`1/3*3` is exactly 1 and a bad annotation can be told from a float artefact. This is the
calculator's grammar (Python operators: `**`, `//`, `%` as modulo), not the prose of a step,
which `text.math` evaluates (`x`, `÷`, `^`, `%` as percent); numbers are read by the one reader
in `text.math.numerals`.
"""

import ast
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from groupbuild.text.math.numerals import PLAIN_DECIMAL
from groupbuild.text.math.numerals import parse_number as read_number

ANNOTATION = re.compile(r"<<([^<>]*)>>")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_MAX_EXPONENT = 64
_MAX_MAGNITUDE = Fraction(10) ** 30
_MAX_DIGITS = 100
"""Longer numbers are not answers to word problems, and past 4300 digits `int()` refuses them."""
REL_TOLERANCE = Fraction(1, 10**6)


class ArithError(ValueError):
    """An expression outside the calculator grammar, or one that cannot be evaluated."""


@dataclass(frozen=True)
class Annotation:
    """One `<<expr=value>>` found in a text."""

    expr: str
    value: str
    start: int


def annotations(text: str) -> Iterator[Annotation]:
    """Every annotation in `text`; one without `=` yields an empty value so it is reported."""
    for match in ANNOTATION.finditer(text):
        expr, sep, value = match.group(1).rpartition("=")
        if not sep:
            expr, value = match.group(1), ""
        yield Annotation(expr=expr.strip(), value=value.strip(), start=match.start())


def parse_number(text: str) -> Fraction:
    """A plain number as written in solutions (`$1,200.50`, `-3`, `.5`, `40%`), read by the one
    number reader (`text.math.parse_number`); raises `ArithError` naming what is wrong."""
    if len(text.strip().replace(",", "")) > _MAX_DIGITS:
        raise ArithError(f"{clip(text)!r} has more than {_MAX_DIGITS} characters")
    value = read_number(text, plain=True)
    if value is None:
        raise ArithError(f"{clip(text)!r} is not a number")
    return value


def normalize_number(text: str) -> str:
    """The answer string a seed carries: no `,`/`$`, decimals and sign kept (`1,000` -> `1000`)."""
    cleaned = text.strip().replace(",", "").replace("$", "").strip()
    if not PLAIN_DECIMAL.fullmatch(cleaned):
        raise ArithError(f"{clip(text)!r} is not a plain number")
    return cleaned


def close(a: Fraction, b: Fraction) -> bool:
    """Equal within the relative tolerance (absolute near zero)."""
    return a == b or abs(a - b) <= REL_TOLERANCE * max(Fraction(1), abs(a), abs(b))


def rounds_to(exact: Fraction, shown: str) -> bool:
    """`shown` is `exact` rounded (half up or down) to the decimals `shown` writes.

    Integers count too: `<<7/3=2>>` is a rounding of 2.33, but `<<7/3=3>>` is not.
    """
    try:
        value = parse_number(shown)
    except ArithError:
        return False
    _, _, decimals = shown.partition(".")
    unit = Fraction(1, 10 ** len(decimals.strip().rstrip("%")))
    return abs(exact - value) <= unit / 2


def evaluate(expr: str) -> Fraction:
    """The exact value of a calculator expression: numbers, + - * / // % ** and parentheses."""
    return _evaluate_cached(expr.replace(",", "").replace("$", "").strip())


def clip(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for an error message."""
    return text if len(text) <= limit else text[:limit] + "..."


@lru_cache(maxsize=65536)
def _evaluate_cached(expr: str) -> Fraction:
    """Parse and evaluate; input beyond what Python can parse or hold is an `ArithError`."""
    if not expr:
        raise ArithError("empty expression")
    try:
        tree = ast.parse(expr, mode="eval")
        return _eval_node(tree.body)
    except ArithError:
        raise
    except SyntaxError:
        raise ArithError(f"{clip(expr)!r} is not an arithmetic expression") from None
    except (ValueError, OverflowError, RecursionError, MemoryError) as exc:
        raise ArithError(f"{clip(expr)!r} cannot be evaluated: {type(exc).__name__}") from None


def _eval_node(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise ArithError("value out of range")
        value = Fraction(node.value) if type(node.value) is int else Fraction(str(node.value))
        if abs(value) > _MAX_MAGNITUDE:
            raise ArithError("value out of range")
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _eval_node(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _binop(node.op, _eval_node(node.left), _eval_node(node.right))
    raise ArithError(f"unsupported syntax {type(node).__name__}")


def _binop(op: ast.operator, left: Fraction, right: Fraction) -> Fraction:
    if isinstance(op, ast.Add):
        result = left + right
    elif isinstance(op, ast.Sub):
        result = left - right
    elif isinstance(op, ast.Mult):
        result = left * right
    elif isinstance(op, ast.Div | ast.FloorDiv | ast.Mod):
        if right == 0:
            raise ArithError("division by zero")
        if isinstance(op, ast.Div):
            result = left / right
        elif isinstance(op, ast.FloorDiv):
            result = Fraction(left // right)
        else:
            result = left % right
    elif isinstance(op, ast.Pow):
        result = _power(left, right)
    else:
        raise ArithError(f"unsupported operator {type(op).__name__}")
    if abs(result) > _MAX_MAGNITUDE:
        raise ArithError("value out of range")
    return result


def _power(base: Fraction, exponent: Fraction) -> Fraction:
    if abs(exponent) > _MAX_EXPONENT:
        raise ArithError("exponent too large")
    if exponent.denominator == 1:
        if base == 0 and exponent < 0:
            raise ArithError("division by zero")
        return base ** int(exponent)
    if base < 0:
        raise ArithError("fractional power of a negative number")
    try:
        value = float(base) ** float(exponent)
    except OverflowError:
        raise ArithError("value out of range") from None
    if not math.isfinite(value):
        raise ArithError("value out of range")
    return Fraction(value).limit_denominator(10**9)
