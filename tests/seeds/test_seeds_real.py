"""The real GSM8K train and MBPP files load with known counts, fast enough for a full run."""

from __future__ import annotations

import time

import pytest
from paths import SHARED_DATA

from groupbuild.config import SeedsConfig, SeedSource
from groupbuild.errors import InputError
from groupbuild.schema import Reject, Seed
from groupbuild.seeds import iter_source, load_seeds

DATA = SHARED_DATA
pytestmark = pytest.mark.skipif(
    not (DATA / "gsm8k" / "train.jsonl").is_file(),
    reason=f"the public seed files are not present under {DATA}",
)


def load(fmt: str, path: str) -> tuple[list[Seed | Reject], dict[str, int], float]:
    start = time.perf_counter()
    stream = load_seeds(
        SeedsConfig(sources=[SeedSource(format=fmt, path=path)], skip_invalid=True), base_dir=DATA
    )
    results = list(stream)
    return results, dict(stream.counts), time.perf_counter() - start


def test_gsm8k_train_loads_and_deduplicates_with_every_row_accounted() -> None:
    results, counts, _ = load("gsm8k", "gsm8k/train.jsonl")
    assert len(results) == 7473
    assert counts == {"seeds": 7456, "answer_not_reached": 16, "near_duplicate": 1}
    seeds = [r for r in results if isinstance(r, Seed)]
    assert seeds[0].problem_id == "gsm8k:0" and seeds[0].answer == "72"
    assert seeds[-1].problem_id == "gsm8k:7472"
    near = next(r for r in results if isinstance(r, Reject) and r.reason == "near_duplicate")
    assert near.detail.split(" (")[0] == "duplicate of gsm8k:2483"
    assert (near.problem_id, near.id) == ("gsm8k:6691", "gsm8k:gsm8k/train.jsonl:6692#reject")


def test_gsm8k_train_stops_at_its_first_unreached_answer_unless_skipping() -> None:
    with pytest.raises(InputError) as info:
        list(iter_source(SeedSource(format="gsm8k", path="gsm8k/train.jsonl"), base_dir=DATA))
    assert (info.value.line, info.value.field) == (124, "answer")


def test_mbpp_full_file_loads_with_four_exact_and_two_near_duplicates() -> None:
    results, counts, _ = load("mbpp", "mbpp/mbpp.jsonl")
    assert counts == {"seeds": 968, "exact_duplicate": 4, "near_duplicate": 2}
    seeds = [r for r in results if isinstance(r, Seed)]
    assert seeds[0].problem_id == "mbpp:1" and seeds[0].entry_point == "min_cost"
    assert all(s.entry_point and s.tests and "\r" not in (s.solution or "") for s in seeds)


def test_mbpp_sanitized_file_loads_with_two_exact_duplicates() -> None:
    results, counts, _ = load("mbpp_sanitized", "mbpp/sanitized-mbpp.json")
    assert counts == {"seeds": 425, "exact_duplicate": 2}
    seeds = [r for r in results if isinstance(r, Seed)]
    assert seeds[0].problem_id == "mbpp:2" and seeds[0].license == "cc-by-4.0"
    assert all(s.entry_point for s in seeds)
