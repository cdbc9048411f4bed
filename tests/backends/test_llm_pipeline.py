"""The whole pipeline with LLM roles against the local server: faults, kills, reruns, secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from paths import REPO
from pipeline_helpers import exported_groups

from groupbuild.config import Config, SeedsConfig, SeedSource, load_config
from groupbuild.kinds import offered
from groupbuild.report.audit import audit
from groupbuild.runner import run
from groupbuild.schema import Domain, Seed
from groupbuild.seeds import load_seeds
from tests.servers.openai_script import RoleScript
from tests.servers.openai_server import Faults

pytest_plugins = ["tests.servers.openai_fixtures"]

KEY_VAR = "PIPELINE_TEST_LLM_KEY"
KEY = "sk-pipeline-marker-8d41f7c2"


def small_seeds(tmp: Path, math: int = 6, code: int = 2) -> dict[str, str]:
    """A few bundled seeds in `tmp/seeds`; returns problem prefix -> gold answer."""
    (tmp / "seeds").mkdir()
    answers: dict[str, str] = {}
    for name, count in (("math.jsonl", math), ("code.jsonl", code)):
        lines = (REPO / "seeds" / name).read_text(encoding="utf-8").splitlines()[:count]
        (tmp / "seeds" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        if name == "math.jsonl":
            for line in lines:
                record = json.loads(line)
                answers[record["question"][:60]] = record["answer"].split("####")[-1].strip()
    return answers


def write_config(
    tmp: Path, url: str, llm_roles: tuple[str, ...], timeout: float = 0.5, **extra: str
) -> Path:
    role = (
        f"{{backend: llm, model: local-model, base_url: '{url}', api_key_env: {KEY_VAR}, "
        f"timeout: {timeout}, concurrency: 4, max_attempts: 2}}"
    )
    roles = "\n".join(
        f"  {name}: {role if name in llm_roles else '{backend: rules}'}"
        for name in ("planner", "perturber", "judge", "executor")
    )
    more = "\n".join(f"{key}: {value}" for key, value in extra.items())
    text = f"""name: llm
