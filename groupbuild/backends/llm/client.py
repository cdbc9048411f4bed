"""One LLM client per role over `openai.AsyncOpenAI`: limits, retries, cache, parsing, accounting.

Requests go out through the SDK's own transport (auth, base URL, error types, the aiohttp
client) with a body that is already plain JSON and the reply read as JSON, so the SDK neither
re-walks every message nor builds response models per call (measured: `.parse()` reaches
about 0.4 of a bare aiohttp loop here, this path about 0.8). Structured replies use the same
strict `json_schema` response format that `chat.completions.parse` sends, built once per
pydantic model, and are validated by that model.
A server that rejects `json_schema` is asked again in JSON mode with the schema in the prompt.
A reply that does not parse gets one repair request, then the record is rejected: unparsed
replies and failures are never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.limits import RateLimiter, estimate_tokens
from groupbuild.backends.llm.replies import response_format
from groupbuild.backends.llm.retry import Backoff, is_retryable
from groupbuild.backends.llm.usage import Usage
from groupbuild.config import RoleConfig
from groupbuild.errors import GroupbuildError, StageReject
from groupbuild.hashing import cache_key, canonical_json

OPENAI_API = "https://api.openai.com/v1"
ROLE_HEADER = "X-Groupbuild-Role"
Messages = list[dict[str, str]]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class LLMConfigError(GroupbuildError):
    """A role's endpoint cannot be used at all (no model, no key, rejected credentials)."""


@dataclass(frozen=True)
class Endpoint:
    """Where a role's requests go; part of every cache key (the key itself is not)."""

    base_url: str
    model: str

    @classmethod
    def resolve(cls, role: str, config: RoleConfig, env: Mapping[str, str]) -> Endpoint:
        if not config.model:
            raise LLMConfigError(f"roles.{role}.model is required for the llm backend")
        base_url = config.base_url or env.get("OPENAI_BASE_URL") or OPENAI_API
        return cls(base_url=base_url.rstrip("/"), model=config.model)


