"""Tokens of a plain-text math step: numbers, operators, brackets, `=`, units and breaks."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from groupbuild.text.math.numerals import parse_number

TOKEN = re.compile(
    r"(?P<num>(?P<cur>[$€£]\s?)?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?P<pct>\s?%)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z_']*)"
    r"|(?P<op>[-+*/×÷^–−])"
    r"|(?P<lp>\()|(?P<rp>\))|(?P<eq>=)"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)"
)
"""Numbers (currency, thousands commas, decimals, `%`), words, operators and brackets."""


class Tok(NamedTuple):
    """One token of a step: a number, an operator, a parenthesis, `=`, or a break."""

    kind: str
    """`num`, `op`, `lp`, `rp`, `eq`, `unit` (a word inside an expression, skipped), or `brk`
    (a word or punctuation: ends an expression)."""
    start: int
    end: int
    text: str
    value: Fraction | None = None
    percent: bool = False


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[Tok, ...]:
    """Tokens of a step with white space dropped (cached: judges and checks re-read steps).

    Unit words written inside an expression (`5 snakes/jaguar * 6 jaguars = 30`) become
    `unit` tokens that the evaluator skips; `x` is multiplication only between numbers.
    """
    raw: list[Tok] = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "ws":
            continue
        s, e, t = m.start(), m.end(), m.group()
        if kind in ("num", "cur", "pct"):
            raw.append(Tok("num", s, e, t, parse_number(t), m.group("pct") is not None))
        elif kind in ("op", "lp", "rp", "eq"):
            raw.append(Tok(kind, s, e, t))
        elif kind == "word":
            raw.append(Tok("word", s, e, t))
        else:
            raw.append(Tok("brk", s, e, t))
    _mark_units(raw)
    return tuple(_classify_x(raw))


_STOP = frozenset(
    [
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "so",
        "because",
        "which",
        "then",
        "that",
        "to",
        "for",
        "if",
        "but",
        "he",
        "she",
        "they",
        "it",
        "we",
        "there",
        "this",
        "since",
        "with",
        "from",
        "by",
        "at",
        "on",
        "than",
        "will",
        "has",
        "have",
        "had",
        "makes",
        "make",
        "gets",
        "get",
        "equals",
        "x",
        "X",
    ]
)
_MAX_UNIT = 5


def _mark_units(tokens: list[Tok]) -> None:
    """Turn the words right after a number into `unit` tokens when arithmetic follows them."""
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "num":
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and j - i <= _MAX_UNIT:
            tok = tokens[j]
            if tok.kind == "word" and tok.text not in _STOP:
                j += 1
            elif (
                tok.kind == "op"
                and tok.text == "/"
                and j + 1 < len(tokens)
                and tokens[j + 1].kind == "word"
                and tokens[j + 1].text not in _STOP
            ):
                j += 2
            else:
                break
        if j > i + 1 and j < len(tokens) and _starts_arithmetic(tokens, j):
            for k in range(i + 1, j):
                old = tokens[k]
                tokens[k] = Tok("unit", old.start, old.end, old.text)
        i = j if j > i + 1 else i + 1


def _starts_arithmetic(tokens: list[Tok], j: int) -> bool:
    tok = tokens[j]
    if tok.kind in ("eq", "rp", "op"):
        return True
    return tok.kind == "word" and tok.text in ("x", "X")


def _classify_x(tokens: list[Tok]) -> list[Tok]:
    """A lone `x` multiplies when a number (or `)`) precedes it and a number (or `(`) follows."""
    out = list(tokens)
    for i, tok in enumerate(out):
        if tok.kind == "word":
            kind = "brk"
            if tok.text in ("x", "X"):
                k = i - 1
                while k >= 0 and out[k].kind == "unit":
                    k -= 1
                left = out[k].kind if k >= 0 else ""
                right = out[i + 1].kind if i + 1 < len(out) else ""
                if left in ("num", "rp") and right in ("num", "lp"):
                    kind = "op"
            out[i] = Tok(kind, tok.start, tok.end, tok.text)
    return out
