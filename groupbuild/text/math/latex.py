"""The shape of LaTeX math text: math spans, `\\boxed{}` answers, drawings, balance.

Competition solutions (MATH) write their computations in LaTeX: `$...$`, `\\[...\\]`, `$$...$$`
and environments such as `align*`, the final answer in `\\boxed{...}` (nested braces allowed),
and figures as `[asy]...[/asy]` drawing code, which is not reasoning. This module finds those
parts by scanning, so later code never splits inside math or reads drawing code as a step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ASY = re.compile(r"\[asy\].*?\[/asy\]", re.S | re.I)
_BOXED = ("\\boxed", "\\fbox")
_BEGIN = re.compile(r"\\begin\{([A-Za-z*]+)\}")


@dataclass(frozen=True)
class Span:
    """A math span of a text: `start:end` includes the delimiters, `inner` excludes them."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    display: bool


def strip_drawings(text: str) -> str:
    """The text with `[asy]...[/asy]` drawing code removed."""
    return _ASY.sub(" ", text)


def is_latex(steps: Sequence[str] | str) -> bool:
    """A LaTeX-shaped trace or solution: it states its answer in `\\boxed{}`."""
    texts = [steps] if isinstance(steps, str) else steps
    return any(marker in t for t in texts for marker in _BOXED)


def _escaped(text: str, i: int) -> bool:
    """Whether `text[i]` is escaped by an odd number of backslashes."""
    k, n = i - 1, 0
    while k >= 0 and text[k] == "\\":
        n += 1
        k -= 1
    return n % 2 == 1


def math_spans(text: str) -> list[Span]:
    """Every top-level math span: `$..$`, `$$..$$`, `\\(..\\)`, `\\[..\\]`, `\\begin..\\end`.

    An unclosed delimiter makes a span that runs to the end of the text, so nothing after it
    is read as prose.
    """
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "$" and not _escaped(text, i):
            double = text.startswith("$$", i)
            opener = 2 if double else 1
            j = _find_dollar(text, i + opener, double)
            close = j if j >= 0 else n
            end = min(n, close + opener) if j >= 0 else n
            spans.append(Span(i, end, i + opener, close, double))
            i = end
            continue
        if ch == "\\" and i + 1 < n and text[i + 1] in "[(" and not _escaped(text, i):
            closer = "\\]" if text[i + 1] == "[" else "\\)"
            j = text.find(closer, i + 2)
            close = j if j >= 0 else n
            end = close + 2 if j >= 0 else n
            spans.append(Span(i, end, i + 2, close, text[i + 1] == "["))
            i = end
            continue
        if ch == "\\" and (m := _BEGIN.match(text, i)) and not _escaped(text, i):
            end_tag = f"\\end{{{m.group(1)}}}"
            j = _matching_end(text, m.end(), m.group(1))
            close = j if j >= 0 else n
            end = close + len(end_tag) if j >= 0 else n
            spans.append(Span(i, end, m.end(), close, True))
            i = end
            continue
        i += 1
    return spans


def _find_dollar(text: str, i: int, double: bool) -> int:
    while i < len(text):
        dollar = text[i] == "$" and not _escaped(text, i)
        if dollar and (not double or text.startswith("$$", i)):
            return i
        i += 1
    return -1


def _matching_end(text: str, i: int, name: str) -> int:
    begin, end = f"\\begin{{{name}}}", f"\\end{{{name}}}"
    depth = 1
    while i < len(text):
        if text.startswith(begin, i):
            depth += 1
            i += len(begin)
        elif text.startswith(end, i):
            depth -= 1
            if depth == 0:
                return i
            i += len(end)
        else:
            i += 1
    return -1


def brace_end(text: str, brace: int) -> int:
    """The index of the `}` closing the `{` at `brace`, or -1."""
    depth = 0
    for i in range(brace, len(text)):
        if text[i] in "{}" and _escaped(text, i):
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def boxed_spans(text: str) -> list[tuple[int, int]]:
    """`(start, end)` of the content of every `\\boxed{...}` / `\\fbox{...}`, in order."""
    found = []
    for marker in _BOXED:
        for m in re.finditer(re.escape(marker) + r"\s*\{", text):
            close = brace_end(text, m.end() - 1)
            if close >= 0:
                found.append((m.end(), close))
    return sorted(found)


def last_boxed(texts: Sequence[str] | str) -> str | None:
    """The content of the last `\\boxed{...}` of a text or trace, stripped; None if none."""
    for text in reversed([texts] if isinstance(texts, str) else list(texts)):
        spans = boxed_spans(text)
        if spans:
            lo, hi = spans[-1]
            return text[lo:hi].strip() or None
    return None


def balanced(text: str) -> bool:
    """Every `$`, `$$`, `\\[`, `\\(` and environment closes, and braces balance."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{}" and not _escaped(text, i):
            depth += 1 if ch == "{" else -1
            if depth < 0:
                return False
    if depth:
        return False
    spans = math_spans(text)
    for span in spans:
        if span.inner_end >= len(text) or span.end > len(text):
            return False
        if text[span.start] == "$" and text[span.inner_end] != "$":
            return False
    prose = outside_math(text, spans)
    return "\\]" not in prose and "\\)" not in prose and "\\end{" not in prose


def outside_math(text: str, spans: list[Span] | None = None) -> str:
    """The prose of a text: math spans blanked out (offsets kept)."""
    chars = list(text)
    for span in spans if spans is not None else math_spans(text):
        for k in range(span.start, min(span.end, len(chars))):
            chars[k] = " "
    return "".join(chars)
