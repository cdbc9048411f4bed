"""Streaming duplicate filter: exact and near duplicates of the text; first seen wins.

Repeated ids are the seed stream's to refuse (`seeds._taken`): it sees every record's id.

Both checks compare words and symbols, so problems that differ only in which brackets or
operators they are about (HumanEval/56 "<>" and /61 "()") are both kept.

What is kept per seed (a 64-bit text hash, its shingle hashes and band keys; never its text)
is kept on disk (`seeds.seen`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from groupbuild.schema import Reject, Seed
from groupbuild.seeds.ids import record_reject_id
from groupbuild.seeds.minhash import LSHIndex, shingle_hashes
from groupbuild.seeds.seen import SeenKeys

SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s.,;:!?'\"`]")
"""Words and symbols (brackets, operators): two problems asking about "()" and about "<>" are
two problems. Sentence punctuation and quotes carry no meaning of their own and are left out."""


def words(text: str) -> list[str]:
    """Case-folded word tokens: what the evaluation-overlap check compares."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def tokens(text: str) -> list[str]:
    """Case-folded words and symbols: the text both duplicate checks compare."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def text_key(tokens: list[str]) -> bytes:
    """A 64-bit hash of the tokens: equal for texts differing only in case, space, punctuation
    or quotes, different for texts differing in a bracket or operator."""
    return hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).digest()


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> set[str]:
    """Word `size`-grams; a text shorter than `size` words is one shingle."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


class Deduplicator:
    """Decides, seed by seed in input order, whether a seed repeats one already kept."""

    def __init__(self, near_threshold: float, *, num_perm: int = 128) -> None:
        self._near = LSHIndex(near_threshold, num_perm=num_perm)
        self._exact = SeenKeys()

    def check(self, seed: Seed) -> Reject | None:
        """A reject if `seed` duplicates a kept seed; otherwise keep it and return None."""
        found_tokens = tokens(seed.problem)
        key = text_key(found_tokens)
        first = self._exact.get(key)
        if first is not None:
            return _reject(seed, "exact_duplicate", f"duplicate of {first}")
        hashes = shingle_hashes(shingles(found_tokens))
        found = self._near.find_or_add(seed.problem_id, hashes)
        if found is not None:
            kept, score = found
            return _reject(seed, "near_duplicate", f"duplicate of {kept} (Jaccard {score:.2f})")
        self._exact.add(key, seed.problem_id)
        return None


def _reject(seed: Seed, reason: str, detail: str) -> Reject:
    """A seed-level reject, logged under its record so it never takes a kept seed's id."""
    return Reject(
        stage="seeds",
        id=record_reject_id(seed.source, seed.origin),
        reason=reason,
        detail=detail,
        problem_id=seed.problem_id,
    )
