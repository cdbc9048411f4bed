"""A LaTeX worked solution (MATH form) as reasoning steps: sentences and display math.

Source lines of a competition solution are line wraps, not steps, so the solution is read as
prose with math spans in it: a step ends at a sentence end outside math (`.`, `!`, `?` before
white space, or a blank line), before a concluding clause (`; `, `, so`, `, which gives`) and
after a display block (`\\[...\\]`, `$$...$$`, an
environment). Nothing is ever split inside a math span or a brace group, `[asy]` drawings are
dropped, and each step is one line whose `$`, braces and environments balance.
"""

from __future__ import annotations

import re

from groupbuild.errors import StageReject
from groupbuild.schema import Trace
from groupbuild.text.math.latex import balanced, math_spans, strip_drawings

_SPACE = re.compile(r"\s+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "Mr.", "Mrs.", "Dr.", "St.")
_MIN_WORDS = 3
_CLAUSE = re.compile(r"\s+(?:so|thus|hence|therefore|which gives|which means|giving|and so)\b")
"""A clause after a comma that draws a conclusion starts a step of its own."""


def _breaks(text: str) -> list[int]:
    """Offsets after which a step may end."""
    spans = math_spans(text)
    inside = [False] * (len(text) + 1)
    for span in spans:
        for k in range(span.start, min(span.end, len(text))):
            inside[k] = True
    cuts: list[int] = [span.end for span in spans if span.display]
    depth = 0
    for i, ch in enumerate(text):
        if inside[i]:
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if depth:
            continue
        if ch in ".!?" and (i + 1 == len(text) or text[i + 1].isspace()):
            if not any(text[: i + 1].endswith(a) for a in _ABBREVIATIONS):
                cuts.append(i + 1)
        elif (ch == ";" and text[i + 1 : i + 2].isspace()) or (
            ch == "," and _CLAUSE.match(text, i + 1)
        ):
            cuts.append(i + 1)
        elif ch == "\n" and text[i + 1 : i + 2] == "\n":
            cuts.append(i)
    return sorted(set(cuts))


def split_solution(solution: str) -> list[str]:
    """The steps of a LaTeX solution, each one balanced line (see the module docstring)."""
    text = strip_drawings(solution)
    pieces: list[str] = []
    last = 0
    for cut in [*_breaks(text), len(text)]:
        piece = _SPACE.sub(" ", text[last:cut]).strip()
        last = cut
        if piece:
            pieces.append(piece)
    steps: list[str] = []
    for piece in pieces:
        if steps and (not balanced(steps[-1]) or _fragment(piece)):
            steps[-1] = f"{steps[-1]} {piece}"
        else:
            steps.append(piece)
    if len(steps) > 1 and _fragment(steps[0]):
        steps[:2] = [f"{steps[0]} {steps[1]}"]
    return steps


def _fragment(piece: str) -> bool:
    """Too little to stand as a step: punctuation, or a few words with no math."""
    words = re.findall(r"[A-Za-z0-9]+", piece)
    return not words or (len(words) < _MIN_WORDS and "$" not in piece and "\\" not in piece)


def latex_solution_to_trace(solution: str) -> Trace:
    """The reference trace of a LaTeX solution; rejects one whose LaTeX cannot be balanced."""
    steps = split_solution(solution)
    if not steps:
        raise StageReject("unparseable_solution", "the solution has no steps")
    bad = [i for i, s in enumerate(steps) if not balanced(s)]
    if bad:
        raise StageReject("unbalanced_latex", f"step(s) {bad} do not balance their LaTeX")
    return Trace(steps=tuple(steps))
