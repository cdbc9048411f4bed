"""Final answers of math traces and executor replies: find them, and decide when two are equal.

`extract_answer` looks, in order, for the last `#### x` line, the last `\\boxed{x}`, the last
"answer is x" / "final answer: x", and finally the last number in the text.

`equivalent` tries a fast exact path first (integers, decimals, fractions `a/b`, `\\frac{a}{b}`,
money, thousands separators, percents) and only then math-verify for LaTeX and symbolic forms.
Tolerance: two numbers are equal when they are equal as exact rationals; two integers only
then (so 192000000 and 192000001 differ). Otherwise, when one may be a rounded decimal,
`math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-12)` decides (default `rel_tol=1e-6`: `0.333333`
and `1/3` are equal, `0.33` and `1/3` are not). A percent compares by its number: `25%` equals
`25`, the form GSM8K-style gold answers use.
"""

from __future__ import annotations

import math
import re
import threading
from fractions import Fraction

_NUMBER_RE = re.compile(
    r"(?<![\w.])-?\$?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:/\d+(?!\.\d))?%?"
    r"|(?<![\w.])-?\.\d+%?"
)
_HASHES_RE = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)
_ANSWER_IS_RE = re.compile(r"(?:final answer|answer)\s*(?:is|:|=)\s*[:\s]*(.+)", re.IGNORECASE)
_BOXED = ("\\boxed", "\\fbox")
_LATEX_NOISE = re.compile(r"\\[,!;: ]|\\left|\\right|\\text\{\s*\}|\\displaystyle")
_UNIT_TEXT = re.compile(r"\\(?:text|mbox|mathrm)\{[^{}]*\}")
_FRAC = re.compile(r"^(-?)\\[dt]?frac\{(-?\d+)\}\{(-?\d+)\}$|^(-?)\\[dt]?frac(\d)(\d)$")
_PLAIN = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
_RATIO = re.compile(r"^(-?\d+)\s*/\s*(-?\d+)$")


def extract_answer(text: str) -> str | None:
    """The final answer of a trace or reply, cleaned of `$`, commas, and trailing punctuation."""
    text = text.replace("\u2212", "-")
    hashes = _HASHES_RE.findall(text)
    if hashes:
        return _clean(hashes[-1])
    boxed = _last_boxed(text)
    if boxed is not None:
        return _clean(boxed)
    stated = _ANSWER_IS_RE.findall(text)
    if stated:
        return _from_statement(stated[-1])
    numbers = _NUMBER_RE.findall(text)
    return _clean(numbers[-1]) if numbers else None


def _last_boxed(text: str) -> str | None:
    start = max(text.rfind(marker) for marker in _BOXED)
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for i in range(brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[brace + 1 : i]
    return None


def _from_statement(tail: str) -> str | None:
    """From the words after "answer is": a boxed or `$...$` expression, else its first number."""
    boxed = _last_boxed(tail)
    if boxed is not None:
        return _clean(boxed)
    math_span = re.search(r"\$([^$]+)\$", tail)
    if math_span and not re.fullmatch(r"[\d,.\s]+", math_span.group(1)):
        return _clean(math_span.group(1))
    numbers = _NUMBER_RE.findall(tail)
    if numbers:
        return _clean(numbers[0])
    phrase = re.split(r"(?<=\S)\.(?:\s|$)", tail.strip(), maxsplit=1)[0]
    return _clean(phrase) or None


def _clean(answer: str) -> str:
    text = answer.strip().rstrip(".").strip()
    text = text.replace("\\$", "").replace("\\%", "%")
    if re.fullmatch(r"-?\$?\s?[\d,]*\.?\d+%?", text):
        text = text.replace("$", "").replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?", text):
            text = text.replace(",", "")
    return text


def _as_number(answer: str) -> Fraction | None:
    """An exact rational for plain numeric forms, None for anything symbolic."""
    boxed = _last_boxed(answer)
    if boxed is not None:
        answer = boxed
    text = _UNIT_TEXT.sub("", _LATEX_NOISE.sub("", answer)).strip().strip("$").strip()
    text = _clean(text).replace("$", "").rstrip("%").strip()
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    if _PLAIN.match(text):
        return Fraction(text)
    ratio = _RATIO.match(text)
    frac = _FRAC.match(text.replace(" ", ""))
    try:
        if ratio:
            return Fraction(int(ratio.group(1)), int(ratio.group(2)))
        if frac:
            groups = frac.groups()
            sign, num, den = groups[:3] if groups[1] is not None else groups[3:]
            value = Fraction(int(num), int(den))
            return -value if sign else value
    except ZeroDivisionError:
        return None
    return None


def equivalent(a: str, b: str, *, rel_tol: float = 1e-6) -> bool:
    """Whether two final answers denote the same value (see the module notes on tolerance)."""
    x, y = _as_number(a), _as_number(b)
    if x is not None and y is not None:
        if x == y:
            return True
        if x.denominator == 1 and y.denominator == 1:
            return False
        return math.isclose(x, y, rel_tol=rel_tol, abs_tol=1e-12)
    if _normal_text(a) == _normal_text(b):
        return True
    return _symbolic_equal(a, b)


def _normal_text(answer: str) -> str:
    return re.sub(r"\s+", "", _LATEX_NOISE.sub("", answer)).strip("$").rstrip(".").lower()


def _symbolic_equal(a: str, b: str) -> bool:
    """math-verify on both sides; its signal-based timeout only works in the main thread."""
    from math_verify import parse, verify

    timeout = 5 if threading.current_thread() is threading.main_thread() else None
    try:
        gold = parse(_as_latex(a), parsing_timeout=timeout)
        pred = parse(_as_latex(b), parsing_timeout=timeout)
        if not gold or not pred:
            return False
        return bool(verify(gold, pred, timeout_seconds=timeout))
    except Exception:
        return False


def _as_latex(answer: str) -> str:
    text = answer.strip()
    return text if text.startswith("$") else f"${text}$"
