"""How a structured reply is asked for, on servers that differ in what they accept.

Four modes, from the most to the least the server enforces:

- `json_schema`: strict structured output, as OpenAI, vLLM, SGLang and Ollama 0.5+ take it;
- `json_object_schema`: `{"type": "json_object", "schema": ...}`, llama.cpp's grammar form;
- `json_object`: JSON mode, with the schema written into the prompt;
- `none`: no `response_format` at all, the schema in the prompt.

`auto` (the default) asks a tiny probe once per endpoint, strongest mode first, and keeps the
first mode whose reply parses. A mode is given up only on an error that says the format is
unsupported, never on any error (an over-long prompt is not a reason to change the format).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from groupbuild.hashing import canonical_json


class FormatMode(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT_SCHEMA = "json_object_schema"
    JSON_OBJECT = "json_object"
    NONE = "none"

    def weaker(self) -> FormatMode | None:
        """The next mode to try when this one is unsupported."""
        order = list(FormatMode)
        at = order.index(self)
        return order[at + 1] if at + 1 < len(order) else None


class ProbeReply(BaseModel):
    """The probe's reply: small enough for any model, typed enough to tell JSON from prose."""

    model_config = ConfigDict(extra="forbid")

    ok: bool


PROBE_MESSAGES = [
    {
        "role": "user",
        "content": 'Reply with this JSON object and nothing else: {"ok": true}',
    }
]


def apply_format(
    body: dict[str, Any], mode: FormatMode, strict_format: dict[str, Any]
) -> dict[str, Any]:
    """`body` asking for a reply in `strict_format` (a strict `json_schema` response format)."""
    schema = strict_format["json_schema"]["schema"]
    if mode is FormatMode.JSON_SCHEMA:
        return {**body, "response_format": strict_format}
    if mode is FormatMode.JSON_OBJECT_SCHEMA:
        bounded = bound_strings(schema, 2 * int(body.get("max_tokens") or 1024))
        return {**body, "response_format": {"type": "json_object", "schema": bounded}}
    messages = body["messages"]
    hint = "\n\nReply with one JSON object that matches this JSON schema:\n" + canonical_json(
        schema
    )
    last = {**messages[-1], "content": messages[-1]["content"] + hint}
    asked = {**body, "messages": [*messages[:-1], last]}
    if mode is FormatMode.JSON_OBJECT:
        asked["response_format"] = {"type": "json_object"}
    return asked


def bound_strings(schema: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """`schema` with every string capped at `max_chars` (about half of `max_tokens`).

    Only for grammar-constrained servers (llama.cpp turns `maxLength` into its grammar): a
    small local model that rambles in one string field would otherwise run past `max_tokens`
    and leave the JSON unclosed. With the cap the grammar closes the string and the reply.
    """
    if schema.get("type") == "string" and "maxLength" not in schema:
        return {**schema, "maxLength": max_chars}
    bounded = dict(schema)
    for key in ("properties", "$defs"):
        if isinstance(schema.get(key), dict):
            bounded[key] = {k: bound_strings(v, max_chars) for k, v in schema[key].items()}
    for key in ("anyOf", "allOf"):
        if isinstance(schema.get(key), list):
            bounded[key] = [bound_strings(v, max_chars) for v in schema[key]]
    if isinstance(schema.get("items"), dict):
        bounded["items"] = bound_strings(schema["items"], max_chars)
    return bounded


_FORMAT_WORDS = re.compile(
    r"response_format|json_schema|json_object|structured output|guided_json|grammar", re.I
)
_REFUSAL_WORDS = re.compile(
    r"not supported|unsupported|not implemented|does not support|doesn't support|invalid|"
    r"should be|must be|unknown|unrecognized|not allowed|not permitted|extra inputs|"
    r"literal_error|not available",
    re.I,
)
_FORMAT_STATUS = frozenset({400, 404, 415, 422, 500, 501})


def says_unsupported(exc: BaseException) -> bool:
    """True when a failed request's error says the server does not take this format.

    llama.cpp answers an unknown `response_format` type with HTTP 500 and a validation
    message, so 5xx counts too, but only when the message names the format.
    """
    status = getattr(exc, "status_code", None)
    if status not in _FORMAT_STATUS:
        return False
    message = str(getattr(exc, "message", "") or exc)
    return bool(_FORMAT_WORDS.search(message) and _REFUSAL_WORDS.search(message))
