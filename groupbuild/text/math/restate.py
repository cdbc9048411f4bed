"""Meaning-preserving rewrites of GSM8K-form steps, in the reference's own words.

A rule whose flaw changes a trace's length (a deleted step, an inserted restatement, a removed
derivation) is told from its reference by length alone unless the length is made up
elsewhere. These are the honest ways to do that: restate a result a step already derived
(`So Natalia sold 24 clips in May.`), add or drop a discourse opener the trace already uses
(`So`, `Then`, `Therefore,`), drop a filler such as `a total of`. None of them adds, removes
or changes a number, an equation or a claim.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from groupbuild.text.math.equations import Step, bare, parse_step

OPENERS = {
    "So ": 54,
    "So, ": 17,
    "Then ": 32,
    "Therefore, ": 23,
    "Thus, ": 21,
    "That means ": 7,
    "This means ": 4,
    "Now ": 8,
    "Hence ": 3,
}
"""Discourse openers of GSM8K solutions, each with how many in 1,000 of their steps it starts
(measured on the first 1,500 training solutions): new text picks them as often as
the solutions do."""

_OPENER = re.compile(
    r"^(?:"
    + "|".join(re.escape(o.strip(" ,")) for o in OPENERS)
    + r")\b,?\s+(?!far\b|much\b|that\b)"
)
_LINKS = frozenset(
    (
        "because",
        "since",
        "as",
        "so",
        "and",
        "then",
        "thus",
        "hence",
        "therefore",
        "which",
        "that",
        "of",
    )
)
_LOWERED = frozenset(("The", "He", "She", "They", "It", "His", "Her", "Their", "We", "There"))
_FILLERS = (
    re.compile(r"\ba total of "),
    re.compile(r" in total\b"),
    re.compile(r" altogether\b"),
    re.compile(r" in all\b"),
)


def opener_of(text: str) -> str | None:
    """The discourse opener `text` starts with (`So, `), if any."""
    found = _OPENER.match(text)
    return found.group(0) if found else None


def openers_used(steps: Sequence[str]) -> list[str]:
    """The openers the trace itself writes."""
    return sorted({o for s in steps if (o := opener_of(s)) is not None})


def pick_opener(steps: Sequence[str], rng: random.Random) -> str:
    """An opener for new text: one the trace itself writes, else one drawn as often as GSM8K
    solutions write it, so new text reads like the trace it joins, not like a template."""
    used = openers_used(steps)
    if used:
        return rng.choice(used)
    return rng.choices(list(OPENERS), weights=list(OPENERS.values()))[0]


def with_opener(text: str, opener: str, names: frozenset[str] = frozenset()) -> str | None:
    """`text` led by `opener` (`She has 5.` -> `So she has 5.`, `Tom has 5.` -> `So Tom has
    5.` when `Tom` is one of the problem's `names`); None if it has an opener already or
    starts with a word the opener would not read well before (`If`, `Since`, a number)."""
    if opener_of(text) is not None:
        return None
    first = text.split(" ", 1)[0]
    if first in _LOWERED:
        return opener + text[0].lower() + text[1:]
    if first in names:
        return opener + text
    return None


def without_opener(text: str) -> str | None:
    """`text` without its opener, its first letter raised; None if it has none."""
    found = opener_of(text)
    if found is None:
        return None
    rest = text[len(found) :]
    return rest[:1].upper() + rest[1:] if rest else None


_NOT_NAMES = frozenset(
    (
        "A",
        "An",
        "The",
        "If",
        "In",
        "On",
        "At",
        "For",
        "To",
        "How",
        "What",
        "Which",
        "When",
        "Where",
        "Who",
        "Why",
        "Each",
        "Every",
        "After",
        "Before",
        "Since",
        "During",
        "There",
        "This",
        "That",
        "These",
        "Those",
        "Then",
        "So",
        "He",
        "She",
        "It",
        "They",
        "We",
        "You",
        "I",
        "His",
        "Her",
        "Their",
        "Its",
        "Our",
        "Your",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Half",
        "Some",
        "All",
        "Most",
        "Of",
        "And",
        "But",
        "Or",
        "As",
        "By",
        "With",
        "From",
        "Also",
        "Now",
        "Later",
        "Today",
        "Yesterday",
    )
)


def names_in(problem: str) -> frozenset[str]:
    """Capitalised words of the problem that are not common sentence openers: the names a
    step may start with and keep capitalised after an opener."""
    return frozenset(re.findall(r"\b[A-Z][a-z]+\b", problem)) - _NOT_NAMES


def trims(text: str) -> list[str]:
    """Shorter wordings of `text` that say the same: its opener or a filler dropped, or all
    of them."""
    out = [t for t in (without_opener(text),) if t]
    out += [" ".join(f.sub("", text, count=1).split()) for f in _FILLERS if f.search(text)]
    if len(out) > 1:  # all of them at once
        whole = without_opener(text) or text
        for f in _FILLERS:
            whole = " ".join(f.sub("", whole, count=1).split())
        out.append(whole)
    return list(dict.fromkeys(t for t in out if t and t != text))


def bare_statement(step: Step) -> str | None:
    """The step's claim without its arithmetic: `She sold 48/2 = 24 clips.` -> `She sold 24
    clips.`; None when the step holds no single equation with a bare result, or its claim
    would not stand as a sentence."""
    if len(step.equations) != 1:
        return None
    eq = step.equations[0]
    result = bare(step.tokens, *eq.result)
    if result is None:
        return None
    start = step.tokens[eq.segments[0][0]].start
    head = step.text[:start].rstrip()
    if not head or head.endswith((",", ":", "=")) or len(head.split()) < 2:
        return None
    if head.split()[-1].lower() in _LINKS:
        return None
    text = " ".join((head + " " + step.text[step.tokens[result].start :]).split())
    return text if not parse_step(text).equations else None


def is_trim(before: str, after: str) -> bool:
    """`after` is `before` with an opener or a filler dropped (a proof reads this)."""
    return after in trims(before)


def is_padding(before: str, after: str) -> bool:
    """`after` is `before` led by an opener (a proof reads this)."""
    return without_opener(after) == before
