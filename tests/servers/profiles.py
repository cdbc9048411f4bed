"""How OpenAI-compatible servers answer each `response_format`, as their documentation says
(and, for llama.cpp, as measured against the real server with the wheel in ../shared/wheels).

The local test server takes one of these profiles, so each row of the README's server table is
backed by a test against the behaviour it names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from groupbuild.backends.llm.formats import PROBE_MESSAGES

Refusal = tuple[int, str]
Rule = Callable[[dict[str, Any], dict[str, Any]], "Refusal | None"]
"""`(response_format, body) -> (status, message)` when the server refuses the request."""


def _accept(fmt: dict[str, Any], body: dict[str, Any]) -> Refusal | None:
    return None


def _openai_json_object(fmt: dict[str, Any], body: dict[str, Any]) -> Refusal | None:
    if set(fmt) - {"type"}:
        extra = sorted(set(fmt) - {"type"})
        return 400, f"Invalid parameter: 'response_format' has unexpected properties {extra}."
    if "json" not in json.dumps(body["messages"]).lower():
        return 400, (
            "'messages' must contain the word 'json' in some form, to use 'response_format' "
            "of type 'json_object'."
        )
    return None


def _llama_cpp_json_schema(fmt: dict[str, Any], body: dict[str, Any]) -> Refusal | None:
    return 500, (
        "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
        "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
    )


def _no_format(fmt: dict[str, Any], body: dict[str, Any]) -> Refusal | None:
    return 400, "response_format is not supported by this server"


@dataclass(frozen=True)
class ServerProfile:
    name: str
    json_schema: Rule
    json_object: Rule
    expected_mode: str
    """What the client's `auto` probe must settle on against this server."""

    def refusal(self, body: dict[str, Any]) -> Refusal | None:
        fmt = body.get("response_format")
        if not isinstance(fmt, dict):
            return None
        rule = {"json_schema": self.json_schema, "json_object": self.json_object}.get(
            str(fmt.get("type")), _no_format
        )
        return rule(fmt, body)


PROFILES: dict[str, ServerProfile] = {
    p.name: p
    for p in (
        ServerProfile("openai", _accept, _openai_json_object, "json_schema"),
        ServerProfile("vllm", _accept, _accept, "json_schema"),
        ServerProfile("sglang", _accept, _accept, "json_schema"),
        ServerProfile("ollama", _accept, _accept, "json_schema"),
        ServerProfile("llama.cpp", _llama_cpp_json_schema, _accept, "json_object_schema"),
        ServerProfile("no-structured-output", _no_format, _no_format, "none"),
    )
}


def is_probe(body: dict[str, Any]) -> bool:
    return str(body["messages"][-1]["content"]).startswith(PROBE_MESSAGES[0]["content"])


def requested_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a request asks for, wherever its format mode put it."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return dict(fmt["json_schema"]["schema"])
    if "schema" in fmt:
        return dict(fmt["schema"])
    text = str(body["messages"][-1]["content"])
    marker = "matches this JSON schema:\n"
    if marker in text:
        found: dict[str, Any] = json.loads(text.rsplit(marker, 1)[1])
        return found
    return {}
