"""The summary's accounting and length figures, kept on disk and in counts per value."""

from __future__ import annotations

import random
from collections import Counter

from groupbuild.publish.summary import IdLedger, _stats


def test_ledger_counts_each_end_against_what_was_seen() -> None:
    ledger = IdLedger()
    ledger.see(f"p{i}" for i in range(6))
    ledger.end("p0", published=True)
    ledger.end("p1", published=False)
    ledger.end("p2", published=True)
    ledger.end("p2", published=False)  # ended twice
    ledger.end("stray", published=True)  # no seed has it
    counts = ledger.account({"validate.jsonl": 2})
    assert {k: counts[k] for k in ("seeds_in", "groups_published", "seeds_rejected")} == {
        "seeds_in": 6,
        "groups_published": 3,
        "seeds_rejected": 2,
    }
    assert counts["seeds_pending"] == 3  # p3, p4, p5
    assert ledger.is_pending("p3") and not ledger.is_pending("p0")
    assert not ledger.is_pending("stray") and not ledger.is_pending("never-seen")
    assert not counts["accounted"]
    assert counts["accounting_problems"] == [
        "seeds_in 6 != published 3 + rejected 2 + pending 3",
        "1 id(s) ended twice (p2)",
        "1 id(s) ended that no seed has (stray)",
        "2 line(s) of validate.jsonl repeat an earlier id",
    ]


def test_a_clean_ledger_is_accounted() -> None:
    ledger = IdLedger()
    ledger.see(["a", "b"])
    ledger.see(["b"])  # seen again (a kept seed's id is also a seed reject's): once
    ledger.end("a", published=True)
    counts = ledger.account({})
    assert counts["accounted"] and counts["seeds_in"] == 2 and counts["seeds_pending"] == 1


def test_length_stats_from_counts_are_those_of_the_sorted_values() -> None:
    rng = random.Random(3)
    values = [rng.randrange(50, 400) for _ in range(1001)]
    ordered, n = sorted(values), len(values)
    assert _stats(Counter(values)) == {
        "n": n,
        "mean": round(sum(values) / n, 1),
        "p10": ordered[n // 10],
        "median": ordered[n // 2],
        "p90": ordered[(9 * n) // 10],
    }
