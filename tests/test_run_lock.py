"""One run at a time per run folder; a run stopped by a fatal error stops every task cleanly.

Both tests run the CLI in subprocesses against the local OpenAI-compatible server: its latency
keeps the first run busy (and holding its lock) long enough for a second one to collide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers.openai_script import RoleScript
from tests.servers.openai_server import Faults

pytest_plugins = ["tests.servers.openai_fixtures"]

REPO = Path(__file__).resolve().parents[1]
KEY_VAR = "RUN_LOCK_TEST_KEY"
MATH = (REPO / "seeds" / "math.jsonl").read_text(encoding="utf-8").splitlines()


def judge_on_llm(tmp: Path, url: str, seeds: int, concurrency: int) -> Path:
    """A config whose judge is the local server; the other roles are rules."""
    (tmp / "seeds").mkdir()
    (tmp / "seeds" / "math.jsonl").write_text("\n".join(MATH[:seeds]) + "\n", encoding="utf-8")
    judge = f"{{backend: llm, model: m, base_url: '{url}', api_key_env: {KEY_VAR}, timeout: 5}}"
    path = tmp / "config.yaml"
    path.write_text(
        f"""name: locked
seeds: {{sources: [{{format: bundled, path: seeds}}]}}
roles: {{judge: {judge}}}
uplift: {{runs: 1}}
validate: {{require_ordering: false}}
runner: {{runs_dir: runs, progress: false, concurrency: {concurrency}, workers: 1}}
publish: {{out_dir: dist}}
""",
        encoding="utf-8",
    )
    return path


def cli(config: Path) -> list[str]:
    return [sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--config", str(config)]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv(KEY_VAR, "sk-run-lock-test")
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_a_second_run_on_the_same_folder_stops_at_once_naming_the_holder(
    openai_server, tmp_path: Path, env: dict[str, str]
) -> None:
    server = openai_server(RoleScript(), latency=0.15)
    config = judge_on_llm(tmp_path, server.base_url, seeds=3, concurrency=1)
    first = subprocess.Popen(cli(config), cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
    run_dir = tmp_path / "runs" / "locked"
    lock = run_dir / "run.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None:
        if lock.exists() and lock.read_text().strip() == str(first.pid):
            break
        time.sleep(0.01)
    second = subprocess.run(
        cli(config), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    still_running = first.poll() is None

    assert second.returncode != 0, second.stderr
    assert second.stderr.splitlines() == [
        f"groupbuild: error: run folder {run_dir} is in use by another groupbuild process "
        f"(pid {first.pid}); wait for it to end"
    ]
    assert still_running, "the first run ended before the second one tried"
    assert first.wait(timeout=120) == 0
    ids = [json.loads(line)["problem_id"] for line in (run_dir / "seeds.jsonl").open()]
    assert len(ids) == len(set(ids)) == 3
    summary = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert summary["accounted"] and summary["seeds_pending"] == 0


def test_a_wrong_key_stops_the_run_with_one_line_and_no_stray_task_errors(
    openai_server, tmp_path: Path, env: dict[str, str]
) -> None:
    # The format probe goes through; every request after it is refused.
    server = openai_server(RoleScript(), faults=Faults(script=["ok"], rates={"401": 1.0}))
    config = judge_on_llm(tmp_path, server.base_url, seeds=12, concurrency=8)
    done = subprocess.run(
        cli(config), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert len(server.work) > 1, "several problems were in flight when the key was refused"
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"groupbuild: error: roles.judge at {server.base_url}: Error code: 401 - invalid api key"
    ]
