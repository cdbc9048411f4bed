"""Common-knowledge numbers: conversion factors keyed by the unit words that make them
relevant, and the few numbers any solution may use without deriving them."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

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


_FACT_VALUES = tuple((words, frozenset(Fraction(f) for f in fs)) for words, fs in _UNIT_FACTS)


@lru_cache(maxsize=8192)
def known_constants(text: str) -> frozenset[Fraction]:
    """`ALWAYS_KNOWN` plus the conversion factors whose unit words appear in `text`."""
    lowered = text.lower()
    found = set(ALWAYS_KNOWN)
    for words, factors in _FACT_VALUES:
        if any(w in lowered for w in words):
            found |= factors
    return frozenset(found)


def constants_for(problem: str, steps: tuple[str, ...]) -> frozenset[Fraction]:
    """`known_constants` of a problem and its steps, piece by piece (steps recur across traces)."""
    return known_constants(problem).union(*(known_constants(s) for s in steps))


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
