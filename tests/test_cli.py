"""The command line is built from the stage catalog and the kind registry."""

from __future__ import annotations

import pytest

from groupbuild.cli import build_parser, kinds_table, main
from groupbuild.kinds import BACKENDS, definitions
from groupbuild.stages import ALL_STAGES


def test_every_stage_of_the_catalog_is_a_command():
    parser = build_parser()
    for name in (*ALL_STAGES, "run", "report", "kinds"):
        assert parser.parse_args([name]).command == name
    with pytest.raises(SystemExit):
        parser.parse_args(["not-a-stage"])


def test_kinds_lists_every_kind_with_the_backends_that_offer_it(capsys):
    assert main(["kinds"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) == len(definitions())
    rows = {(line.split()[0], line.split()[2]): line for line in lines}
    assert rows[("math", "circular_reasoning")].endswith("none (not implemented)")
    assert rows[("math", "misread_value")].endswith("rules, llm")
    for kind in definitions():
        offered = [b for b in BACKENDS if kind.offered_by(b)]
        expected = ", ".join(offered) if offered else "none (not implemented)"
        assert rows[(kind.domain.value, kind.kind.value)].endswith(expected)
    assert kinds_table().splitlines()[1:] == lines
