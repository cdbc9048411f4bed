"""The LLM client over real HTTP: retries, Retry-After, repair, fallback, cache, limits, secrets."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from llm_helpers import ask_model
from pydantic import BaseModel

from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.client import LLMClient, LLMConfigError
from groupbuild.backends.llm.limits import Bucket
from groupbuild.backends.llm.retry import Backoff
from groupbuild.config import RoleConfig
from groupbuild.errors import Deferred, StageReject
from tests.servers.openai_server import Faults

pytest_plugins = ["tests.servers.openai_fixtures"]

KEY = "sk-test-marker-5b0c9e"


class Answer(BaseModel):
    step_index: int
    new_text: str


def good(role: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"step_index": 2, "new_text": str(body["messages"][-1]["content"])[:20]}


def make_client(url: str, cache_dir: Path, **role: Any) -> LLMClient:
    """A client with the format fixed (no probe), unless a test asks for `auto`."""
    role.setdefault("response_format", "json_schema")
    config = RoleConfig(backend="llm", model="local-model", timeout=0.5, **role)
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY}
    return LLMClient("perturber", config, ResponseCache(cache_dir), env=env, backoff=Backoff(0.01))


def ask(client: LLMClient, *prompts: str) -> list[Any]:
    return ask_model(client, Answer, prompts)


def test_replies_parse_and_a_rerun_is_served_from_the_cache(openai_server, tmp_path):
    server = openai_server(good)
    first = ask(make_client(server.base_url, tmp_path), "a", "b", "c")
    assert [r.step_index for r in first] == [2, 2, 2]
    assert server.count == 3
    again = make_client(server.base_url, tmp_path)
    assert ask(again, "a", "b", "c") == first
    assert server.count == 3
    assert again.usage.cached == 3 and again.usage.requests == 0


def test_the_cache_key_includes_the_endpoint(openai_server, tmp_path):
    one, two = openai_server(good), openai_server(good)
    ask(make_client(one.base_url, tmp_path), "same prompt")
    ask(make_client(two.base_url, tmp_path), "same prompt")
    assert (one.count, two.count) == (1, 1)


def test_a_429_waits_for_retry_after_then_succeeds(openai_server, tmp_path):
    server = openai_server(good, faults=Faults(script=["429"], retry_after=0.4))
    client = make_client(server.base_url, tmp_path)
    started = time.perf_counter()
    [reply] = ask(client, "x")
    assert isinstance(reply, Answer)
    assert time.perf_counter() - started >= 0.4
    assert server.count == 2 and client.usage.retries == 1


@pytest.mark.parametrize("fault", ["500", "503", "timeout"])
def test_server_errors_and_timeouts_are_retried(openai_server, tmp_path, fault):
    server = openai_server(good, faults=Faults(script=[fault, fault], hang=1.5))
    client = make_client(server.base_url, tmp_path)
    [reply] = ask(client, "x")
    assert isinstance(reply, Answer)
    assert server.count == 3 and client.usage.retries == 2


def test_retries_that_run_out_defer_the_record_and_cache_nothing(openai_server, tmp_path):
    server = openai_server(good, faults=Faults(script=["503"] * 3))
    client = make_client(server.base_url, tmp_path, max_retries=2)
    [reply] = ask(client, "x")
    assert isinstance(reply, Deferred) and reply.reason == "llm_unavailable"
    assert not isinstance(reply, StageReject), "an outage is not a verdict on the record"
    assert server.count == 3
    assert len(ResponseCache(tmp_path)) == 0
    [again] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(again, Answer) and server.count == 4


def test_a_request_the_server_refuses_is_a_reject_not_a_deferral(openai_server, tmp_path):
    def too_long(role: str, body: dict[str, Any]) -> dict[str, Any]:
        return good(role, body)

    server = openai_server(too_long, faults=Faults(script=["400"]))
    [reply] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(reply, StageReject) and reply.reason == "llm_bad_request"
    assert server.count == 1, "a 400 that does not name the format is not retried"


def test_a_truncated_reply_gets_one_repair_request(openai_server, tmp_path):
    server = openai_server(good, faults=Faults(script=["truncated"]))
    client = make_client(server.base_url, tmp_path)
    [reply] = ask(client, "x")
    assert isinstance(reply, Answer)
    assert server.count == 2 and client.usage.repairs == 1
    repair = server.log[1].body["messages"]
    assert repair[-2]["role"] == "assistant" and "could not be used" in repair[-1]["content"]
    ask(make_client(server.base_url, tmp_path), "x")
    assert server.count == 2, "the repaired reply is cached under the original request"


def test_a_reply_that_never_parses_is_rejected_and_not_cached(openai_server, tmp_path):
    server = openai_server(good, faults=Faults(script=["nonschema", "nonschema"]))
    [reply] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(reply, StageReject) and reply.reason == "llm_unparseable"
    [again] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(again, Answer) and server.count == 3


def test_structured_requests_send_the_strict_schema_parse_would_send(openai_server, tmp_path):
    server = openai_server(good)
    ask(make_client(server.base_url, tmp_path), "x")
    fmt = server.log[0].body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["step_index", "new_text"]


def test_rejected_credentials_stop_the_run_instead_of_rejecting_records(openai_server, tmp_path):
    server = openai_server(good, faults=Faults(script=["401"]))
    [reply] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(reply, LLMConfigError)


def test_concurrency_is_bounded_per_role(openai_server, tmp_path):
    server = openai_server(good, latency=0.05)
    ask(make_client(server.base_url, tmp_path, concurrency=3), *[f"p{i}" for i in range(9)])
    assert server.count == 9 and server.max_inflight == 3


def test_usage_counts_tokens_and_prices_them(openai_server, tmp_path):
    server = openai_server(good)
    client = make_client(
        server.base_url, tmp_path, prompt_price_per_mtok=2.0, completion_price_per_mtok=8.0
    )
    ask(client, "hello there")
    report = client.usage.report()
    assert report["prompt_tokens"] > 0 and report["completion_tokens"] > 0
    expected = (report["prompt_tokens"] * 2.0 + report["completion_tokens"] * 8.0) / 1e6
    assert report["cost"] == pytest.approx(expected)


def test_the_api_key_is_sent_but_never_written(openai_server, tmp_path):
    server = openai_server(good)
    ask(make_client(server.base_url, tmp_path), "x", "y")
    assert server.log[0].headers["authorization"] == f"Bearer {KEY}"
    written = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not any(KEY in text for text in written)


def test_a_missing_key_for_the_openai_api_is_a_config_error(tmp_path):
    config = RoleConfig(backend="llm", model="gpt-test", api_key_env="NO_SUCH_KEY_VAR")
    with pytest.raises(LLMConfigError, match="NO_SUCH_KEY_VAR"):
        LLMClient("judge", config, ResponseCache(tmp_path), env={})


def test_a_partial_last_cache_line_is_dropped_and_appends_stay_readable(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("v1:a", {"content": "A"})
    cache.close()
    with cache.path.open("a", encoding="utf-8") as handle:
        handle.write('{"key":"v1:b","content":"B')
    reopened = ResponseCache(tmp_path)
    assert "v1:a" in reopened and "v1:b" not in reopened
    reopened.put("v1:c", {"content": "C"})
    reopened.close()
    lines = cache.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["v1:a", "v1:c"]


def test_a_bucket_waits_once_its_minute_is_spent():
    async def go() -> float:
        bucket = Bucket(per_minute=600)
        await bucket.take(600)
        started = time.perf_counter()
        await bucket.take(3)
        return time.perf_counter() - started

    assert 0.2 <= asyncio.run(go()) < 1.5


def test_importing_the_llm_package_imports_no_openai():
    code = "import sys, groupbuild.backends.llm.session; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_cached_reply_that_no_longer_parses_is_asked_again_and_replaced(openai_server, tmp_path):
    server = openai_server(good)
    ask(make_client(server.base_url, tmp_path), "x")
    path = ResponseCache(tmp_path).path
    entry = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**entry, "content": "{}"}) + "\n", encoding="utf-8")
    [reply] = ask(make_client(server.base_url, tmp_path), "x")
    assert isinstance(reply, Answer) and server.count == 2
    ask(make_client(server.base_url, tmp_path), "x")
    assert server.count == 2
