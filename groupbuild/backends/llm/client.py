"""One LLM client per role: the policy (cache, retries, limits, parsing, repair, accounting).

What goes over the wire is a transport's business (`transport.py`: chat completions;
`batch.py`: the Batch API). The client builds each request body once, and the body is the
cache key, so every parameter that changes the request changes the key. Structured replies
are asked for in the role's format mode (`formats.py`), decided once per endpoint by a probe
under `auto`, and validated by their pydantic model; free-text replies by the role's check.
A reply that does not pass gets one repair request, then the record is rejected; a request
that keeps failing after its retries defers the record (it stays pending for the next run).
Only replies that passed are cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.formats import (
    PROBE_MESSAGES,
    FormatMode,
    ProbeReply,
    apply_format,
    says_unsupported,
)
from groupbuild.backends.llm.limits import RateLimiter, estimate_tokens
from groupbuild.backends.llm.replies import response_format
from groupbuild.backends.llm.retry import Backoff, is_retryable
from groupbuild.backends.llm.transport import ChatTransport, StatusError, Transport
from groupbuild.backends.llm.usage import Usage
from groupbuild.config import RoleConfig
from groupbuild.errors import Deferred, GroupbuildError, StageReject
from groupbuild.hashing import cache_key

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


class FormatProbes:
    """The `auto` format decision, made once per endpoint for every role that uses it and
    remembered in the response cache, so a rerun sends no probe."""

    def __init__(self) -> None:
        self._decided: dict[Endpoint, asyncio.Future[FormatMode]] = {}

    async def mode(self, client: LLMClient) -> FormatMode:
        endpoint, cache = client.endpoint, client.cache
        key = cache_key({"probe": endpoint.base_url, "model": endpoint.model})
        cached = cache.get(key)
        if cached is not None:
            with contextlib.suppress(ValueError):
                return FormatMode(cached["content"])
        decided = self._decided.get(endpoint)
        if decided is None or (decided.done() and decided.exception() is not None):
            decided = asyncio.ensure_future(client.probe())
            self._decided[endpoint] = decided
        mode = await asyncio.shield(decided)
        cache.put(key, {"content": mode.value, "model": endpoint.model})
        return mode


class _Unsupported(Exception):
    """The server said it does not take the requested response format."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


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
        probes: FormatProbes | None = None,
        journal_dir: Path | None = None,
        limit: asyncio.Semaphore | None = None,
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
        self._chat = ChatTransport(self._openai)
        self.transport: Transport = self._chat
        if config.batch:
            from groupbuild.backends.llm.batch import BatchTransport

            self.transport = BatchTransport(
                self._openai,
                journal_dir or cache.path.parent,
                role,
                batch_size=config.batch_size,
                window=config.batch_window,
                poll=config.batch_poll,
            )
        self.usage = Usage(config.prompt_price_per_mtok, config.completion_price_per_mtok)
        self._limit = limit or asyncio.Semaphore(max(1, config.concurrency))
        """Shared by the roles of one endpoint when the session builds them."""
        self._rate = RateLimiter(config.requests_per_minute, config.tokens_per_minute)
        self._backoff = backoff or Backoff()
        self._probes = probes or FormatProbes()
        self._formats: dict[type[BaseModel], dict[str, Any]] = {}
        self._weakened: dict[type[BaseModel], FormatMode] = {}
        self.format_mode: FormatMode | None = None
        """The mode the endpoint was found to take (or the configured one), for the manifest."""

    @property
    def model(self) -> str:
        return self.endpoint.model

    def report(self) -> dict[str, Any]:
        """Usage counters, the format mode used, and any reply model that needed a weaker one."""
        report: dict[str, Any] = dict(self.usage.report())
        report["response_format"] = self.format_mode.value if self.format_mode else None
        if self._weakened:
            report["weakened_formats"] = {m.__name__: f.value for m, f in self._weakened.items()}
        if not self.transport.realtime:
            report["batches_created"] = getattr(self.transport, "batches_created", 0)
        return report

    async def aclose(self) -> None:
        await self.transport.aclose()
        await self._openai.close()

    async def structured(self, messages: Messages, reply: type[M], *, sample: int = 0) -> M:
        """A reply parsed into `reply`; one repair request when the first does not parse."""
        strict = self._strict_format(reply)
        mode = await self._mode_for(reply)
        content: str | None = None
        while content is None:
            body = apply_format(self._body(messages, sample), mode, strict)
            key = self._key(body)
            cached = self.cache.get(key)
            if cached is not None:
                with contextlib.suppress(ValueError):
                    parsed = _parse_model(reply, cached["content"])
                    self.usage.cached += 1
                    return parsed
            try:
                content = await self._send(body, key)
            except _Unsupported as exc:
                mode = self._weaken(reply, mode, exc.message)
        try:
            parsed = _parse_model(reply, content)
        except ValueError as first:
            self.usage.repairs += 1
            repair = [*messages, {"role": "assistant", "content": content}, _repair_prompt(first)]
            repair_body = apply_format(self._body(repair, sample), mode, strict)
            content = await self._send(repair_body, self._key(repair_body))
            try:
                parsed = _parse_model(reply, content)
            except ValueError as second:
                self.usage.failures += 1
                raise StageReject("llm_unparseable", f"{self.role}: {second}") from None
        self.cache.put(key, {"content": content, "model": self.model})
        return parsed

    async def text(self, messages: Messages, check: Callable[[str], T], *, sample: int = 0) -> T:
        """A free-text reply passed through `check` (which raises ValueError to refuse it);
        one repair request when it is refused, and only an accepted reply is cached."""
        body = self._body(messages, sample)
        key = self._key(body)
        cached = self.cache.get(key)
        if cached is not None:
            with contextlib.suppress(ValueError):
                result = check(cached["content"])
                self.usage.cached += 1
                return result
        content = await self._send(body, key)
        try:
            result = check(content)
        except ValueError as first:
            self.usage.repairs += 1
            repair = [*messages, {"role": "assistant", "content": content}, _retry_text(first)]
            repair_body = self._body(repair, sample)
            content = await self._send(repair_body, self._key(repair_body))
            try:
                result = check(content)
            except ValueError as second:
                self.usage.failures += 1
                raise StageReject("llm_unparseable", f"{self.role}: {second}") from None
        self.cache.put(key, {"content": content, "model": self.model})
        return result

    async def probe(self) -> FormatMode:
        """The strongest format mode whose reply parses on this endpoint.

        Sent as one ordinary request (never batched): a mode the server refuses, or whose
        reply is not the JSON asked for, gives way to the next.
        """
        strict = response_format(ProbeReply)
        base = {"model": self.model, "messages": PROBE_MESSAGES, "temperature": 0.0}
        mode: FormatMode | None = FormatMode.JSON_SCHEMA
        while mode is not None and mode is not FormatMode.NONE:
            body = apply_format({**base, "max_tokens": 32}, mode, strict)
            try:
                content = await self._send(body, self._key(body), transport=self._chat)
                if _parse_model(ProbeReply, content).ok:
                    return mode
            except (_Unsupported, StageReject, ValueError):
                pass
            mode = mode.weaker()
        return FormatMode.NONE

    def _key(self, body: dict[str, Any]) -> str:
        """The body itself (with the endpoint) is the key: no parameter can be left out."""
        return cache_key({"endpoint": self.endpoint.base_url, "body": body})

    def _strict_format(self, reply: type[BaseModel]) -> dict[str, Any]:
        fmt = self._formats.get(reply)
        if fmt is None:
            fmt = response_format(reply)
            self._formats[reply] = fmt
        return fmt

    async def _mode_for(self, reply: type[BaseModel]) -> FormatMode:
        weakened = self._weakened.get(reply)
        if weakened is not None:
            return weakened
        configured = self.config.response_format
        if configured != "auto":
            self.format_mode = FormatMode(configured)
        elif self.format_mode is None:
            self.format_mode = await self._probes.mode(self)
        return self.format_mode

    def _weaken(self, reply: type[BaseModel], mode: FormatMode, message: str) -> FormatMode:
        """The next mode for this reply model only: one schema a server refuses does not
        change how every other reply is asked for."""
        weaker = mode.weaker()
        if self.config.response_format != "auto" or weaker is None:
            raise LLMConfigError(
                f"roles.{self.role} at {self.endpoint.base_url} does not take "
                f"response_format {mode.value}: {message}; set roles.{self.role}.response_format "
                "to auto or to a mode it takes"
            )
        self._weakened[reply] = weaker
        return weaker

    def _body(self, messages: Messages, sample: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if sample:
            body["seed"] = sample
        return body

    async def _send(
        self, body: dict[str, Any], key: str, *, transport: Transport | None = None
    ) -> str:
        """One logical request, retried on transient faults; classified when it fails for good.

        A refused format is the caller's to handle; a request the server will never take is
        a reject; a server that stays unreachable defers the record.
        """
        import openai

        fatal = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)
        try:
            completion = await self._send_retrying(body, key, transport or self.transport)
        except fatal as exc:
            if "response_format" in body and says_unsupported(exc):
                raise _Unsupported(exc.message) from None
            where = f"roles.{self.role} at {self.endpoint.base_url}"
            raise LLMConfigError(f"{where}: {exc.message}") from None
        except (openai.APIError, StatusError) as exc:
            message = str(getattr(exc, "message", exc))
            if "response_format" in body and says_unsupported(exc):
                raise _Unsupported(message) from None
            self.usage.failures += 1
            if is_retryable(exc):
                raise Deferred("llm_unavailable", f"{self.role}: {message}") from None
            raise StageReject("llm_bad_request", f"{self.role}: {message}") from None
        return self._content(completion)

    async def _send_retrying(
        self, body: dict[str, Any], key: str, transport: Transport
    ) -> dict[str, Any]:
        """The first attempt goes straight out; only a failure pays for tenacity's machinery
        (about half of this client's own time per request when built for every request)."""
        tokens = estimate_tokens(body["messages"], self.config.max_tokens)
        try:
            return await self._attempt(body, key, transport, tokens)
        except Exception as exc:
            if self.config.max_retries < 1 or not _worth_retrying(exc):
                raise
            self.usage.retries += 1
            await asyncio.sleep(self._backoff.first(exc))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries),
            wait=self._backoff.after_first,
            retry=retry_if_exception(_worth_retrying),
            before_sleep=self._count_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                completion = await self._attempt(body, key, transport, tokens)
        return completion

    async def _attempt(
        self, body: dict[str, Any], key: str, transport: Transport, tokens: int
    ) -> dict[str, Any]:
        if not transport.realtime:  # a batch queues: the limits that pace requests do not apply
            self.usage.requests += 1
            return await transport.complete(body, key)
        await self._rate.acquire(tokens)
        async with self._limit:
            self.usage.requests += 1
            return await transport.complete(body, key)

    def _count_retry(self, _state: Any) -> None:
        self.usage.retries += 1

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


def _worth_retrying(exc: BaseException) -> bool:
    """Transient faults, except a refused format (llama.cpp sends that as a 500)."""
    return is_retryable(exc) and not says_unsupported(exc)


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


def _retry_text(error: ValueError) -> dict[str, str]:
    return {
        "role": "user",
        "content": f"That reply could not be used ({error}). Reply again, in the format asked for.",
    }


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
