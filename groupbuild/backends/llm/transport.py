"""How a request body reaches the model: the seam between the client's policy and the wire.

The client (cache, retries, limits, parsing, repair, accounting) hands a transport a finished
chat-completions body and the body's cache key, and gets the completion back as plain JSON.
`ChatTransport` posts it at once; `BatchTransport` (in `batch.py`) gathers bodies into the
OpenAI Batch API. Errors are the SDK's, or `StatusError` with the same `status_code` and
`message`, so one retry policy serves both.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import openai


class StatusError(Exception):
    """A failed request that did not come through the SDK's own HTTP call (a batch item)."""

    def __init__(self, status_code: int, message: str) -> None:
        self.status_code, self.message = status_code, message
        super().__init__(f"HTTP {status_code}: {message}")


class Transport(Protocol):
    realtime: bool
    """True when each call is one HTTP request: the client's concurrency and rate limits apply."""

    async def complete(self, body: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class ChatTransport:
    """`POST /chat/completions` through the SDK's transport, the reply read as plain JSON.

    Building SDK response models per reply costs more than parsing the JSON ourselves.
    """

    realtime = True

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self._client = client

    async def complete(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        raw = await self._client.post("/chat/completions", body=body, cast_to=bytes)
        return completion_json(raw)

    async def aclose(self) -> None:
        return None


def completion_json(raw: bytes | str) -> dict[str, Any]:
    try:
        completion = json.loads(raw)
    except json.JSONDecodeError:
        completion = None
    if not isinstance(completion, dict):
        raise StatusError(502, "the server did not send a JSON completion")
    return completion
