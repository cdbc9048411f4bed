"""Equalities in LaTeX steps, checked with sympy through math-verify's LaTeX parser.

A math span is cut into clauses at the relations that end a chain (`,`, `\\Rightarrow`, `<`,
`\\le`, `\\text{..}`, a new `align` line that does not start with `=`, ...), each clause into
segments at its top-level `=`. A segment is *numeric* when it parses to a closed-form number
(no variables, no unknown functions); consecutive numeric segments form an equation that is
judged exactly (rationals) or to 1e-9 relative (radicals, pi), a written decimal standing for
what it rounds. What cannot be parsed, or is too large to evaluate safely, is skipped: it is
never called false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from groupbuild.text.math.latex import brace_end, math_spans

_MAX_SEGMENT = 160
_BREAK_WORDS = (
    "\\Rightarrow",
    "\\Longrightarrow",
    "\\implies",
    "\\iff",
    "\\Leftrightarrow",
    "\\rightarrow",
    "\\to",
    "\\quad",
    "\\qquad",
    "\\le",
    "\\ge",
    "\\leq",
    "\\geq",
    "\\ne",
    "\\neq",
    "\\approx",
    "\\sim",
    "\\equiv",
    "\\pmod",
    "\\mod",
    "\\bmod",
    "\\in",
    "\\colon",
    "\\text",
    "\\textbf",
    "\\mbox",
    "\\mathrm",
    "\\cup",
    "\\cap",
    "\\Longleftrightarrow",
    "\\therefore",
    "\\pm",
    "\\mp",
)
_BREAK_CHARS = ",;<>:"
_REFUTED = re.compile(
    r"\b(?:not|no solutions?|contradiction|impossible|absurd|cannot|never|false|units? digits?"
    r"|remainders?|modulo|mod|digits? sum|last digits?)\b|\\(?:pmod|bmod|mod|equiv)\b",
    re.I,
)
_SKIP = re.compile(
    r"\\(?:cdots|ldots|dots|vdots|ddots|overline|underline|angle|triangle|circ(?!\w)|deg|log"
    r"|ln|sin|cos|tan|cot|sec|csc|lfloor|lceil|rfloor|rceil|sum|prod|int|lim|vec|hat|bar"
    r"|mathbf|mathbb|operatorname|begin|end|left\||right\||\|)|[_'|]|\\\$|%|\d{3,}\s*!"
)
_BIG_EXPONENT = re.compile(r"\^\s*\{?\s*-?\d{4,}|\^\s*\{[^{}]*\^|\^\s*\d+\s*\^")
_NOISE = re.compile(r"\\left|\\right|\\[,;! ]|\\displaystyle|&|\\\\|\\big|\\Big|\\bigg|\\Bigg")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*")
_MIXED = re.compile(r"\d\s*\\[dt]?frac|\\sqrt\s*\[")
_JUXTAPOSED = re.compile(r"([\d)}])\s*(?=\(|\\[dt]?binom)")
_AFTER_PAREN = re.compile(r"\)\s*(?=\d)")
_OPERATORS = re.compile(
    r"[*@#&]|\\(?:star|diamond|clubsuit|heartsuit|spadesuit|diamondsuit|nabla"
    r"|oplus|otimes|odot|bowtie|dagger|ast|circledast|boxplus|S\b|Delta|&|#)"
)
_DANGLING_OP = re.compile(r"^(?:[+*/^=]|\\(?:cdot|times|div)\b)|(?:[-+*/^=]|\\(?:cdot|times|div))$")
_DECIMAL = re.compile(r"^\s*-?\d*\.(\d+)\s*$")
NUMBER = re.compile(
    r"(?<![\w.\\])(?:\d{1,3}(?:(?:\{,\}|,\\!|,)\d{3})+(?![\d])|\d+(?:\.\d+)?)(?![\d])"
)
"""A number written in a step: digits, decimals, thousands groups (`1{,}000`, `1,\\!000`)."""


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Equation:
    """Consecutive numeric segments of a chain and whether they all agree."""

    segments: tuple[Segment, ...]
    holds: bool
    value: complex

    @property
    def result(self) -> Segment:
        return self.segments[-1]


def number_value(text: str) -> float:
    return float(re.sub(r"\{,\}|,\\!|,", "", text))


def _top_level(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Top-level marks in text[lo:hi]: `=`, breaks and align line ends, with their kind."""
    marks: list[tuple[int, int, str]] = []
    depth = 0
    i = lo
    while i < hi:
        ch = text[i]
        if ch == "\\" and text.startswith("\\\\", i):
            rest = text[i + 2 : hi].lstrip().lstrip("&").lstrip()
            marks.append((i, i + 2, "join" if rest.startswith("=") else "break"))
            i += 2
            continue
        if ch == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", text[i:hi])
            word = m.group() if m else "\\"
            if depth == 0 and word in _BREAK_WORDS:
                marks.append((i, i + len(word), "break"))
            if word in ("\\{", "\\}"):
                pass
            i += len(word)
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch == "=":
            marks.append((i, i + 1, "eq"))
        elif depth == 0 and ch in _BREAK_CHARS:
            thousands = ch == "," and re.match(r",(?:\\!)?\d{3}(?!\d)", text[i:hi])
            if not thousands:
                marks.append((i, i + 1, "break"))
        i += 1
    return marks


