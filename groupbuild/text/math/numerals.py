"""Numbers as written in a step: reading them, and writing a value in the style of another."""

from __future__ import annotations

import re
from fractions import Fraction

PLAIN_DECIMAL = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
MAX_DECIMALS = 4
"""Values needing more decimals than this are rounded to two (GSM8K money style)."""


def parse_number(text: str, *, plain: bool = False) -> Fraction | None:
    """The value of one number as written (`$1,200.50`, `45%` -> 45); None if it is not one.

    `plain` accepts a written decimal only (`-3`, `.5`, `$1,200.50`, `40%`), as seed answers and
    calculator results are read: there `1e3` or `1/2` is a malformed record, not a number.
    """
    if plain:
        bare = text.strip().replace(",", "").replace("$", "").rstrip("%").strip()
        return Fraction(bare) if PLAIN_DECIMAL.fullmatch(bare) else None
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


def render(value: Fraction, like: str) -> str | None:
    """`value` written like `like`; None when it cannot be written exactly or turns negative."""
    old = parse_number(like)
    if value < 0 <= (old if old is not None else 0):
        return None
    return format_number(value, like)


_WRITTEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")


def number_shapes(text: str) -> set[tuple[bool, int, bool]]:
    """(negative, decimal places, written as a fraction) of each number in `text`.

    An edit that writes a shape its reference never writes (a minus sign, a third decimal, an
    `a/b`) is told from the reference by that shape alone, whatever its flaw."""
    shapes = set()
    for number in _WRITTEN.findall(text):
        decimals = len(number.split(".", 1)[1].split("/")[0]) if "." in number else 0
        shapes.add((number.startswith("-"), decimals, "/" in number))
    return shapes
