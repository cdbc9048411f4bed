"""Structured output on every server: the `auto` probe, the four modes, and when to give one up.

Each server profile in `tests/servers/profiles.py` is one row of the README's server table.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from llm_helpers import ask_model
from pydantic import BaseModel

from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.client import FormatProbes, LLMClient, LLMConfigError
from groupbuild.backends.llm.formats import FormatMode, says_unsupported
from groupbuild.backends.llm.retry import Backoff
from groupbuild.backends.llm.transport import StatusError
from groupbuild.config import RoleConfig
from tests.servers.openai_server import Faults
from tests.servers.profiles import PROFILES, requested_schema

pytest_plugins = ["tests.servers.openai_fixtures"]


class Verdict(BaseModel):
    label: str
    score: float


def verdict(role: str, body: dict[str, Any]) -> dict[str, Any]:
    """A reply that follows whatever schema the request carries (a constrained server)."""
    fields = requested_schema(body).get("properties", {})
    assert set(fields) == {"label", "score"}, "every mode must tell the model the schema"
    return {"label": "fine", "score": 7.5}


def client_for(
    url: str,
    cache_dir: Path,
    role: str = "judge",
    *,
    cache: ResponseCache | None = None,
    probes: FormatProbes | None = None,
    **options: Any,
) -> LLMClient:
    config = RoleConfig(backend="llm", model="m", timeout=2.0, max_retries=2, **options)
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-unit"}
    cache = cache or ResponseCache(cache_dir)
    return LLMClient(role, config, cache, env=env, backoff=Backoff(0.01), probes=probes)


def ask(client: LLMClient, *prompts: str) -> list[Any]:
    return ask_model(client, Verdict, prompts)


SENT_TYPE = {
    "json_schema": {"json_schema"},
    "json_object_schema": {"json_object"},
    "json_object": {"json_object"},
    "none": {"None"},
}
"""The `response_format.type` each mode sends ("None": no response_format at all)."""


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_auto_settles_on_the_mode_each_server_takes_and_its_replies_parse(
    openai_server, tmp_path, name
):
    server = openai_server(verdict, profile=name)
    client = client_for(server.base_url, tmp_path)
    replies = ask(client, "first", "second")
    assert all(isinstance(r, Verdict) and r.score == 7.5 for r in replies), replies
    expected = PROFILES[name].expected_mode
    assert client.report()["response_format"] == expected
    sent = {str((r.body.get("response_format") or {}).get("type")) for r in server.work}
    assert sent == SENT_TYPE[expected]
    assert len(server.work) == 2, "the probe's failures are not the replies' failures"


def test_the_probe_is_sent_once_per_endpoint_and_remembered_for_the_rerun(openai_server, tmp_path):
    server = openai_server(verdict, profile="llama.cpp")
    cache = ResponseCache(tmp_path)
    probes = FormatProbes()

    async def two_roles() -> None:
        clients = [
            client_for(server.base_url, tmp_path, role=r, cache=cache, probes=probes)
            for r in ("judge", "perturber")
        ]
        try:
            asked = [c.structured([{"role": "user", "content": "x"}], Verdict) for c in clients]
            await asyncio.gather(*asked)
        finally:
            for c in clients:
                await c.aclose()

    asyncio.run(two_roles())
    cache.close()
    probes_sent = len(server.probes)
    assert probes_sent == 2, "json_schema refused, then json_object with the schema taken"
    ask(client_for(server.base_url, tmp_path), "again")
    assert len(server.probes) == probes_sent, "the rerun reads the decision from the cache"


def test_an_error_that_is_not_about_the_format_changes_no_format(openai_server, tmp_path):
    server = openai_server(verdict, faults=Faults(script=["ok", "400"]))
    client = client_for(server.base_url, tmp_path)
    [first, second] = ask(client, "long prompt", "short prompt")
    failed = [r for r in (first, second) if not isinstance(r, Verdict)]
    assert len(failed) == 1 and getattr(failed[0], "reason", "") == "llm_bad_request"
    assert client.report()["response_format"] == "json_schema"
    assert {r.body["response_format"]["type"] for r in server.work} == {"json_schema"}


def test_a_configured_mode_the_server_refuses_stops_the_run_with_the_fix(openai_server, tmp_path):
    server = openai_server(verdict, profile="llama.cpp")
    [reply] = ask(client_for(server.base_url, tmp_path, response_format="json_schema"), "x")
    assert isinstance(reply, LLMConfigError)
    assert "roles.judge.response_format" in str(reply) and "json_schema" in str(reply)
    assert len(server.log) == 1, "a refused format is not retried"
    assert not server.probes, "a configured mode sends no probe"


@pytest.mark.parametrize("mode", [m.value for m in FormatMode])
def test_each_configured_mode_sends_its_own_request_shape(openai_server, tmp_path, mode):
    server = openai_server(verdict, profile="vllm")
    [reply] = ask(client_for(server.base_url, tmp_path, response_format=mode), "x")
    assert isinstance(reply, Verdict)
    body = server.work[0].body
    fmt = body.get("response_format")
    prompt = body["messages"][-1]["content"]
    if mode == "json_schema":
        assert fmt["json_schema"]["strict"] is True and "JSON schema" not in prompt
    elif mode == "json_object_schema":
        assert fmt["type"] == "json_object" and fmt["schema"]["required"] == ["label", "score"]
        assert fmt["schema"]["properties"]["label"]["maxLength"] == 2 * body["max_tokens"]
        assert "maxLength" not in fmt["schema"]["properties"]["score"]
    elif mode == "json_object":
        assert fmt == {"type": "json_object"} and '"label"' in prompt
    else:
        assert fmt is None and '"label"' in prompt


def test_the_real_llama_cpp_refusal_is_read_as_unsupported_and_others_are_not():
    llama = StatusError(
        500,
        "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', "
        "'type'), 'msg': \"Input should be 'text' or 'json_object'\"}",
    )
    assert says_unsupported(llama)
    assert not says_unsupported(StatusError(500, "CUDA out of memory"))
    assert not says_unsupported(StatusError(400, "maximum context length is 4096 tokens"))
    assert not says_unsupported(StatusError(503, "response_format json_schema unsupported"))