def chains(text: str) -> list[list[Segment]]:
    """Every `=` chain of the math in a step, as segments with their offsets."""
    out: list[list[Segment]] = []
    for span in math_spans(text):
        lo, hi = span.inner_start, span.inner_end
        current: list[Segment] = []
        start = lo
        for a, b, kind in [*_top_level(text, lo, hi), (hi, hi, "break")]:
            if kind == "join":
                continue
            current.append(Segment(start, a, text[start:a]))
            if kind == "break":
                if len(current) >= 2:
                    out.append(current)
                current = []
            start = b
    return out


def _normal(text: str, symbols: bool = False) -> str | None:
    if "\\&" in text or "\\#" in text:
        return None
    text = re.sub(r"(\d)(?:\{,\}|,\\!)(?=\d{3}(?!\d))", r"\1", text)
    body = _unbraced(_BOXED.sub("", _NOISE.sub(" ", text)).strip().rstrip(".,; "))
    if not body or _OPERATORS.search(body) or _DANGLING_OP.search(body):
        return None
    if len(body) > _MAX_SEGMENT or _SKIP.search(body) or _BIG_EXPONENT.search(body):
        return None
    body = re.sub(r"(\d)(?:\{,\}|,\\!|,)(?=\d{3}(?!\d))", r"\1", body)
    if _MIXED.search(body):
        return None
    body = _AFTER_PAREN.sub(r")\\cdot ", _JUXTAPOSED.sub(r"\1\\cdot ", body))
    letters = re.sub(r"\\[A-Za-z]+", "", body)
    if not symbols and re.search(r"[A-Za-z]", letters):
        return None
    if symbols and (re.search(r"[A-Za-z]{3,}|[A-Za-z]\s*\(", letters) or "\\text" in body):
        return None
    return body


def _unbraced(body: str) -> str:
    """`{x}` as `x` (what is left of `\\boxed{x}`), when the outer braces enclose it all."""
    while body.startswith("{") and brace_end(body, 0) == len(body) - 1:
        body = body[1:-1].strip()
    return body


@lru_cache(maxsize=8192)
def value_of(text: str) -> Any | None:
    """The sympy value of a closed-form numeric LaTeX segment, None for anything else."""
    body = _normal(text)
    if body is None:
        return None
    from latex2sympy2_extended import latex2sympy
    from sympy import Expr

    try:
        expr = latex2sympy(body)
    except Exception:
        return None
    if not isinstance(expr, Expr) or not expr.is_number or expr.free_symbols:
        return None
    try:
        expr = expr.doit()
    except Exception:
        return None
    try:
        value = complex(expr.evalf(30))
    except (TypeError, ValueError, OverflowError):
        return None
    if value != value or abs(value) == float("inf"):
        return None
    return expr


@lru_cache(maxsize=8192)
def expr_of(text: str) -> Any | None:
    """The sympy value of a segment that may hold single-letter variables (`12x-x^2`)."""
    body = _normal(text, symbols=True)
    if body is None:
        return None
    from latex2sympy2_extended import latex2sympy
    from sympy import Expr
    from sympy.core.function import AppliedUndef

    try:
        expr = latex2sympy(body)
    except Exception:
        return None
    if not isinstance(expr, Expr) or expr.atoms(AppliedUndef) or len(expr.free_symbols) > 4:
        return None
    return expr


_POINTS = ((0.3137, 1.4142, -0.7071, 2.2361), (1.7321, -0.5772, 0.6931, 1.2020))


