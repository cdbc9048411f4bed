"""Duplicates and contaminated seeds become rejects; ids ignore load count and row order."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from groupbuild.config import DecontamConfig, SeedsConfig, SeedSource
from groupbuild.errors import InputError
from groupbuild.schema import Reject, Seed
from groupbuild.seeds import load_seeds
from groupbuild.seeds.dedup import shingles, words
from groupbuild.seeds.minhash import LSHIndex, band_layout, jaccard, shingle_hashes

BASE = (
    "A farmer has {n} cows and buys 12 more at the spring market in the valley town, "
    "then sells half of the herd to a neighbor who keeps goats. How many cows remain?"
)


def problem(n: int, text: str | None = None) -> dict[str, Any]:
    total = n + 12
    return {
        "question": text or BASE.format(n=n),
        "answer": f"He has {n} + 12 = <<{n}+12={total}>>{total} cows.\n"
        f"He keeps {total} / 2 = <<{total}/2={total / 2:g}>>{total / 2:g}.\n"
        f"#### {total / 2:g}",
    }


def write(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path.name


def run(tmp_path: Path, *sources: SeedSource, **cfg: Any) -> list[Seed | Reject]:
    return list(load_seeds(SeedsConfig(sources=list(sources), **cfg), base_dir=tmp_path))


def reasons(results: list[Seed | Reject]) -> list[str]:
    return ["seed" if isinstance(r, Seed) else r.reason for r in results]


def test_exact_duplicates_differ_only_in_case_space_and_punctuation(tmp_path: Path) -> None:
    copy = BASE.format(n=8).upper().replace(" ", "  ").replace(",", "")
    name = write(tmp_path / "t.jsonl", [problem(8), problem(8, copy)])
    results = run(tmp_path, SeedSource(format="gsm8k", path=name))
    assert reasons(results) == ["seed", "exact_duplicate"]
    assert results[1].detail == "duplicate of gsm8k:0"  # type: ignore[union-attr]


def test_a_renamed_subject_is_a_near_duplicate_but_a_new_story_is_not(tmp_path: Path) -> None:
    other = (
        "Mia plants 8 rows of tulips with 12 bulbs in each row and gives half of the "
        "bulbs to her aunt before planting. How many bulbs does she plant?"
    )
    renamed = BASE.format(n=8).replace("A farmer", "Old Tom")
    name = write(tmp_path / "t.jsonl", [problem(8), problem(8, renamed), problem(8, other)])
    results = run(tmp_path, SeedSource(format="gsm8k", path=name))
    assert reasons(results) == ["seed", "near_duplicate", "seed"]
    assert results[1].detail.startswith("duplicate of gsm8k:0")  # type: ignore[union-attr]


def test_near_duplicate_threshold_comes_from_the_config(tmp_path: Path) -> None:
    renamed = BASE.format(n=8).replace("A farmer", "Old Tom")
    name = write(tmp_path / "t.jsonl", [problem(8), problem(8, renamed)])
    source = SeedSource(format="gsm8k", path=name)
    assert reasons(run(tmp_path, source, near_duplicate_threshold=0.9)) == ["seed", "seed"]
    loose = run(tmp_path, source, near_duplicate_threshold=0.8)
    assert reasons(loose) == ["seed", "near_duplicate"]


def test_the_first_source_wins_across_sources_and_ids_must_be_unique(tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", [problem(8)])
    write(tmp_path / "b.jsonl", [problem(8), problem(30, "Something else entirely, 3 + 4?")])
    results = run(
        tmp_path,
        SeedSource(format="gsm8k", path="a.jsonl", source="first"),
        SeedSource(format="gsm8k", path="b.jsonl"),
        SeedSource(format="gsm8k", path="a.jsonl", source="first"),
    )
    assert reasons(results) == ["seed", "exact_duplicate", "seed", "duplicate_id"]
    assert results[1].detail == "duplicate of first:0"  # type: ignore[union-attr]


def test_sourced_ids_are_stable_across_loads_and_row_order(tmp_path: Path) -> None:
    rows = [
        {
            "task_id": k,
            "text": f"Write a function number {k} that returns {k} times {k} "
            f"for the puzzle about {'abcdefghij'[k]} items.",
            "code": f"def f{k}():\n    return {k * k}",
            "test_list": [f"assert f{k}() == {k * k}"],
        }
        for k in range(10)
    ]
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    write(tmp_path / "a.jsonl", rows)
    write(tmp_path / "b.jsonl", shuffled)

    def ids(name: str) -> dict[str, str]:
        results = run(tmp_path, SeedSource(format="mbpp", path=name))
        return {r.problem_id: r.problem for r in results if isinstance(r, Seed)}

    first, again, reordered = ids("a.jsonl"), ids("a.jsonl"), ids("b.jsonl")
    assert len(first) == 10
    assert first == again == reordered


def eval_file(tmp_path: Path) -> str:
    items = [
        {"question": "Unrelated: a train leaves at noon and travels west for two hours."},
        {"question": "Extra words here. " + BASE.format(n=8) + " Answer carefully."},
    ]
    write(tmp_path / "eval.jsonl", items)
    return "eval.jsonl"


def test_a_seed_inside_an_evaluation_item_is_contaminated(tmp_path: Path) -> None:
    name = write(tmp_path / "t.jsonl", [problem(8), problem(8, "What is 7 times 6 today?")])
    decon = DecontamConfig(files=[eval_file(tmp_path)], ngram=8, threshold=0.5)
    stream = load_seeds(
        SeedsConfig(sources=[SeedSource(format="gsm8k", path=name)], decontaminate=decon),
        base_dir=tmp_path,
    )
    results = list(stream)
    assert reasons(results) == ["contaminated", "seed"]
    assert results[0].detail.startswith("overlaps eval.jsonl:2")  # type: ignore[union-attr]
    assert stream.counts == {"contaminated": 1, "seeds": 1}


def test_contamination_threshold_is_a_share_of_the_seed_ngrams(tmp_path: Path) -> None:
    half = " ".join(BASE.format(n=8).split()[:12]) + (
        " and then counts every sheep that wandered off into the hills during the storm."
    )
    name = write(tmp_path / "t.jsonl", [problem(8, half)])
    source = SeedSource(format="gsm8k", path=name)
    strict = DecontamConfig(files=[eval_file(tmp_path)], ngram=5, threshold=0.9)
    loose = DecontamConfig(files=[eval_file(tmp_path)], ngram=5, threshold=0.3)
    assert reasons(run(tmp_path, source, decontaminate=strict)) == ["seed"]
    assert reasons(run(tmp_path, source, decontaminate=loose)) == ["contaminated"]


def test_a_seed_shorter_than_n_words_must_appear_whole(tmp_path: Path) -> None:
    short = [problem(8, "How many cows remain?"), problem(8, "How many goats remain?")]
    name = write(tmp_path / "t.jsonl", short)
    decon = DecontamConfig(files=[eval_file(tmp_path)], ngram=13)
    results = run(tmp_path, SeedSource(format="gsm8k", path=name), decontaminate=decon)
    assert reasons(results) == ["contaminated", "seed"]


def test_an_evaluation_file_without_text_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "eval.jsonl", [{"id": 1}])
    name = write(tmp_path / "t.jsonl", [problem(8)])
    decon = DecontamConfig(files=["eval.jsonl"])
    with pytest.raises(InputError, match=r"eval\.jsonl:1"):
        run(tmp_path, SeedSource(format="gsm8k", path=name), decontaminate=decon)


def test_band_layout_misses_under_one_percent_of_pairs_at_the_threshold() -> None:
    for threshold in (0.5, 0.7, 0.85, 0.95):
        bands, rows = band_layout(threshold, 128)
        assert bands * rows <= 128
        assert (1 - threshold**rows) ** bands < 0.01


def test_lsh_finds_every_pair_that_brute_force_finds() -> None:
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(40)]
    texts = [[rng.choice(vocab) for _ in range(30)] for _ in range(60)]
    for i in range(0, 60, 3):
        texts.append([*texts[i][:-1], "zz"])
    sets = [shingle_hashes(shingles(t)) for t in texts]
    index = LSHIndex(0.85)
    found: list[int] = []
    expected: list[int] = []
    kept: list[int] = []
    for k, hashes in enumerate(sets):
        if any(jaccard(hashes, sets[j]) >= 0.85 for j in kept):
            expected.append(k)
        if index.find_or_add(str(k), hashes) is not None:
            found.append(k)
        else:
            kept.append(k)
    assert found == expected and len(found) == 20


def test_shingles_are_word_five_grams_and_short_texts_are_one_shingle() -> None:
    assert shingles(words("One, two three four five six!")) == {
        "one two three four five",
        "two three four five six",
    }
    assert shingles(words("Just three words")) == {"just three words"}
    assert shingle_hashes(shingles([])).dtype == np.uint32


def test_problems_differing_only_in_a_symbol_are_kept_and_quotes_are_not_a_difference(
    tmp_path: Path,
) -> None:
    text = "Return true when every {o} in the string is closed by a later {c}, like {o}{c}{c}."
    rows = [
        problem(8, text.format(o="(", c=")")),
        problem(8, text.format(o="<", c=">")),
        problem(8, '"' + text.format(o="(", c=")") + '"'),
    ]
    name = write(tmp_path / "t.jsonl", rows)
    assert reasons(run(tmp_path, SeedSource(format="gsm8k", path=name))) == [
        "seed",
        "seed",
        "exact_duplicate",
    ]
