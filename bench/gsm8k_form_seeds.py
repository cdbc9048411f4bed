"""Generate distinct GSM8K-form word problems with correct worked answers, for scale benches.

    .venv/bin/python bench/gsm8k_form_seeds.py --count 100000 --out /tmp/seeds.jsonl [--seed 0]

Each line is `{"question", "answer"}` as GSM8K writes them: solution lines with calculator
annotations `a*b = <<a*b=c>>c` and a last line `#### answer`. Problems come from templates of
two to four steps over random names, things and numbers; every value is computed here, so each
answer is right by construction. No line is copied from any data set. Questions are distinct
(a repeat, or one with a step below zero, is drawn again), and a template's question carries
several random words, so the seeds stage's near-duplicate check keeps them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

NAMES = [
    "Amara",
    "Bilal",
    "Chen",
    "Dario",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kavya",
    "Luca",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
    "Anders",
    "Bea",
    "Cyrus",
    "Dalia",
    "Emeka",
    "Fleur",
    "Gopal",
    "Hana",
    "Ivo",
    "Jae",
    "Keira",
    "Lior",
    "Mateo",
    "Noor",
    "Otto",
    "Paz",
    "Rania",
    "Soren",
    "Tara",
    "Ugo",
    "Vera",
    "Wiley",
    "Yara",
    "Zed",
]
THINGS = [
    "apples",
    "pencils",
    "stickers",
    "marbles",
    "cookies",
    "books",
    "shells",
    "stamps",
    "candles",
    "buttons",
    "coins",
    "cards",
    "bottles",
    "plants",
    "kites",
    "ribbons",
    "muffins",
    "puzzles",
    "lanterns",
    "beads",
    "tickets",
    "balloons",
    "postcards",
    "cupcakes",
    "notebooks",
    "erasers",
    "crayons",
    "magnets",
    "badges",
    "keychains",
]
PLACES = [
    "market",
    "fair",
    "bakery",
    "library",
    "garden",
    "workshop",
    "harbor",
    "school",
    "stall",
    "museum",
    "shop",
    "station",
    "kiosk",
    "festival",
    "farm",
    "studio",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SMALL = range(2, 10)
MID = range(11, 99)

Problem = tuple[str, list[str], int]
"""Question, solution lines (without `####`), answer."""


def _mul(a: int, b: int) -> tuple[str, int]:
    return f"{a}*{b} = <<{a}*{b}={a * b}>>{a * b}", a * b


def _add(a: int, b: int) -> tuple[str, int]:
    return f"{a}+{b} = <<{a}+{b}={a + b}>>{a + b}", a + b


def _sub(a: int, b: int) -> tuple[str, int]:
    return f"{a}-{b} = <<{a}-{b}={a - b}>>{a - b}", a - b


def bags(r: random.Random) -> Problem:
    who, thing, place = r.choice(NAMES), r.choice(THINGS), r.choice(PLACES)
    packs, per, extra, gave = r.choice(SMALL), r.choice(MID), r.choice(MID), r.choice(SMALL)
    q = (
        f"{who} buys {packs} packs of {thing} at the {place}, with {per} {thing} in each pack. "
        f"A friend adds {extra} more {thing}. Then {who} gives away {gave} {thing}. "
        f"How many {thing} does {who} have now?"
    )
    s1, total = _mul(packs, per)
    s2, more = _add(total, extra)
    s3, left = _sub(more, gave)
    lines = [
        f"The packs hold {s1} {thing}.",
        f"With the gift {who} has {s2} {thing}.",
        f"After giving some away {who} has {s3} {thing}.",
    ]
    return q, lines, left


def wages(r: random.Random) -> Problem:
    who, day, place = r.choice(NAMES), r.choice(DAYS), r.choice(PLACES)
    rate, hours, days, spent = r.choice(MID), r.choice(SMALL), r.choice(SMALL), r.choice(MID)
    q = (
        f"{who} works at the {place} for ${rate} an hour, {hours} hours a day, for {days} days "
        f"starting on {day}. {who} then spends ${spent} on lunch for the team. "
        f"How many dollars does {who} keep?"
    )
    s1, daily = _mul(rate, hours)
    s2, earned = _mul(daily, days)
    s3, kept = _sub(earned, spent)
    lines = [
        f"Each day {who} earns {s1} dollars.",
        f"Over {days} days that is {s2} dollars.",
        f"After lunch {who} keeps {s3} dollars.",
    ]
    return q, lines, kept


def shelves(r: random.Random) -> Problem:
    who, thing, place = r.choice(NAMES), r.choice(THINGS), r.choice(PLACES)
    rows, cols, sold, restock = r.choice(SMALL), r.choice(MID), r.choice(MID), r.choice(MID)
    q = (
        f"The {place} run by {who} shows {thing} in {rows} rows of {cols}. On a busy morning "
        f"{sold} {thing} are sold, and in the afternoon {who} puts out {restock} new ones. "
        f"How many {thing} are on display at closing time?"
    )
    s1, shown = _mul(rows, cols)
    s2, left = _sub(shown, sold)
    s3, closing = _add(left, restock)
    lines = [
        f"At opening there are {s1} {thing}.",
        f"After the morning sales there are {s2} {thing}.",
        f"With the restock there are {s3} {thing}.",
    ]
    return q, lines, closing


def trips(r: random.Random) -> Problem:
    who, other, place = [*r.sample(NAMES, 2), r.choice(PLACES)]
    legs, km, back, days = r.choice(SMALL), r.choice(MID), r.choice(MID), r.choice(SMALL)
    q = (
        f"{who} cycles to the {place} with {other}: {legs} legs of {km} km each, and the ride "
        f"back home is {back} km. They make the same trip on {days} days. "
        f"How many km do they ride in total?"
    )
    s1, out = _mul(legs, km)
    s2, round_trip = _add(out, back)
    s3, total = _mul(round_trip, days)
    lines = [
        f"The way out is {s1} km.",
        f"One whole trip is {s2} km.",
        f"Over {days} days they ride {s3} km.",
    ]
    return q, lines, total


def savings(r: random.Random) -> Problem:
    who, thing, day = r.choice(NAMES), r.choice(THINGS), r.choice(DAYS)
    start, weekly, weeks, price = r.choice(MID), r.choice(MID), r.choice(SMALL), r.choice(SMALL)
    count = r.choice(SMALL)
    q = (
        f"{who} has ${start} saved and adds ${weekly} every {day} for {weeks} weeks. "
        f"Then {who} buys {count} {thing} at ${price} each. How many dollars are left?"
    )
    s1, added = _mul(weekly, weeks)
    s2, saved = _add(start, added)
    s3, cost = _mul(count, price)
    s4, left = _sub(saved, cost)
    lines = [
        f"{who} adds {s1} dollars.",
        f"The savings grow to {s2} dollars.",
        f"The {thing} cost {s3} dollars.",
        f"{who} has {s4} dollars left.",
    ]
    return q, lines, left


def garden(r: random.Random) -> Problem:
    who, other = r.sample(NAMES, 2)
    beds, plants, eaten, gift = r.choice(SMALL), r.choice(MID), r.choice(SMALL), r.choice(MID)
    q = (
        f"{who} plants {beds} beds with {plants} seedlings each. Rabbits eat {eaten} of them, "
        f"and {other} brings {gift} more seedlings from home. How many seedlings are growing?"
    )
    s1, planted = _mul(beds, plants)
    s2, kept = _sub(planted, eaten)
    s3, growing = _add(kept, gift)
    lines = [
        f"{who} plants {s1} seedlings.",
        f"After the rabbits {s2} are left.",
        f"With the gift {s3} seedlings are growing.",
    ]
    return q, lines, growing


TEMPLATES: tuple[Callable[[random.Random], Problem], ...] = (
    bags,
    wages,
    shelves,
    trips,
    savings,
    garden,
)


def generate(count: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """`count` distinct problems; the same `seed` gives the same list."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        question, lines, answer = rng.choice(TEMPLATES)(rng)
        if question in seen or any("=-" in line for line in lines):
            continue  # a repeat, or a step below zero (GSM8K counts stay natural numbers)
        seen.add(question)
        yield {"question": question, "answer": "\n".join([*lines, f"#### {answer}"])}


def write(count: int, out: Path, seed: int = 0) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for record in generate(count, seed):
            fh.write(json.dumps(record) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write(args.count, args.out, args.seed)
    print(f"{args.count} problems written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