def relation(a_text: str, b_text: str) -> bool | None:
    """Whether `a = b` holds: numerically for closed forms, as an identity (equal at fixed
    irrational points) when they hold variables; None when either side cannot be read."""
    a, b = value_of(a_text), value_of(b_text)
    if a is not None and b is not None:
        return agree(a, b, a_text, b_text)
    x, y = expr_of(a_text), expr_of(b_text)
    if x is None or y is None:
        return None
    names = sorted(x.free_symbols | y.free_symbols, key=str)
    if not names:
        return None
    for point in _POINTS:
        env = dict(zip(names, point, strict=False))
        try:
            u, v = complex(x.evalf(20, subs=env)), complex(y.evalf(20, subs=env))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            return None
        if u != u or v != v:
            return None
        if abs(u - v) > 1e-8 * max(1.0, abs(u)):
            return False
    return True


def _numeric(expr: Any) -> complex:
    return complex(expr.evalf(30))


def agree(a: Any, b: Any, a_text: str = "", b_text: str = "") -> bool:
    """Whether two numeric values are equal, `b` read as written: a decimal stands for what
    it rounds, an integer after a computation on decimals for the nearest whole number."""
    if a.is_Rational and b.is_Rational and not (b.is_Integer and "." in a_text):
        return bool(a == b)
    x, y = _numeric(a), _numeric(b)
    tol = 1e-9 * max(1.0, abs(x))
    m = _DECIMAL.match(_NOISE.sub("", b_text))
    if m:
        tol = max(tol, 0.5 * 10 ** -len(m.group(1)))
    elif "." in a_text and bare_integer(b_text) is not None:
        tol = 0.5
    return abs(x - y) <= tol


@lru_cache(maxsize=4096)
def equations(text: str) -> tuple[Equation, ...]:
    """The numeric equations of a step (see the module docstring)."""
    found: list[Equation] = []
    for chain in chains(text):
        run: list[Segment] = []
        for seg in [*chain, None]:
            value = value_of(seg.text) if seg is not None else None
            if seg is not None and value is not None:
                run.append(seg)
                continue
            if len(run) >= 2:
                first = value_of(run[0].text)
                holds = all(agree(first, value_of(s.text), run[0].text, s.text) for s in run[1:])
                found.append(Equation(tuple(run), holds, _numeric(first)))
            run = []
    return tuple(found)


def claims(text: str) -> tuple[Equation, ...]:
    """The equations a step asserts: none in a step that refutes what it writes
    (`... gives $0=8$, which has no solutions`)."""
    return () if _REFUTED.search(text) else equations(text)


def refutes(text: str) -> bool:
    """Whether a step refutes what it writes (its equalities are not claims)."""
    return _REFUTED.search(text) is not None


def count_false(steps: tuple[str, ...] | list[str]) -> int:
    return sum(not eq.holds for s in steps for eq in claims(s))


def false_steps(steps: tuple[str, ...] | list[str]) -> list[int]:
    return [j for j, s in enumerate(steps) if any(not eq.holds for eq in claims(s))]


def bare_integer(text: str) -> int | None:
    """The integer a segment consists of (possibly boxed), else None."""
    body = _unbraced(_BOXED.sub("", _NOISE.sub(" ", text)).strip().rstrip(".,; "))
    if re.fullmatch(r"-?\d{1,12}", body):
        return int(body)
    return None


def satisfied(a_text: str, b_text: str, name: str, value: Any) -> bool | None:
    """Whether `a = b`, an equation in the one variable `name`, holds at `name = value`;
    None when it is not such an equation (or cannot be read)."""
    x, y = expr_of(a_text), expr_of(b_text)
    if x is None or y is None or value is None:
        return None
    names = {str(v) for v in x.free_symbols | y.free_symbols}
    if names != {name}:
        return None
    if relation(a_text, b_text):
        return None
    symbol = next(iter(x.free_symbols | y.free_symbols))
    try:
        u = complex(x.subs(symbol, value).evalf(30))
        v = complex(y.subs(symbol, value).evalf(30))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    if u != u or v != v:
        return None
    return abs(u - v) <= 1e-9 * max(1.0, abs(u))


def evaluated(text: str, values: dict[str, Any]) -> Any | None:
    """The closed-form value of a segment in variables at `values` (one per variable it
    holds), None when it holds none, holds another, or cannot be read."""
    expr = expr_of(text)
    if expr is None or not expr.free_symbols:
        return None
    names = {str(v): v for v in expr.free_symbols}
    if not set(names) <= set(values):
        return None
    try:
        value = expr.subs({names[n]: values[n] for n in names}).doit()
        number = complex(value.evalf(30))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    if number != number or abs(number) == float("inf") or value.free_symbols:
        return None
    return value


def bare_text(segment: str) -> str:
    """A result segment as plain text: `\\boxed{}`, spacing and closing punctuation gone."""
    return _unbraced(_BOXED.sub("", _NOISE.sub(" ", segment)).strip().rstrip(".,; "))
