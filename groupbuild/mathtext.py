"""Arithmetic in plain-text math steps: tokens, equations, exact evaluation, number formatting.

A step such as `She earned 0.2 x 50 = $10 in total.` holds the equation `0.2 x 50 = 10`. This
module finds such equations (`x`, `×`, `*`, `÷`, `/`, `^`, parentheses, `$`, `%`, thousands
commas, decimals, chains `a = b = c`) and evaluates them exactly with `Fraction` through a small
recursive-descent parser: no `eval`, no sympy, so a trace parses in well under a millisecond.
On top of that sit whole-trace views: where each number comes from (`analyze`), the answer a
trace reaches (`trace_answer`), false equations, dangling quantities, and `propagate`, the
numeric fallout of one changed value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from groupbuild.schema import Trace

_TOKEN = re.compile(
    r"(?P<num>(?P<cur>[$€£]\s?)?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?P<pct>\s?%)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z_']*)"
    r"|(?P<op>[-+*/×÷^–−])"
    r"|(?P<lp>\()|(?P<rp>\))|(?P<eq>=)"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)"
)
_MUL, _DIV, _ADD, _SUB = frozenset("*×xX"), frozenset("/÷"), frozenset("+"), frozenset("-–−")
MAX_DECIMALS = 4
"""Values needing more decimals than this are rounded to two (GSM8K money style)."""


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


@dataclass(frozen=True)
class Equation:
    """`seg0 = seg1 = ...`; each segment is a half-open range of token indices."""

    segments: tuple[tuple[int, int], ...]
    holds: bool
    value: Fraction
    """The value the chain reaches (the first segment under the reading that makes it hold)."""
    percent_div: tuple[bool, ...]
    """Per segment: whether its `%` numbers were read as /100 (the reading that holds)."""

    @property
    def result(self) -> tuple[int, int]:
        return self.segments[-1]

    def operands(self) -> tuple[int, ...]:
        """Token indices of the numbers in every segment but the last."""
        return tuple(i for lo, hi in self.segments[:-1] for i in range(lo, hi))


@dataclass(frozen=True)
class Step:
    """A parsed step: its tokens, the indices of its numbers, its equations."""

    text: str
    tokens: tuple[Tok, ...]
    nums: tuple[int, ...]
    equations: tuple[Equation, ...]

    def result_tokens(self) -> set[int]:
        """Token indices that are the bare-number results of an equation."""
        found = (bare(self.tokens, *eq.result) for eq in self.equations)
        return {i for i in found if i is not None}


def bare(tokens: tuple[Tok, ...], lo: int, hi: int) -> int | None:
    """The index of the one number a segment consists of (units aside), else None."""
    found = None
    for i in range(lo, hi):
        kind = tokens[i].kind
        if kind == "num" and found is None:
            found = i
        elif kind != "unit":
            return None
    return found


def parse_number(text: str) -> Fraction | None:
    """The value of one number as written (`$1,200.50`, `45%` -> 45); None if it is not one."""
    cleaned = text.strip().lstrip("$€£").strip().rstrip("%").strip().replace(",", "")
    if cleaned.isdigit():
        return Fraction(int(cleaned))
    if not cleaned:
        return None
    try:
        return Fraction(cleaned)
    except ValueError:
        return None


def format_number(value: Fraction, like: str = "") -> str | None:
    """Render `value` in the style of the number `like` (currency, commas, %, decimals).

    None when the value needs more than `MAX_DECIMALS` decimals: rounding would put a
    visible approximation into the trace, so callers pick another edit instead.
    """
    body = _decimal(value)
    if body is None:
        return None
    style = like.strip()
    if style:
        shown = style.rstrip("%").strip().lstrip("$€£").strip()
        places = shown.split(".", 1)[1] if "." in shown else ""
        if places.endswith("0"):
            have = len(body.split(".", 1)[1]) if "." in body else 0
            if have < len(places):
                body = (body if have else body + ".") + "0" * (len(places) - have)
        if "," in shown:
            body = _commas(body)
        if style[0] in "$€£":
            body = style[: len(style) - len(style.lstrip("$€£ "))].rstrip() + body
        if style.endswith("%"):
            body += "%"
    return body


def _decimal(value: Fraction) -> str | None:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value.denominator == 1:
        return f"{sign}{value.numerator}"
    for places in range(1, MAX_DECIMALS + 1):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole, frac = divmod(scaled.numerator, 10**places)
            return f"{sign}{whole}.{frac:0{places}d}"
    return None


def _commas(body: str) -> str:
    sign, body = ("-", body[1:]) if body.startswith("-") else ("", body)
    whole, dot, frac = body.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def canonical(value: Fraction) -> str:
    """A plain number string (`72`, `0.25`, `3.33`) for comparing and storing answers."""
    text = _decimal(value)
    if text is None:
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text


def tolerance(text: str) -> Fraction:
    """Half a unit in the last written decimal place: `3.33` stands for 10/3, `3` only for 3."""
    shown = text.strip().rstrip("%").strip()
    if "." not in shown:
        return Fraction(0)
    return Fraction(1, 2 * 10 ** len(shown.split(".", 1)[1]))


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[Tok, ...]:
    """Tokens of a step with white space dropped (cached: judges and checks re-read steps).

    Unit words written inside an expression (`5 snakes/jaguar * 6 jaguars = 30`) become
    `unit` tokens that the evaluator skips; `x` is multiplication only between numbers.
    """
    raw: list[Tok] = []
    for m in _TOKEN.finditer(text):
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


class _Parser:
    """Recursive descent over a token range; numbers may be substituted by index."""

    def __init__(
        self,
        tokens: tuple[Tok, ...],
        lo: int,
        hi: int,
        subs: dict[int, Fraction] | None,
        percent_div: bool,
        env: dict[str, Fraction] | None = None,
    ) -> None:
        self.t, self.i, self.hi = tokens, lo, hi
        self.subs, self.pdiv, self.env = subs or {}, percent_div, env or {}

    def run(self) -> Fraction:
        value = self.expr()
        if self.i != self.hi:
            raise ValueError("trailing tokens")
        return value

    def peek(self) -> Tok | None:
        while self.i < self.hi and self.t[self.i].kind == "unit":
            self.i += 1
        return self.t[self.i] if self.i < self.hi else None

    def expr(self) -> Fraction:
        value = self.term()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in _ADD | _SUB:
            self.i += 1
            rhs = self.term()
            value = value + rhs if tok.text in _ADD else value - rhs
        return value

    def term(self) -> Fraction:
        value = self.unary()
        while (tok := self.peek()) is not None and (
            (tok.kind == "op" and tok.text in _MUL | _DIV) or tok.kind == "lp"
        ):
            self.i += tok.kind == "op"
            rhs = self.unary()
            if tok.kind == "lp" or tok.text in _MUL:
                value *= rhs
            elif rhs == 0:
                raise ValueError("division by zero")
            else:
                value /= rhs
        return value

    def unary(self) -> Fraction:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in _SUB:
            self.i += 1
            return -self.unary()
        base = self.atom()
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "^":
            self.i += 1
            exponent = self.unary()
            if exponent.denominator != 1 or abs(exponent) > 12:
                raise ValueError("unsupported exponent")
            return base**exponent.numerator
        return base

    def mixed_fraction(self, whole: Fraction) -> Fraction:
        """`1 1/2` is one and a half: an integer followed by a proper fraction of integers."""
        i, t = self.i, self.t
        if whole.denominator != 1 or i + 2 >= self.hi or t[i].kind != "num":
            return Fraction(0)
        num, slash, den = t[i], t[i + 1], t[i + 2]
        if slash.text != "/" or den.kind != "num" or "." in num.text + den.text:
            return Fraction(0)
        if i + 3 < self.hi and t[i + 3].kind in ("num", "lp"):
            return Fraction(0)
        assert num.value is not None and den.value is not None
        if not 0 < num.value < den.value:
            return Fraction(0)
        self.i += 3
        return num.value / den.value

    def atom(self) -> Fraction:
        tok = self.peek()
        if tok is None:
            raise ValueError("missing operand")
        if tok.kind == "num":
            self.i += 1
            value = self.subs.get(self.i - 1, tok.value)
            assert value is not None
            if tok.percent and self.pdiv:
                return value / 100
            return value + self.mixed_fraction(value)
        if tok.kind == "brk" and tok.text in self.env:
            self.i += 1
            return self.env[tok.text]
        if tok.kind == "lp":
            self.i += 1
            value = self.expr()
            close = self.peek()
            if close is None or close.kind != "rp":
                raise ValueError("unclosed parenthesis")
            self.i += 1
            return value
        raise ValueError(f"unexpected {tok.text!r}")


def evaluate(
    tokens: tuple[Tok, ...],
    lo: int,
    hi: int,
    subs: dict[int, Fraction] | None = None,
    percent_div: bool = True,
) -> Fraction:
    """Exact value of tokens[lo:hi]; `subs` replaces numbers by token index. Raises ValueError."""
    return _Parser(tokens, lo, hi, subs, percent_div).run()


def evaluate_text(text: str, env: dict[str, Fraction] | None = None) -> Fraction:
    """Exact value of an expression string, with named variables from `env` (identity checks)."""
    tokens = tokenize(text)
    return _Parser(tokens, 0, len(tokens), None, True, env).run()


class _Values:
    """Segment values of one step, computed once (an equation is judged under two readings)."""

    def __init__(self, tokens: tuple[Tok, ...]) -> None:
        self.tokens = tokens
        self.memo: dict[tuple[int, int, bool], Fraction | None] = {}

    def get(self, lo: int, hi: int, pdiv: bool = True) -> Fraction | None:
        key = (lo, hi, pdiv)
        if key not in self.memo:
            try:
                self.memo[key] = evaluate(self.tokens, lo, hi, percent_div=pdiv)
            except (ValueError, ZeroDivisionError, OverflowError):
                self.memo[key] = None
        return self.memo[key]


def _runs(tokens: tuple[Tok, ...]) -> list[tuple[int, int]]:
    """Maximal stretches of arithmetic tokens (anything but a break) that contain `=`."""
    runs, start = [], 0
    for i in range(len(tokens) + 1):
        if i == len(tokens) or tokens[i].kind == "brk":
            if any(t.kind == "eq" for t in tokens[start:i]):
                runs.append((start, i))
            start = i + 1
    return runs


def _equations_in_run(tokens: tuple[Tok, ...], lo: int, hi: int) -> list[Equation]:
    values = _Values(tokens)
    cuts = [i for i in range(lo, hi) if tokens[i].kind == "eq"]
    bounds = [lo, *cuts, hi]
    pieces = [(bounds[k] + (k > 0), bounds[k + 1]) for k in range(len(bounds) - 1)]
    first_lo, first_hi = pieces[0]
    start = first_lo
    while start < first_hi and values.get(start, first_hi) is None:
        start += 1
    if start > first_lo and tokens[start - 1].kind == "op":
        return []
    if start == lo and lo > 0 and tokens[lo].kind == "op":
        return []
    pieces[0] = (start, first_hi)
    last_lo, last_hi = pieces[-1]
    end = last_hi
    while end > last_lo and values.get(last_lo, end) is None:
        end -= 1
    pieces[-1] = (last_lo, end)
    segments = tuple(p for p in pieces if p[1] > p[0])
    if len(segments) < 2 or any(values.get(a, b) is None for a, b in segments):
        return []
    if bare(tokens, *segments[0]) is not None:
        return []
    return [_judge(tokens, segments, values)]


def _judge(
    tokens: tuple[Tok, ...], segments: tuple[tuple[int, int], ...], values: _Values
) -> Equation:
    """Does some reading of `%` make every segment agree (within the written precision)?"""
    has_pct = [any(tokens[i].percent for i in range(a, b)) for a, b in segments]
    readings = [(True, False) if p else (True,) for p in has_pct]
    first = segments[0]
    for first_div in readings[0]:
        target = values.get(*first, first_div)
        if target is None:
            continue
        chosen = [first_div]
        for (a, b), options in zip(segments[1:], readings[1:], strict=True):
            match = next((d for d in options if _agree(values, a, b, target, d)), None)
            if match is None:
                break
            chosen.append(match)
        else:
            return Equation(segments, True, target, tuple(chosen))
    target = values.get(*first)
    assert target is not None
    literal = tuple(k > 0 and has_pct[k] and not has_pct[0] for k in range(len(segments)))
    return Equation(segments, False, target, tuple(not lit for lit in literal))


def _agree(values: _Values, a: int, b: int, target: Fraction, pdiv: bool) -> bool:
    value = values.get(a, b, pdiv)
    if value is None:
        return False
    single = bare(values.tokens, a, b)
    tol = tolerance(values.tokens[single].text) if single is not None else Fraction(0)
    return abs(value - target) <= tol


@lru_cache(maxsize=4096)
def parse_step(text: str) -> Step:
    """Tokens and equations of one step (cached: perturbed traces share most steps)."""
    tokens = tokenize(text)
    equations: list[Equation] = []
    for lo, hi in _runs(tokens):
        equations.extend(_equations_in_run(tokens, lo, hi))
    nums = tuple(i for i, t in enumerate(tokens) if t.kind == "num")
    return Step(text, tokens, nums, tuple(equations))


def replace_tokens(step: Step, new_text: dict[int, str]) -> str:
    """The step text with the tokens at the given indices replaced, everything else kept."""
    out, pos = [], 0
    for i in sorted(new_text):
        tok = step.tokens[i]
        out.append(step.text[pos : tok.start])
        out.append(new_text[i])
        pos = tok.end
    out.append(step.text[pos:])
    return "".join(out)


# --- Whole traces: grounding, answers, propagation -------------------------------------------

_WORD_VALUES: dict[str, tuple[int | Fraction, ...]] = {
    "one": (1,),
    "two": (2,),
    "three": (3,),
    "four": (4,),
    "five": (5,),
    "six": (6,),
    "seven": (7,),
    "eight": (8,),
    "nine": (9,),
    "ten": (10,),
    "eleven": (11,),
    "twelve": (12,),
    "thirteen": (13,),
    "fourteen": (14,),
    "fifteen": (15,),
    "sixteen": (16,),
    "seventeen": (17,),
    "eighteen": (18,),
    "nineteen": (19,),
    "twenty": (20,),
    "thirty": (30,),
    "forty": (40,),
    "fifty": (50,),
    "sixty": (60,),
    "seventy": (70,),
    "eighty": (80,),
    "ninety": (90,),
    "hundred": (100,),
    "thousand": (1000,),
    "million": (10**6,),
    "billion": (10**9,),
    "half": (2, Fraction(1, 2)),
    "halves": (2,),
    "twice": (2,),
    "double": (2,),
    "doubles": (2,),
    "pair": (2,),
    "pairs": (2,),
    "couple": (2,),
    "both": (2,),
    "triple": (3,),
    "thrice": (3,),
    "third": (3, Fraction(1, 3)),
    "thirds": (3,),
    "quarter": (4, Fraction(1, 4)),
    "quarters": (4,),
    "fourth": (4,),
    "fifth": (5,),
    "sixth": (6,),
    "seventh": (7,),
    "eighth": (8,),
    "ninth": (9,),
    "tenth": (10,),
    "dozen": (12,),
    "dozens": (12,),
    "quadruple": (4,),
    "score": (20,),
}
_UNIT_FACTS: tuple[tuple[tuple[str, ...], tuple[int | Fraction, ...]], ...] = (
    (("minute", "hour", "second", "min", "hr"), (60, 3600)),
    (("hour", "day", "daily", "night"), (24,)),
    (("week", "day", "daily"), (7,)),
    (("month", "year", "annual", "dozen", "inch", "foot", "feet"), (12,)),
    (("week", "year", "annual"), (52,)),
    (("year", "annual"), (365,)),
    (("month",), (30, 31, 28)),
    (("week", "month", "quarter", "gallon", "quart", "season"), (4,)),
    (("thousand", "kilo", "meter", "metre", "gram", "liter", "litre", "km", "kg"), (1000,)),
    (("ounce", "pound", "oz", "lb"), (16,)),
    (("yard", "feet", "foot"), (3, 36)),
    (("mile",), (5280,)),
    (("ton",), (2000,)),
    (("decade", "dime"), (10,)),
    (("nickel",), (5, Fraction(5, 100))),
    (("quarter",), (25, Fraction(25, 100))),
    (("dime",), (Fraction(10, 100),)),
    (("penny", "pennies"), (Fraction(1, 100),)),
    (("gallon",), (128,)),
)
ALWAYS_KNOWN: frozenset[Fraction] = frozenset(Fraction(v) for v in (0, 1, 2, 100))
"""Numbers any solution may use without deriving them (100 for percent, 2 for halves)."""


def unit_facts() -> tuple[tuple[tuple[str, ...], tuple[int | Fraction, ...]], ...]:
    """Common-knowledge conversion factors, each keyed by the words that make it relevant."""
    return _UNIT_FACTS


@lru_cache(maxsize=256)
def problem_values(problem: str) -> frozenset[Fraction]:
    """Every number a problem states: digits, `%` as both 45 and 0.45, number words."""
    values: set[Fraction] = set()
    for m in _TOKEN.finditer(problem):
        if m.lastgroup == "num" and (value := parse_number(m.group())) is not None:
            values.add(value)
            if m.group("pct"):
                values.add(value / 100)
    lowered = problem.lower()
    for word in re.findall(r"[a-z]+", lowered):
        for value in _WORD_VALUES.get(word, ()):
            values.add(Fraction(value))
    if "percent" in lowered:
        values.update([v / 100 for v in values])
    if "and a half" in lowered:
        values.update([v + Fraction(1, 2) for v in values if v.denominator == 1])
    return frozenset(values)


def known_constants(text: str) -> frozenset[Fraction]:
    """`ALWAYS_KNOWN` plus the conversion factors whose unit words appear in `text`."""
    lowered = text.lower()
    found = set(ALWAYS_KNOWN)
    for words, factors in _UNIT_FACTS:
        if any(w in lowered for w in words):
            found.update(Fraction(f) for f in factors)
    return frozenset(found)


@dataclass(frozen=True)
class Quantity:
    """A number written in a step and where it comes from."""

    step: int
    token: int
    value: Fraction
    text: str
    role: str
    """`operand` (used in an equation), `mention` (prose), or `result` (an equation's value)."""
    source: str
    """`derived`, `problem`, `constant`, `result`, or `dangling`."""
    origin: int | None = None
    """For `derived`: the step that derived the value."""


@lru_cache(maxsize=256)
def analyze(steps: tuple[str, ...], problem: str) -> tuple[tuple[Quantity, ...], ...]:
    """Per step, every number with its role and its source (the trace's dataflow)."""
    given = problem_values(problem)
    consts = known_constants(problem + " " + " ".join(steps))
    derived: dict[Fraction, int] = {}
    out: list[tuple[Quantity, ...]] = []
    for j, text in enumerate(steps):
        step = parse_step(text)
        results = step.result_tokens()
        roles: dict[int, str] = {}
        for eq in step.equations:
            for lo, hi in eq.segments[1:-1]:
                roles.update({i: "chain" for i in range(lo, hi)})
            roles.update({i: "operand" for i in range(*eq.segments[0])})
        quantities: list[Quantity] = []
        step_results = {eq.value for eq in step.equations}
        step_results.update(v for i in results if (v := step.tokens[i].value) is not None)
        pending: list[tuple[int, Fraction]] = []
        for i in step.nums:
            tok = step.tokens[i]
            value = tok.value
            assert value is not None
            while pending and pending[0][0] < i:
                derived[pending.pop(0)[1]] = j
            if i in results:
                quantities.append(Quantity(j, i, value, tok.text, "result", "result", j))
                pending.append((i, value))
                continue
            role = roles.get(i, "mention")
            source, origin = _ground(value, tok.percent, derived, given, consts)
            if role == "chain" or (
                source == "dangling" and role == "mention" and value in step_results
            ):
                source, origin = "derived", j
            quantities.append(Quantity(j, i, value, tok.text, role, source, origin))
        for _, value in pending:
            derived[value] = j
        for eq in step.equations:
            derived.setdefault(eq.value, j)
        out.append(tuple(quantities))
    return tuple(out)


def _ground(
    value: Fraction,
    percent: bool,
    derived: dict[Fraction, int],
    given: frozenset[Fraction],
    consts: frozenset[Fraction],
) -> tuple[str, int | None]:
    if value in derived:
        return "derived", derived[value]
    if value in given or (percent and value / 100 in given):
        return "problem", None
    if value in consts:
        return "constant", None
    return "dangling", None


def dangling_quantities(trace: Trace | tuple[str, ...], problem: str) -> list[Quantity]:
    """Numbers a step uses that are neither given, common knowledge, nor derived before."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    return [q for qs in analyze(steps, problem) for q in qs if q.source == "dangling"]


def false_equations(trace: Trace | tuple[str, ...]) -> list[int]:
    """Indices of the steps holding at least one equation that does not hold."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    return [j for j, s in enumerate(steps) if any(not e.holds for e in parse_step(s).equations)]


def count_false(trace: Trace | tuple[str, ...]) -> int:
    steps = trace.steps if isinstance(trace, Trace) else trace
    return sum(not e.holds for s in steps for e in parse_step(s).equations)


def answer_value(trace: Trace | tuple[str, ...]) -> Fraction | None:
    """The value the trace ends on (see `trace_answer`)."""
    steps = trace.steps if isinstance(trace, Trace) else trace
    for text in reversed(steps):
        step = parse_step(text)
        if step.equations:
            eq = step.equations[-1]
            single = bare(step.tokens, *eq.result)
            return eq.value if single is None else step.tokens[single].value
        if step.nums:
            return step.tokens[step.nums[-1]].value
    return None


def trace_answer(trace: Trace | tuple[str, ...]) -> str | None:
    """The final answer a trace reaches, recomputed from its own text.

    It is the result of the last equation of the last step that holds a number, as written
    (so a wrong but propagated value counts); when that step has no equation, its last number.
    None when the trace holds no number at all.
    """
    value = answer_value(trace)
    return None if value is None else canonical(value)


def same_value(a: str | None, b: str | None) -> bool:
    """Numeric equality of two answer strings (`1,080` equals `1080.0`)."""
    if a is None or b is None:
        return False
    x, y = parse_number(a), parse_number(b)
    return x is not None and x == y


# --- Rewriting: numeric fallout of a changed value ----------------------------------------------


def render(value: Fraction, like: str) -> str | None:
    """`value` written like `like`; None when it cannot be written exactly or turns negative."""
    old = parse_number(like)
    if value < 0 <= (old if old is not None else 0):
        return None
    return format_number(value, like)


def recompute_step(
    text: str,
    changes: dict[Fraction, Fraction],
    forced: dict[int, Fraction] | None = None,
    ambiguous: frozenset[Fraction] = frozenset(),
    reevaluate: bool = False,
) -> tuple[str, dict[Fraction, Fraction]] | None:
    """Re-evaluate one step after values changed upstream.

    Numbers whose value is a key of `changes` take the new value; every equation is then
    evaluated again and its written result rewritten, so the step stays internally consistent.
    `forced` pins numbers by token index: a pinned result is written as given and its
    equation is not re-evaluated (an arithmetic slip). Returns the new text and the changes
    to carry on, or None when the fallout cannot be written (a changed value that is also an
    `ambiguous` given number, a chain that stops agreeing, a value needing rounding).
    `reevaluate` rewrites every equation's result even when no input changed (after an edit
    of the expression itself).
    """
    step = parse_step(text)
    forced = forced or {}
    changes = dict(changes)
    new_values: dict[int, Fraction] = {}
    done: set[int] = set()
    for eq in step.equations:
        ok = _recompute_equation(step, eq, changes, forced, ambiguous, reevaluate, new_values, done)
        if not ok:
            return None
    for i in step.nums:
        if i in done:
            continue
        value = forced.get(i, step.tokens[i].value)
        assert value is not None
        if i not in forced and value in changes:
            if value in ambiguous:
                return None
            value = changes[value]
        if value != step.tokens[i].value:
            new_values[i] = value
    written: dict[int, str] = {}
    for i, value in new_values.items():
        shown = render(value, step.tokens[i].text)
        if shown is None:
            return None
        written[i] = shown
    return replace_tokens(step, written), changes


def _recompute_equation(
    step: Step,
    eq: Equation,
    changes: dict[Fraction, Fraction],
    forced: dict[int, Fraction],
    ambiguous: frozenset[Fraction],
    reevaluate: bool,
    new_values: dict[int, Fraction],
    done: set[int],
) -> bool:
    tokens = step.tokens
    subs: dict[int, Fraction] = {}
    for i in eq.operands():
        if tokens[i].kind != "num":
            continue
        old = tokens[i].value
        assert old is not None
        if i in forced:
            subs[i] = forced[i]
        elif old in changes:
            if old in ambiguous:
                return False
            subs[i] = changes[old]
    result = bare(tokens, *eq.result)
    if result is not None and result in forced:
        new_values.update(subs)
        new_values[result] = forced[result]
        done.update(subs, {result})
        _carry(changes, tokens[result].value, forced[result])
        return True
    try:
        value = evaluate(tokens, *eq.segments[0], subs, eq.percent_div[0])
    except (ValueError, ZeroDivisionError):
        return False
    if not subs and eq.holds and result is not None and tokens[result].value in changes:
        del changes[tokens[result].value]
    if not subs and not reevaluate:
        done.update(eq.operands())
        if result is not None:
            done.add(result)
        return True
    for (lo, hi), pdiv in zip(eq.segments[1:], eq.percent_div[1:], strict=True):
        single = bare(tokens, lo, hi)
        if single is None:
            return False
        scaled = value * 100 if tokens[single].percent and pdiv else value
        written = render(scaled, tokens[single].text)
        shown = None if written is None else parse_number(written)
        if shown is None:
            return False
        new_values[single] = shown
        _carry(changes, tokens[single].value, shown)
    new_values.update(subs)
    done.update(eq.operands())
    if result is not None:
        done.add(result)
    return True


def _carry(changes: dict[Fraction, Fraction], old: Fraction | None, new: Fraction) -> None:
    if old is not None and old != new:
        changes[old] = new


def propagate(
    steps: tuple[str, ...] | list[str],
    start: int,
    changes: dict[Fraction, Fraction],
    ambiguous: frozenset[Fraction] = frozenset(),
) -> tuple[list[str], list[int]] | None:
    """Carry changed values through `steps[start:]` (the fallout a re-evaluation predicts).

    Returns the new steps and the indices of the steps that were rewritten, or None when some
    step cannot follow consistently (see `recompute_step`).
    """
    out = list(steps)
    touched: list[int] = []
    current = dict(changes)
    for j in range(start, len(out)):
        if not current:
            break
        redone = recompute_step(out[j], current, None, ambiguous)
        if redone is None:
            return None
        text, current = redone
        if text != out[j]:
            out[j] = text
            touched.append(j)
    return out, touched


_CONVERSIONS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("minute", "second"), 60),
    (("hour",), 24),
    (("week",), 7),
    (("dozen", "month", "inch"), 12),
    (("week",), 52),
    (("cent", "percent", "%"), 100),
    (("ounce",), 16),
    (("gram", "meter", "metre", "liter", "litre"), 1000),
)


def unit_factors_in(text: str) -> dict[Fraction, str]:
    """Conversion factors a step's own unit words make relevant, each with one such word."""
    lowered = text.lower()
    found: dict[Fraction, str] = {}
    for words, factor in _CONVERSIONS:
        word = next((w for w in words if w in lowered), None)
        if word is not None:
            found.setdefault(Fraction(factor), word)
    return found
