"""HumanEval harnesses (`check(candidate)`, `METADATA`, `assert True`) read as plain asserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from groupbuild.config import SeedsConfig, SeedSource
from groupbuild.execute.oracles import OracleFailure, build_oracle
from groupbuild.schema import Reject, Seed
from groupbuild.seeds import load_seeds
from groupbuild.seeds.harness import HarnessProblem, check_asserts

TOY = Path(__file__).parent / "data" / "humaneval_toy.jsonl"


def _load() -> list[Seed | Reject]:
    source = SeedSource(format="humaneval", path=str(TOY))
    return list(load_seeds(SeedsConfig(sources=[source]), base_dir=Path("/")))


def _seeds() -> dict[str, Seed]:
    return {s.entry_point or "": s for s in _load() if isinstance(s, Seed)}


def test_assert_true_docstrings_and_comments_in_check_are_not_tests() -> None:
    check = (
        'def check(candidate):\n    """Cases."""\n    import math\n'
        "    assert candidate(2) == 4, 'doubles'\n    assert True\n"
        '    assert True, "This prints if this assert fails 1"\n'
    )
    assert check_asserts(check, "double") == ["assert double(2) == 4"]


def test_a_check_that_loops_is_kept_whole_by_the_reader() -> None:
    check = "def check(candidate):\n    for x in [1, 2]:\n        assert candidate(x) == x\n"
    found = check_asserts(check, "same")
    assert isinstance(found, HarnessProblem) and found.reason == "check_not_only_asserts"
    seed = _seeds()["digit_sum_until_small"]
    assert len(seed.tests) == 1 and seed.tests[0].rstrip().endswith("check(digit_sum_until_small)")


def test_humaneval_metadata_and_assert_true_become_plain_asserts() -> None:
    seed = _seeds()["balanced_round"]
    assert seed.tests[0] == "assert balanced_round('()')"
    assert len(seed.tests) == 5
    assert not any("METADATA" in t or "assert True" in t for t in seed.tests)


@pytest.mark.parametrize(
    ("entry", "outputs"),
    [
        ("balanced_round", ["true", "true", "false", "false", "true"]),
        ("count_long_words", ["2", "0", "2", "3"]),
        ("running_max", ["[]", "[1, 3, 3, 5]", "[4, 4, 4]", "[-3, -3, -1]"]),
    ],
)
def test_every_toy_harness_form_becomes_a_verified_oracle(entry: str, outputs: list[str]) -> None:
    oracle = build_oracle(_seeds()[entry])
    assert not isinstance(oracle, OracleFailure), oracle
    assert [t.output for t in oracle.tests] == outputs


def test_a_tolerance_assert_takes_the_reference_value_once_it_holds() -> None:
    oracle = build_oracle(_seeds()["mean_gap"])
    assert not isinstance(oracle, OracleFailure), oracle
    assert [t.output for t in oracle.tests][:2] == ["2.5", "0"]


def test_a_tolerance_assert_the_reference_misses_rejects_the_oracle() -> None:
    seed = _seeds()["mean_gap"]
    wrong = seed.model_copy(update={"tests": ("assert abs(mean_gap([1.0, 4.0]) - 2.0) < 1e-6",)})
    failure = build_oracle(wrong)
    assert isinstance(failure, OracleFailure) and failure.reason == "reference_fails_assert"


def test_problems_differing_only_in_their_brackets_are_both_kept() -> None:
    results = _load()
    assert all(isinstance(r, Seed) for r in results), [r for r in results if isinstance(r, Reject)]
    assert {"balanced_round", "balanced_angle"} <= set(_seeds())