seeds: {{sources: [{{format: bundled, path: seeds}}]}}
roles:
{roles}
uplift: {{runs: 1}}
runner: {{runs_dir: runs, progress: false, concurrency: 4}}
publish: {{out_dir: dist}}
{more}
"""
    path = tmp / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def llm_kinds(domain: Domain) -> list[str]:
    return [d.kind.value for d in offered("llm", domain)]


def load(path: Path) -> Config:
    return load_config(path, env={})


def accounted(summary: dict[str, object]) -> bool:
    return summary["seeds_in"] == summary["groups_published"] + summary["seeds_rejected"]


@pytest.fixture
def llm_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_VAR, KEY)
    return KEY


def test_faults_at_15_percent_still_account_for_every_seed(openai_server, tmp_path, llm_key):
    answers = small_seeds(tmp_path)
    each = 0.15 / 6
    faults = Faults(
        rates=dict.fromkeys(("429", "500", "503", "timeout", "truncated", "nonschema"), each),
        retry_after=0.02,
        hang=1.0,
    )
    server = openai_server(RoleScript(answers=answers), faults=faults)
    config = write_config(
        tmp_path, server.base_url, ("judge", "executor"), validate="{require_ordering: false}"
    )
    summary = run(load(config), base_dir=tmp_path)
    assert accounted(summary) and summary["seeds_pending"] == 0
    assert summary["groups_published"] > 0
    assert {r.fault for r in server.log} > {"ok"}, "faults were injected"
    published = [
        json.loads(line)
        for path in sorted((tmp_path / "dist" / "tracelift").rglob("*_groups.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(published) == summary["groups_published"]
    for group in published:
        assert group["problem_id"].startswith("bundled:")
        for cand in group["positive_pool"] + group["negative_bank"]:
            # The scripted judge scores every dimension 8.0: label floor(8 / 2) = 4, total 0.8.
            assert cand["rubric_score_raw"] == 8.0 and cand["rubric"]["total"] == 0.8
            assert {v for k, v in cand["rubric"].items() if k != "total"} == {4}
        assert len(group["negative_bank"]) >= 4
        assert all(n["provenance"]["backend"] == "rules" for n in group["negative_bank"])
    usage = json.loads((tmp_path / "runs" / "llm" / "manifest.json").read_text())["llm_usage"]
    assert set(usage) == {"judge", "executor"}
    assert sum(role["retries"] for role in usage.values()) > 0
    assert sum(role["requests"] for role in usage.values()) == server.count


def test_a_complete_rerun_sends_zero_requests_and_the_key_is_never_written(
    openai_server, tmp_path, llm_key
):
    answers = small_seeds(tmp_path, math=4, code=1)
    server = openai_server(RoleScript(answers=answers))
    roles = ("planner", "perturber", "judge", "executor")
    config = load(write_config(tmp_path, server.base_url, roles))
    first = run(config, base_dir=tmp_path)
    assert accounted(first) and server.count > 0
    assert {r.role for r in server.log} == set(roles)
    sent = server.count
    again = run(config, base_dir=tmp_path)
    assert server.count == sent
    assert again == first
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.log)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "responses.jsonl" for p in files)
    assert not [p for p in files if KEY.encode() in p.read_bytes()]


def test_a_killed_run_resumes_without_repeating_finished_requests(openai_server, tmp_path, llm_key):
    answers = small_seeds(tmp_path, math=8, code=0)
    server = openai_server(RoleScript(answers=answers), latency=0.05)
    config_path = write_config(tmp_path, server.base_url, ("perturber", "judge", "executor"))
    cache = tmp_path / "runs" / "llm" / "cache" / "responses.jsonl"
    command = [sys.executable, "-c", "from groupbuild.cli import main; raise SystemExit(main())"]
    child = subprocess.Popen(
        [*command, "run", "--config", str(config_path), "--quiet"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _lines(cache) < 15 and child.poll() is None:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    _, errors = child.communicate()
    assert child.returncode == -signal.SIGKILL, errors.decode(errors="replace")[-2000:]
    assert _lines(cache) > 0, "the run was killed after some replies were cached"
    cached_at_kill = _lines(cache)
    sent_before = server.count

    summary = run(load(config_path), base_dir=tmp_path)
    resent = server.count - sent_before
    keys = [json.loads(line)["key"] for line in cache.read_text(encoding="utf-8").splitlines()]
    assert accounted(summary) and summary["seeds_pending"] == 0
    assert len(keys) == len(set(keys)), "no request was answered twice"
    assert resent == len(keys) - cached_at_kill, "only missing requests were sent again"
    assert run(load(config_path), base_dir=tmp_path) == summary


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")


ALL_ROLES = ("planner", "perturber", "judge", "executor")


def test_every_role_on_llm_publishes_math_and_code_groups_of_real_model_edits(
    openai_server, tmp_path, llm_key
):
    small_seeds(tmp_path, math=3, code=3)
    sources = SeedsConfig(sources=[SeedSource(format="bundled", path="seeds")])
    seeds = [s for s in load_seeds(sources, base_dir=tmp_path) if isinstance(s, Seed)]
    script = RoleScript(seeds=seeds)
    server = openai_server(script)
    config = write_config(tmp_path, server.base_url, ALL_ROLES, timeout=10.0)
    summary = run(load(config), base_dir=tmp_path)
    assert accounted(summary) and summary["seeds_pending"] == 0
    assert {r.role for r in server.log} == set(ALL_ROLES)
    dist = tmp_path / "dist"
    published: dict[str, set[str]] = {}
    for domain in Domain:
        groups = [g for rows in exported_groups(dist, domain.value).values() for g in rows]
        # Every seed of the domain is published: each had four negatives passing every gate.
        assert len(groups) == summary["groups"][domain.value]["total"] == 3, summary
        parquet = (dist / "data" / domain.value).glob("*.parquet")
        assert sum(pq.read_table(path).num_rows for path in parquet) == len(groups)
        for group in groups:
            negatives = group["negative_bank"]
            assert len(negatives) >= 4
            assert all(n["provenance"]["backend"] == "llm" for n in negatives)
            # The scripted judge gives 2.0 only to a trace holding an edit the script made.
            assert {n["rubric_score_raw"] for n in negatives} == {2.0}
            assert {p["rubric_score_raw"] for p in group["positive_pool"]} == {8.0}
            # The rule judge scored beside the model judge, and both verdicts are published.
            for candidate in [*negatives, *group["positive_pool"]]:
                assert candidate["judge"] == "local-model"
                assert set(candidate["rule_rubric_scores"]) == set(candidate["rubric_scores"])
                assert candidate["rule_rubric_score_raw"] is not None
        # The audit measures how often the two judges order a negative against its reference
        # alike: here the model always puts the reference above, so it is the rules' share.
        rule_below = [
            g["positive_pool"][0]["rule_rubric_score_raw"] > n["rule_rubric_score_raw"]
            for g in groups
            for n in g["negative_bank"]
        ]
        measured = audit(dist, max_groups=None)["domains"][domain.value]["negatives"]["judge"]
        assert measured["rule_order_agreement"] == round(sum(rule_below) / len(rule_below), 4)
        assert 0 <= measured["rule_label_agreement"] <= 1
        published[domain.value] = {n["negative_kind"] for g in groups for n in g["negative_bank"]}
        assert published[domain.value] <= set(llm_kinds(domain)) & set(script.real_edits)
    assert len(published["math"]) >= 6, published
    assert len(published["code"]) >= 5, published
    assert published["code"] & {"missing_edge_case", "dropped_step"}, "a dropped plan step"
    assert published["code"] & {"off_by_one", "inverted_condition", "arithmetic_error"}
