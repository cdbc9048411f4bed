"""Decontamination: drop seeds whose word n-grams largely appear in one evaluation item.

The evaluation sets are small and read once into an n-gram index (n-gram hash -> items);
seeds stream past it. A seed shorter than n words is contaminated when its whole word
sequence occurs inside an evaluation item.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from groupbuild.errors import InputError
from groupbuild.schema import Reject, Seed
from groupbuild.seeds.dedup import words
from groupbuild.seeds.ids import record_reject_id
from groupbuild.seeds.readers import read_records

EVAL_TEXT_FIELDS = ("question", "prompt", "text", "problem")


@dataclass(frozen=True)
class EvalItem:
    text: str
    where: str
    """`file:line` (the record number for JSON arrays)."""


def read_eval_items(files: Iterable[tuple[Path, str]]) -> list[EvalItem]:
    """Every item of the evaluation files, given as (path, name to report); a record without
    a text field is an error, since silently skipping it would let contamination through."""
    items: list[EvalItem] = []
    for path, name in files:
        for row in read_records(path, name):
            if row.error is not None:
                raise row.error
            assert row.value is not None
            key = next((k for k in EVAL_TEXT_FIELDS if isinstance(row.value.get(k), str)), None)
            if key is None:
                fields = "/".join(EVAL_TEXT_FIELDS)
                raise InputError(name, row.number, None, f"no {fields} text field")
            items.append(EvalItem(row.value[key], f"{name}:{row.number}"))
    return items


class Contamination:
    """An n-gram index of evaluation items and the overlap test against it."""

    def __init__(self, items: list[EvalItem], *, ngram: int, threshold: float) -> None:
        self.ngram, self.threshold = ngram, threshold
        self._where = [item.where for item in items]
        self._index: dict[int, list[int]] = {}
        texts: list[str] = []
        self._starts: list[int] = []
        offset = 0
        for number, item in enumerate(items):
            tokens = words(item.text)
            for gram in self._grams(tokens):
                owners = self._index.setdefault(gram, [])
                if not owners or owners[-1] != number:
                    owners.append(number)
            joined = " " + " ".join(tokens) + " "
            texts.append(joined)
            self._starts.append(offset)
            offset += len(joined)
        self._corpus = "".join(texts)

    def _grams(self, tokens: list[str]) -> set[int]:
        n = self.ngram
        return {hash(" ".join(tokens[i : i + n])) for i in range(len(tokens) - n + 1)}

    def overlap(self, text: str) -> tuple[str, float] | None:
        """The evaluation item sharing the largest share of `text`'s n-grams, if any."""
        tokens = words(text)
        if not tokens:
            return None
        if len(tokens) < self.ngram:
            at = self._corpus.find(" " + " ".join(tokens) + " ")
            if at < 0:
                return None
            return self._where[bisect.bisect_right(self._starts, at) - 1], 1.0
        grams = self._grams(tokens)
        counts: Counter[int] = Counter()
        for gram in grams:
            counts.update(self._index.get(gram, ()))
        if not counts:
            return None
        number, shared = min(counts.items(), key=lambda item: (-item[1], item[0]))
        return self._where[number], shared / len(grams)

    def check(self, seed: Seed) -> Reject | None:
        found = self.overlap(seed.problem)
        if found is None or found[1] < self.threshold:
            return None
        where, share = found
        return Reject(
            stage="seeds",
            id=record_reject_id(seed.source, seed.origin),
            reason="contaminated",
            detail=f"overlaps {where} ({share:.0%} of its {self.ngram}-grams)",
            problem_id=seed.problem_id,
        )
