"""A stage's fingerprint sees everything it reads: edit one template, and only the stages that
read it redo their work."""

from __future__ import annotations

import shutil
from pathlib import Path

from groupbuild.config import load_config
from groupbuild.resources import data_dir
from groupbuild.runner import run, stage_fingerprints
from tests.servers.openai_script import RoleScript

pytest_plugins = ["tests.servers.openai_fixtures"]


def _prompts(tmp: Path) -> Path:
    folder = tmp / "prompts"
    shutil.copytree(data_dir("prompts"), folder)
    return folder


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {stage for stage in before if before[stage] != after[stage]}


def _config(tmp: Path, *overrides: str):
    return load_config(None, overrides=[f"prompts_dir={tmp / 'prompts'}", *overrides], env={})


def test_editing_the_judge_template_changes_only_the_annotate_fingerprint(tmp_path: Path):
    prompts = _prompts(tmp_path)
    config = _config(tmp_path, "roles.judge.backend=llm", "roles.judge.model=m")
    before = stage_fingerprints(config, tmp_path)
    (prompts / "judge.j2").write_text((prompts / "judge.j2").read_text() + "\n", "utf-8")
    assert _changed(before, stage_fingerprints(config, tmp_path)) == {"annotate"}


def test_editing_a_perturb_template_changes_only_the_perturb_fingerprint(tmp_path: Path):
    prompts = _prompts(tmp_path)
    config = _config(tmp_path, "roles.perturber.backend=llm", "roles.perturber.model=m")
    before = stage_fingerprints(config, tmp_path)
    base = prompts / "perturb" / "_base.j2"
    base.write_text(base.read_text() + "\n", "utf-8")
    assert _changed(before, stage_fingerprints(config, tmp_path)) == {"perturb"}


def test_an_all_rules_run_reads_no_template(tmp_path: Path):
    prompts = _prompts(tmp_path)
    config = _config(tmp_path)
    before = stage_fingerprints(config, tmp_path)
    for path in prompts.rglob("*.j2"):
        path.write_text(path.read_text() + "\n", "utf-8")
    assert _changed(before, stage_fingerprints(config, tmp_path)) == set()


def test_a_rerun_after_a_judge_template_edit_rescores_and_keeps_earlier_stages(
    tmp_path: Path, openai_server, monkeypatch
):
    server = openai_server(RoleScript(score=8.0))
    prompts = _prompts(tmp_path)
    config = _config(
        tmp_path,
        "seeds.sources=[{format: bundled, limit: 4}]",
        "roles.judge.backend=llm",
        "roles.judge.model=local-model",
        f"roles.judge.base_url={server.base_url}",
        "roles.judge.api_key_env=FINGERPRINT_TEST_KEY",
        f"runner.runs_dir={tmp_path / 'runs'}",
        f"publish.out_dir={tmp_path / 'dist'}",
        "runner.journal_every_stage=true",
        "runner.progress=false",
    )
    monkeypatch.setenv("FINGERPRINT_TEST_KEY", "sk-test")
    run(config, base_dir=tmp_path)
    runs = tmp_path / "runs" / "default"
    kept = {name: (runs / f"{name}.jsonl").read_bytes() for name in ("reference", "perturb")}
    first = len(server.requests_for("judge"))
    assert first > 0
    run(config, base_dir=tmp_path)
    assert len(server.requests_for("judge")) == first, "an unchanged rerun re-asked the judge"
    judge = prompts / "judge.j2"
    judge.write_text(judge.read_text().replace("rubric", "rubric ", 1), "utf-8")
    run(config, base_dir=tmp_path)
    assert len(server.requests_for("judge")) == 2 * first
    for name, text in kept.items():
        assert (runs / f"{name}.jsonl").read_bytes() == text, name
