"""Exact evaluation of an arithmetic expression with `Fraction`: a small recursive-descent
parser, so no `eval` and no sympy."""

from __future__ import annotations

from fractions import Fraction

from groupbuild.text.math.tokens import Tok, tokenize

_MUL, _DIV, _ADD, _SUB = frozenset("*×xX"), frozenset("/÷"), frozenset("+"), frozenset("-–−")


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
