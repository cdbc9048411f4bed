"""An oracle whose tests call the function with literal arguments is probed and verified in
one sandbox start, and comes out the same as when probe and verification run apart."""

from __future__ import annotations

from typing import Any

import pytest

from groupbuild.execute import oracles, sandbox
from groupbuild.execute.oracles import Oracle, OracleFailure, build_oracle
from tests.execute.test_oracles import make_seed


def _starts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The unit count of each sandbox start, recorded as builds happen."""
    started: list[int] = []
    run_job = sandbox._run_job

    def counted(mode: str, program: str, units: list[dict[str, Any]], *rest: Any) -> Any:
        started.append(len(units))
        return run_job(mode, program, units, *rest)

    monkeypatch.setattr(sandbox, "_run_job", counted)
    return started


PAIRS = "def pairs(xs, n):\n    return [(x, n) for x in xs]\n"
TESTS = ["assert pairs((1, 2), 3) == [(1, 3), (2, 3)]", "assert pairs((), 0) == []"]


def test_literal_arguments_need_one_sandbox_start(monkeypatch: pytest.MonkeyPatch) -> None:
    started = _starts(monkeypatch)
    assert isinstance(build_oracle(make_seed(PAIRS, TESTS)), Oracle)
    assert started == [3]  # the probe and the driver on each of the two tests


def test_the_one_start_oracle_equals_the_two_start_one(monkeypatch: pytest.MonkeyPatch) -> None:
    together = build_oracle(make_seed(PAIRS, TESTS))
    started = _starts(monkeypatch)
    monkeypatch.setattr(oracles, "literal_inputs", lambda cases: None)
    apart = build_oracle(make_seed(PAIRS, TESTS))
    assert len(started) == 2
    assert isinstance(together, Oracle) and together == apart


def test_arguments_built_by_the_setup_code_run_probe_and_driver_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _starts(monkeypatch)
    program = "def first(xs):\n    return xs[0]\n"
    seed = make_seed(program, ["assert first(ITEMS) == 4"], setup="ITEMS = [4, 5]")
    assert isinstance(build_oracle(seed), Oracle)
    assert len(started) == 2


def test_a_reference_failing_its_assert_is_still_named_in_one_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _starts(monkeypatch)
    found = build_oracle(make_seed("def inc(n):\n    return n + 2\n", ["assert inc(1) == 2"]))
    assert isinstance(found, OracleFailure) and found.reason == "reference_fails_assert"
    assert len(started) == 1


def test_a_driver_that_prints_other_output_fails_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    driver = oracles.driver_source

    def noisy(*args: Any) -> str:
        return driver(*args) + "    print('extra')\n"

    monkeypatch.setattr(oracles, "driver_source", noisy)
    found = build_oracle(make_seed(PAIRS, TESTS))
    assert isinstance(found, OracleFailure) and found.reason == "reference_failed_test"
