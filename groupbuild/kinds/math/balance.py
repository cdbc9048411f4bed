"""Length-matched controls for the math kinds whose flaw changes a trace's length (taxonomy
M13, G4c): a deletion gets a true restatement of a result the trace already derived, an
insertion gets a filler trimmed elsewhere, an assertion gets an opener. Each control is a
meaning-preserving rewrite from `text.math.restate` in the reference's own words, sits inside
the declared span, and is picked to bring the length nearest the reference's, so that neither
"the shorter one is flawed" nor "the longer one is" wins.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from groupbuild.kinds.math.edits import Context
from groupbuild.text import math as mt
from groupbuild.text.math import restate


@dataclass(frozen=True)
class Restatement:
    """A new step restating the result of reference step `after`, inserted right after it."""

    after: int
    text: str


def chars(steps: Sequence[str]) -> int:
    """Trace length as a reader sees it: the steps joined by newlines."""
    return sum(map(len, steps)) + max(0, len(steps) - 1)


BAND = 0.05
"""Lengths this close to the reference's (a share of it) count as equally near: picking at
random among them keeps the length matched without always putting the control in the one
place that matches best."""


def nearest(options: list[tuple[int, list[str]]], target: int, rng: random.Random) -> list[int]:
    """Indices of `options` (length-bearing (tag, steps) pairs), the nearest to `target` in
    length first; those within `BAND` of it, and ties, in random order."""
    band = BAND * target
    keys = [(max(0.0, abs(chars(steps) - target) - band), rng.random()) for _, steps in options]
    return sorted(range(len(options)), key=keys.__getitem__)


def within_band(steps: Sequence[str], target: int) -> bool:
    return abs(chars(steps) - target) <= BAND * target


def restatements(
    ctx: Context,
    rng: random.Random,
    skip: set[int],
    steps: Sequence[str] | None = None,
    *,
    claims: bool = True,
) -> list[Restatement]:
    """True restatements of derived results, for every step of `steps` (the reference's by
    default) not in `skip`: the step's bare claim (`So she sold 24 clips.`) and the step
    again, arithmetic and all (`So she sold 48/2 = 24 clips.`), each led by an opener the
    trace uses, as it stands, or trimmed (never the step word for word). They differ in
    length by the arithmetic and the opener, which lets a deletion of a long or a short step
    find one of about its size."""
    names = restate.names_in(ctx.seed.problem)
    steps = ctx.steps if steps is None else steps
    out = []
    for k, text in enumerate(steps):
        if k in skip:
            continue
        step = mt.parse_step(text)
        claim = restate.bare_statement(step)
        said = [claim] if claim is not None and claims else []
        if step.equations and not mt.count_false((text,)):
            said.append(text)
        for line in said:
            line = restate.without_opener(line) or line
            led = restate.with_opener(line, restate.pick_opener(ctx.steps, rng), names)
            # as it stands too, or trimmed, when that is not the step word for word
            for variant in dict.fromkeys([led, line, *restate.trims(line)]):
                if variant is not None and variant not in steps:
                    out.append(Restatement(k, variant))
    return out


def trimmed(steps: list[str], skip: set[int]) -> list[tuple[int, str]]:
    """(step, shorter wording) for every meaning-preserving trim of a step not in `skip`."""
    return [(k, t) for k, s in enumerate(steps) if k not in skip for t in restate.trims(s)]


def padded(text: str, ctx: Context, rng: random.Random) -> list[str]:
    """`text` led by an opener or two the trace would use (none when it cannot take one)."""
    names = restate.names_in(ctx.seed.problem)
    picks = {restate.pick_opener(ctx.steps, rng) for _ in range(2)}
    found = (restate.with_opener(text, o, names) for o in sorted(picks))
    return [t for t in found if t is not None]
