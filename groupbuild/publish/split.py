"""The contract's dev/train split: by problem, by hash, never by row order or candidate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from groupbuild.hashing import split_key
from groupbuild.tempdb import sorted_on_disk


def dev_count(n: int, ratio: float) -> int:
    """`round(n * ratio)`, at least 1 when the ratio is positive, at most n - 1."""
    if ratio <= 0 or n <= 1:
        return 0
    return min(max(1, round(n * ratio)), n - 1)


def assign_splits(
    entries: Iterable[tuple[str, int]], seed: int, ratio: float
) -> Iterator[tuple[str, int, str]]:
    """(problem_id, value, split) in the published order: the first `dev_count` of the ranking
    are dev. `entries` pairs each problem id with an integer (a journal offset) carried along;
    the ranking is sorted on disk, so a dataset of any size costs no memory here."""
    n = 0

    def keyed() -> Iterator[tuple[bytes, str, int]]:
        nonlocal n
        for problem_id, value in entries:
            n += 1
            yield split_key(seed, problem_id), problem_id, value

    ranked = sorted_on_disk(keyed(), 3)
    k = dev_count(n, ratio)
    for i, (_, problem_id, value) in enumerate(ranked):
        yield problem_id, value, "dev" if i < k else "train"
