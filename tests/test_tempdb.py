"""Sorting and indexing on disk: the same answers as in memory."""

from __future__ import annotations

import random

from groupbuild.tempdb import CHUNK, sorted_on_disk


def test_sorted_on_disk_matches_sorted_across_many_chunks() -> None:
    rng = random.Random(7)
    rows = [
        (rng.randrange(3), rng.randbytes(4), f"id-{rng.randrange(10**6)}", rng.randrange(10**9))
        for _ in range(3 * CHUNK + 17)
    ]
    rows += rows[:50]  # repeated rows come out as often as they went in
    assert list(sorted_on_disk(iter(rows), 4)) == sorted(rows)


def test_sorted_on_disk_has_read_every_row_when_it_returns() -> None:
    seen = 0

    def counted() -> object:
        nonlocal seen
        for i in range(10):
            seen += 1
            yield (10 - i, "x")

    ordered = sorted_on_disk(counted(), 2)  # type: ignore[arg-type]
    assert seen == 10
    assert [n for n, _ in ordered] == list(range(1, 11))
