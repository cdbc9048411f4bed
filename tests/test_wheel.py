"""The package works installed from a wheel, run from an empty folder: data ships inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from paths import REPO

from tests.servers.openai_script import RoleScript

pytest_plugins = ["tests.servers.openai_fixtures"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, unpacked as pip installs it into `site/`."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("groupbuild-*.whl")
    site = out / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return site


def _groupbuild(site: Path, cwd: Path, *args: str, env: dict[str, str] | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBUILD_")}
    environ.update(env or {}, PYTHONPATH=str(site))
    code = "import sys; from groupbuild.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=environ, capture_output=True, text=True
    )


def test_the_wheel_carries_prompts_rubrics_seeds_and_configs(installed: Path):
    data = installed / "groupbuild" / "data"
    assert (data / "prompts" / "judge_math.j2").is_file()
    assert (data / "rubrics" / "code.yaml").is_file()
    assert (data / "seeds" / "math.jsonl").is_file()
    assert (data / "configs" / "default.yaml").is_file()


def test_run_with_no_arguments_builds_the_bundled_dataset_from_an_empty_folder(
    installed: Path, tmp_path: Path
):
    work = tmp_path / "empty"
    work.mkdir()
    done = _groupbuild(installed, work, "run", "--quiet")
    assert done.returncode == 0, done.stderr
    summary = json.loads((work / "dist" / "tracelift-groups" / "summary.json").read_text())
    assert summary["seeds_in"] == 82 and summary["groups_published"] > 60
    imported = _groupbuild(installed, work, "kinds")
    assert "groupbuild" not in imported.stderr
    import_path = subprocess.run(
        [sys.executable, "-c", "import groupbuild; print(groupbuild.__file__)"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
    )
    assert import_path.stdout.startswith(str(installed)), "the test ran the checkout, not the wheel"


def test_an_llm_role_finds_its_templates_inside_the_installed_package(
    installed: Path, tmp_path: Path, openai_server
):
    server = openai_server(RoleScript(score=8.0))
    work = tmp_path / "empty"
    work.mkdir()
    config = work / "judge.yaml"
    config.write_text(
        "seeds: {sources: [{format: bundled, limit: 3}]}\n"
        f"roles: {{judge: {{backend: llm, model: local-model, base_url: '{server.base_url}',"
        " api_key_env: WHEEL_TEST_KEY}}\n",
        encoding="utf-8",
    )
    done = _groupbuild(
        installed,
        work,
        "run",
        "--quiet",
        "--config",
        str(config),
        env={"WHEEL_TEST_KEY": "sk-test"},
    )
    assert "TemplateNotFound" not in done.stdout + done.stderr
    assert server.requests_for("judge"), done.stderr
    card = (work / "dist" / "tracelift-groups" / "README.md").read_text(encoding="utf-8")
    assert "prompts/judge_math.j2" in card and "rubrics/math.yaml" in card
    assert "prompts/planner_math.j2" not in card


def test_a_missing_template_stops_the_run_before_any_work_with_one_line(
    installed: Path, tmp_path: Path
):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    config = tmp_path / "judge.yaml"
    config.write_text(
        f"prompts_dir: {prompts}\nroles: {{judge: {{backend: llm, model: m, base_url: "
        "'http://127.0.0.1:9/v1'}}\n",
        encoding="utf-8",
    )
    done = _groupbuild(installed, tmp_path, "run", "--quiet", "--config", str(config))
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "judge needs judge_" in done.stderr and str(prompts) in done.stderr
    assert not (tmp_path / "runs").exists()


def test_the_wheel_holds_no_test_or_bench_code(installed: Path):
    wheels = list(installed.parent.glob("groupbuild-*.whl"))
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
