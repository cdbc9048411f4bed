"""The contract's dev/train split: by problem, by hash, never by row order or candidate."""

from __future__ import annotations

from collections.abc import Iterable

from groupbuild.hashing import split_rank


def dev_count(n: int, ratio: float) -> int:
    """`round(n * ratio)`, at least 1 when the ratio is positive, at most n - 1."""
    if ratio <= 0 or n <= 1:
        return 0
    return min(max(1, round(n * ratio)), n - 1)


def ordered(problem_ids: Iterable[str], seed: int) -> list[str]:
    return sorted(problem_ids, key=lambda pid: split_rank(seed, pid))


def assign_splits(problem_ids: Iterable[str], seed: int, ratio: float) -> list[tuple[str, str]]:
    """(problem_id, split) in the published order: the first `dev_count` of the ranking are dev."""
    ranked = ordered(problem_ids, seed)
    k = dev_count(len(ranked), ratio)
    return [(pid, "dev" if i < k else "train") for i, pid in enumerate(ranked)]