class LLMClient:
    """The requests of one role. The API key is read from the environment here and only kept
    inside the SDK client, never in the cache, the usage report or any log line."""

    def __init__(
        self,
        role: str,
        config: RoleConfig,
        cache: ResponseCache,
        *,
        env: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        import openai

        environ = os.environ if env is None else env
        self.role, self.config, self.cache = role, config, cache
        self.endpoint = Endpoint.resolve(role, config, environ)
        api_key = environ.get(config.api_key_env)
        if not api_key:
            if self.endpoint.base_url == OPENAI_API:
                raise LLMConfigError(f"roles.{role}: variable {config.api_key_env} is unset")
            api_key = "EMPTY"
        self._openai = openai.AsyncOpenAI(
            base_url=self.endpoint.base_url,
            api_key=api_key,
            max_retries=0,
            timeout=config.timeout,
            default_headers={ROLE_HEADER: role},
            http_client=openai.DefaultAioHttpClient(timeout=config.timeout),
        )
        self.usage = Usage(config.prompt_price_per_mtok, config.completion_price_per_mtok)
        self._limit = asyncio.Semaphore(max(1, config.concurrency))
        self._rate = RateLimiter(config.requests_per_minute, config.tokens_per_minute)
        self._backoff = backoff or Backoff()
        self._json_schema = True
        self._formats: dict[type[BaseModel], dict[str, Any]] = {}

    @property
    def model(self) -> str:
        return self.endpoint.model

    async def aclose(self) -> None:
        await self._openai.close()

    async def structured(self, messages: Messages, reply: type[M], *, sample: int = 0) -> M:
        """A reply parsed into `reply`; one repair request when the first does not parse."""
        fmt = self._response_format(reply)
        key = self._key(messages, sample, fmt["json_schema"])
        cached = self.cache.get(key)
        if cached is not None:
            with contextlib.suppress(ValueError):
                parsed = _parse_model(reply, cached["content"])
                self.usage.cached += 1
                return parsed
        content = await self._send(messages, sample, fmt)
        try:
            parsed = _parse_model(reply, content)
        except ValueError as first:
            self.usage.repairs += 1
            repair = [*messages, {"role": "assistant", "content": content}, _repair_prompt(first)]
            content = await self._send(repair, sample, fmt)
            try:
                parsed = _parse_model(reply, content)
            except ValueError as second:
                self.usage.failures += 1
                raise StageReject("llm_unparseable", f"{self.role}: {second}") from None
        self.cache.put(key, {"content": content, "model": self.model})
        return parsed

    async def text(self, messages: Messages, check: Callable[[str], T], *, sample: int = 0) -> T:
        """A free-text reply passed through `check` (which raises ValueError to refuse it)."""
        key = self._key(messages, sample, None)
        cached = self.cache.get(key)
        if cached is not None:
            with contextlib.suppress(ValueError):
                result = check(cached["content"])
                self.usage.cached += 1
                return result
        content = await self._send(messages, sample, None)
        try:
            result = check(content)
        except ValueError as exc:
            self.usage.failures += 1
            raise StageReject("llm_unparseable", f"{self.role}: {exc}") from None
        self.cache.put(key, {"content": content, "model": self.model})
        return result

    def _key(self, messages: Messages, sample: int, schema: dict[str, Any] | None) -> str:
        params = {"temperature": self.config.temperature, "max_tokens": self.config.max_tokens}
        return cache_key(
            {
                "endpoint": self.endpoint.base_url,
                "model": self.model,
                "messages": messages,
                "params": {**params, "sample": sample},
                "schema": schema,
            }
        )

    def _response_format(self, reply: type[BaseModel]) -> dict[str, Any]:
        fmt = self._formats.get(reply)
        if fmt is None:
            fmt = response_format(reply)
            self._formats[reply] = fmt
        return fmt

    async def _send(self, messages: Messages, sample: int, fmt: dict[str, Any] | None) -> str:
        """One logical request: retried on transient faults, falling back to JSON mode once."""
        import openai

        fatal = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)
        try:
            return await self._send_retrying(messages, sample, fmt)
        except openai.BadRequestError as exc:
            if fmt is None or not self._json_schema or not self.config.json_mode_fallback:
                self.usage.failures += 1
                raise StageReject("llm_bad_request", f"{self.role}: {exc.message}") from None
            self._json_schema = False
            return await self._send(messages, sample, fmt)
        except fatal as exc:
            where = f"roles.{self.role} at {self.endpoint.base_url}"
            raise LLMConfigError(f"{where}: {exc.message}") from None
        except openai.APIError as exc:
            self.usage.failures += 1
            raise StageReject("llm_request_failed", f"{self.role}: {exc.message}") from None

    async def _send_retrying(
        self, messages: Messages, sample: int, fmt: dict[str, Any] | None
    ) -> str:
        body = self._body(messages, sample, fmt)
        tokens = estimate_tokens(body["messages"], self.config.max_tokens)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=self._backoff,
            retry=retry_if_exception(is_retryable),
            before_sleep=self._count_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._rate.acquire(tokens)
                async with self._limit:
                    self.usage.requests += 1
                    completion = await self._post(body)
        return self._content(completion)

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """The completion as plain JSON: building SDK models per reply costs more than parsing."""
        raw = await self._openai.post("/chat/completions", body=body, cast_to=bytes)
        try:
            completion = json.loads(raw)
        except json.JSONDecodeError:
            completion = None
        if not isinstance(completion, dict):
            raise StageReject("llm_bad_response", f"{self.role}: the server did not send JSON")
        return completion

    def _count_retry(self, _state: Any) -> None:
        self.usage.retries += 1

    def _body(self, messages: Messages, sample: int, fmt: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if sample:
            body["seed"] = sample
        if fmt is not None and self._json_schema:
            body["response_format"] = fmt
        elif fmt is not None:
            schema = canonical_json(fmt["json_schema"]["schema"])
            hint = f"\n\nReply with one JSON object that matches this JSON schema:\n{schema}"
            last = {**messages[-1], "content": messages[-1]["content"] + hint}
            body["messages"] = [*messages[:-1], last]
            body["response_format"] = {"type": "json_object"}
        return body

    def _content(self, completion: dict[str, Any]) -> str:
        self.usage.replies += 1
        usage = completion.get("usage") or {}
        self.usage.add_tokens(
            int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )
        choices = completion.get("choices") or [{}]
        message = choices[0].get("message") or {}
        if message.get("refusal"):
            self.usage.failures += 1
            raise StageReject("llm_refused", f"{self.role}: {message['refusal']}")
        return str(message.get("content") or "")


def _parse_model(reply: type[M], content: str) -> M:
    """Validate `content` as `reply`, tolerating code fences or prose around the JSON object."""
    text = content.strip()
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise ValueError(f"no JSON object in reply: {_clip(text)}")
    try:
        return reply.model_validate_json(text[start : end + 1])
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"reply does not match the schema: {problems}") from None


def _repair_prompt(error: ValueError) -> dict[str, str]:
    return {
        "role": "user",
        "content": (
            f"That reply could not be used ({error}). Reply again with only the JSON object, "
            "complete and matching the schema, and nothing else."
        ),
    }


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
