"""The reference stage plans a code seed from its program before it pays for the oracle."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from seed_helpers import code_seed

from groupbuild.backends.rules import RuleExecutor, RuleJudge, RulePerturber, RulePlanner
from groupbuild.config import Config
from groupbuild.errors import StageReject
from groupbuild.schema import Draft
from groupbuild.stages.context import StageContext

stage = importlib.import_module("groupbuild.stages.reference")
"""The module: the package re-exports its stage function under the same name."""
_CONTEXT = StageContext(Config(), RulePlanner(), RulePerturber(), RuleJudge(), RuleExecutor())


def test_an_unplannable_code_seed_is_rejected_without_building_its_oracle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    monkeypatch.setattr(stage, "_code_oracle", lambda seed: built.append(seed.problem_id))
    seed = code_seed("twice", "def twice(x):\n    return x * 2\n", ["assert twice(2) == 4"])
    with pytest.raises(StageReject) as caught:
        asyncio.run(stage.reference(Draft(seed=seed), _CONTEXT))
    assert caught.value.reason == "no_reference_plan"
    assert built == []


def test_a_plannable_code_seed_gets_its_oracle_and_its_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    note = "Input/output format: one JSON line."
    monkeypatch.setattr(stage, "_code_oracle", lambda seed: {"io_note": note})
    program = (
        "def count_evens(xs):\n"
        "    count = 0\n"
        "    for x in xs:\n"
        "        if x % 2 == 0:\n"
        "            count += 1\n"
        "    return count\n"
    )
    seed = code_seed("count_evens", program, ["assert count_evens([1, 2, 4]) == 2"])
    draft = asyncio.run(stage.reference(Draft(seed=seed), _CONTEXT))
    assert draft.oracle == {"io_note": note}
    assert draft.seed.problem.endswith(note)
    assert draft.reference is not None and len(draft.reference.trace.steps) >= 3
