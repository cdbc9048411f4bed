"""A local OpenAI-compatible chat server: real HTTP, scripted replies, latency and faults.

It serves `POST /v1/chat/completions` on 127.0.0.1 from a background thread. A *responder*
turns each request into the assistant's content; the server adds latency and, at the configured
rates, faults: 429 with Retry-After, 500/503, a hang past the client's timeout, a truncated JSON
body, or JSON that does not match the requested schema. Every request is logged so tests can count
what the client sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from tests.servers.batch_api import BatchAPI
from tests.servers.loopback import LoopbackServer
from tests.servers.profiles import PROFILES, is_probe

ROLE_HEADER = "X-Groupbuild-Role"
FAULTS = ("429", "500", "503", "timeout", "truncated", "nonschema", "401", "400")

Responder = Callable[[str, dict[str, Any]], "str | dict[str, Any]"]
"""`(role, request_json) -> content`: a dict is sent as JSON text, a str as is."""


@dataclass
class Faults:
    """Per-request fault probabilities (they add up to at most 1) and their shape."""

    rates: dict[str, float] = field(default_factory=dict)
    script: list[str] = field(default_factory=list)
    """Faults served first, in order, before any random draw ("ok" serves a normal reply)."""
    retry_after: float = 0.05
    hang: float = 2.0
    seed: int = 7

    def __post_init__(self) -> None:
        unknown = set(self.rates) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; valid: {list(FAULTS)}")


@dataclass(frozen=True)
class LoggedRequest:
    role: str
    fault: str
    body: dict[str, Any]
    headers: dict[str, str]
    batch: str | None = None
    """The batch this request came in, if it came through the Batch API."""


def echo_responder(role: str, request: dict[str, Any]) -> str | dict[str, Any]:
    """A reply that fits nothing in particular: the role name as text."""
    return f"reply from {role}"


class OpenAIServer(LoopbackServer):
    """The server; use as a context manager or call `start()`/`stop()`."""

    label = "test OpenAI server"
    runner_options: ClassVar[dict[str, Any]] = {"access_log": None, "shutdown_timeout": 0.1}
    site_options: ClassVar[dict[str, Any]] = {"backlog": 1024}

    def __init__(
        self,
        responder: Responder = echo_responder,
        *,
        latency: float = 0.0,
        faults: Faults | None = None,
        profile: str = "openai",
        keep_log: bool = True,
    ) -> None:
        super().__init__()
        self.responder = responder
        self.latency = latency
        self.faults = faults or Faults()
        self.profile = PROFILES[profile]
        """Which server's `response_format` behaviour to emulate (see `profiles.py`)."""
        self.keep_log = keep_log
        self.log: list[LoggedRequest] = []
        self.count = 0
        self.inflight = 0
        self.max_inflight = 0
        self._area = 0.0
        self._since: float | None = None
        self._stamp: float | None = None
        self.batches = BatchAPI(self)
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def requests_for(self, role: str) -> list[LoggedRequest]:
        """The role's requests, without the format probe (see `probes`)."""
        return [r for r in self.work if r.role == role]

    @property
    def work(self) -> list[LoggedRequest]:
        """Every request but the format probes."""
        return [r for r in self.log if not is_probe(r.body)]

    @property
    def probes(self) -> list[LoggedRequest]:
        return [r for r in self.log if is_probe(r.body)]

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/stats", self._stats)
        self.batches.add_routes(app)
        return app

    async def _stats(self, request: web.Request) -> web.Response:
        """What a benchmark in another process reads: requests served and load over time."""
        return web.json_response(
            {
                "requests": self.count,
                "average_inflight": round(self.average_inflight(), 2),
                "max_inflight": self.max_inflight,
            }
        )

    def draw_fault(self) -> str:
        with self._lock:
            self.count += 1
            if self.faults.script:
                return self.faults.script.pop(0)
            roll = self._rng.random()
            for name in FAULTS:
                roll -= self.faults.rates.get(name, 0.0)
                if roll < 0:
                    return name
            return "ok"

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        role = request.headers.get(ROLE_HEADER, "unknown")
        fault = self.draw_fault()
        self.log_request(role, fault, body, dict(request.headers))
        self._busy(+1)
        try:
            return await self._reply(body, role, fault)
        finally:
            self._busy(-1)

    def log_request(
        self,
        role: str,
        fault: str,
        body: dict[str, Any],
        headers: dict[str, str],
        batch: str | None = None,
    ) -> None:
        if self.keep_log:
            lowered = {k.lower(): v for k, v in headers.items()}
            self.log.append(LoggedRequest(role, fault, body, lowered, batch))

    def _busy(self, change: int) -> None:
        now = time.monotonic()
        if self._since is None:
            self._since = now
        self._area += self.inflight * (now - self._stamp if self._stamp else 0.0)
        self._stamp = now
        self.inflight += change
        self.max_inflight = max(self.max_inflight, self.inflight)

    def average_inflight(self) -> float:
        """Requests in flight, averaged over time from the first request to the last reply."""
        if self._since is None or self._stamp is None or self._stamp <= self._since:
            return 0.0
        return self._area / (self._stamp - self._since)

    async def _reply(self, body: dict[str, Any], role: str, fault: str) -> web.Response:
        status, payload, headers = await self.answer(body, role, fault)
        return web.json_response(payload, status=status, headers=headers)

    async def answer(
        self, body: dict[str, Any], role: str, fault: str
    ) -> tuple[int, dict[str, Any], dict[str, str] | None]:
        """One request's status, JSON payload and headers (chat and batch items alike)."""
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault == "401":
            return _error(401, "invalid api key")
        if fault == "400":
            return _error(400, "This model's maximum context length is 4096 tokens")
        if fault == "429":
            return _error(429, "rate limited", {"retry-after": f"{self.faults.retry_after:g}"})
        if fault in ("500", "503"):
            return _error(int(fault), "server error")
        if fault == "timeout":
            await asyncio.sleep(self.faults.hang)
            return _error(504, "too late")
        refused = self.profile.refusal(body)
        if refused is not None:
            return _error(*refused)
        content = {"ok": True} if is_probe(body) else self.responder(role, body)
        text = content if isinstance(content, str) else json.dumps(content)
        if fault == "truncated":
            return 200, _completion(body, text[: max(1, len(text) // 2)], "length"), None
        if fault == "nonschema":
            text = json.dumps({"unexpected": True})
        return 200, _completion(body, text), None


def _error(
    status: int, message: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    payload = {"error": {"message": message, "type": "server_error", "code": str(status)}}
    return status, payload, headers


def _completion(body: dict[str, Any], text: str, finish: str = "stop") -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    prompt_tokens, completion_tokens = prompt_chars // 4 + 1, len(text) // 4 + 1
    return {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "local"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def main() -> None:
    """Serve from a process of its own (benchmarks): prints the port, runs until killed.

    `--answers FILE` (JSON: problem prefix -> answer) serves `RoleScript` replies for a whole
    pipeline; without it every reply is one perturber-shaped JSON object.
    """
    import argparse

    from tests.servers.openai_script import RoleScript

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--answers", default=None)
    args = parser.parse_args()
    responder: Responder = lambda role, body: {"step_index": 1, "new_text": "x" * 40}  # noqa: E731
    if args.answers:
        with open(args.answers, encoding="utf-8") as handle:
            responder = RoleScript(answers=json.load(handle))
    server = OpenAIServer(responder, latency=args.latency, keep_log=False).start()
    print(server.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
