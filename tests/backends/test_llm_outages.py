"""An endpoint that stays down defers records (pending), and the next run retries exactly them."""

from __future__ import annotations

import json

from groupbuild.cli import main
from groupbuild.runner import run
from tests.backends.test_llm_pipeline import llm_key, load, small_seeds, write_config
from tests.servers.openai_script import RoleScript
from tests.servers.openai_server import Faults

pytest_plugins = ["tests.servers.openai_fixtures"]
__all__ = ["llm_key"]


def test_an_outage_leaves_records_pending_and_a_rerun_retries_exactly_those(
    openai_server, tmp_path, llm_key, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    answers = small_seeds(tmp_path, math=4, code=1)
    server = openai_server(RoleScript(answers=answers), faults=Faults(rates={"503": 1.0}))
    path = write_config(tmp_path, server.base_url, ("judge",), validate="{require_ordering: false}")
    text = path.read_text().replace("max_attempts: 2}", "max_attempts: 2, max_retries: 1}")
    path.write_text(text)

    assert main(["run", "--config", str(path), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "0 groups published from 5 seeds" in err
    assert "pending (annotate:llm_unavailable)" in err and "server error" in err
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    pending = summary["seeds_pending"]
    assert pending == 5 - summary["seeds_rejected"] and pending > 0
    assert summary["pending_reasons"] == {"annotate:llm_unavailable": pending}
    assert summary["accounted"] and not (tmp_path / "dist" / "rejects.jsonl").read_text().count(
        "llm_"
    ), "no record was rejected for the outage"
    assert "a rerun retries them" in (tmp_path / "dist" / "README.md").read_text()
    stored = json.loads((tmp_path / "runs" / "llm" / "pending.json").read_text())
    assert len(stored) == pending

    server.faults.rates.clear()
    before = len(server.work)
    second = run(load(path), base_dir=tmp_path)
    retried = {
        seed_id
        for r in server.work[before:]
        for seed_id in stored
        if _problem_of(tmp_path, seed_id) in r.body["messages"][-1]["content"]
    }
    assert retried == set(stored), "every pending record, and only those, was retried"
    assert second["seeds_pending"] == 0 and second["pending_reasons"] == {}
    assert second["groups_published"] == pending
    assert second["seeds_rejected"] == summary["seeds_rejected"]


def _problem_of(tmp, problem_id: str) -> str:
    seeds = (tmp / "runs" / "llm" / "seeds.jsonl").read_text().splitlines()
    record = next(json.loads(s) for s in seeds if json.loads(s)["problem_id"] == problem_id)
    return str(record["problem"])[:60]
