"""The Batch API transport against the local server's `/v1/files` and `/v1/batches`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from llm_helpers import ask_model
from paths import REPO
from pydantic import BaseModel

from groupbuild.backends.llm.batch import JOURNAL
from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.client import LLMClient
from groupbuild.backends.llm.retry import Backoff
from groupbuild.config import RoleConfig
from tests.servers.openai_server import Faults

pytest_plugins = ["tests.servers.openai_fixtures"]


class Label(BaseModel):
    label: str


def echo_label(role: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"label": str(body["messages"][-1]["content"]).upper()}


ROLE = {
    "backend": "llm",
    "model": "m",
    "timeout": 2.0,
    "batch": True,
    "batch_window": 0.05,
    "batch_poll": 0.05,
    "response_format": "json_schema",
}


def batch_client(url: str, cache_dir: Path) -> LLMClient:
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-unit"}
    config = RoleConfig(**ROLE)
    return LLMClient("judge", config, ResponseCache(cache_dir), env=env, backoff=Backoff(0.01))


def ask(client: LLMClient, prompts: list[str]) -> list[Any]:
    return ask_model(client, Label, prompts)


PROMPTS = [f"item {i}" for i in range(5)]


def test_requests_go_out_as_one_batch_and_a_rerun_sends_none(openai_server, tmp_path):
    server = openai_server(echo_label)
    client = batch_client(server.base_url, tmp_path)
    replies = ask(client, PROMPTS)
    assert [r.label for r in replies] == [p.upper() for p in PROMPTS]
    assert server.batches.created == 1 and client.report()["batches_created"] == 1
    assert all(r.batch == "batch-1" for r in server.work) and len(server.work) == 5
    journal = [json.loads(line) for line in (tmp_path / JOURNAL).read_text().splitlines()]
    assert journal[0]["batch"] == "batch-1" and len(journal[0]["keys"]) == 5
    assert journal[-1] == {"batch": "batch-1", "ended": "completed"}
    again = ask(batch_client(server.base_url, tmp_path), PROMPTS)
    assert [r.label for r in again] == [r.label for r in replies]
    assert server.batches.created == 1 and len(server.work) == 5


def test_a_failed_item_is_retried_in_a_later_batch(openai_server, tmp_path):
    server = openai_server(echo_label, faults=Faults(script=["ok", "503"]))
    replies = ask(batch_client(server.base_url, tmp_path), PROMPTS[:3])
    assert all(isinstance(r, Label) for r in replies), replies
    assert server.batches.created == 2
    assert [r.batch for r in server.work].count("batch-2") == 1


_WORKER = """
import asyncio, sys
sys.path[:0] = [{repo!r}, {tests!r}]
from tests.backends.test_llm_batch import PROMPTS, ask, batch_client
from pathlib import Path
ask(batch_client({url!r}, Path({cache!r})), PROMPTS)
"""


def test_a_run_killed_during_its_batch_resumes_that_batch_instead_of_paying_twice(
    openai_server, tmp_path
):
    server = openai_server(echo_label)
    server.batches.hold = True
    code = _WORKER.format(
        repo=str(REPO), tests=str(REPO / "tests"), url=server.base_url, cache=str(tmp_path)
    )
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while server.batches.created == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.batches.created == 1, "the worker submitted its batch"
        time.sleep(0.2)
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    assert worker.returncode == -signal.SIGKILL, "killed while its batch was in progress"
    assert len(ResponseCache(tmp_path)) == 0
    server.batches.release()
    replies = ask(batch_client(server.base_url, tmp_path), PROMPTS)
    assert [r.label for r in replies] == [p.upper() for p in PROMPTS]
    assert server.batches.created == 1, "the resumed run polled the journaled batch"
    assert len(server.work) == 5
