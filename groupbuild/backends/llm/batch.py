"""The OpenAI Batch API as a transport: bodies gathered into a JSONL file, one batch per flush.

A request waits in the queue until `batch_size` bodies are there or `batch_window` seconds
have passed since the first; the file is uploaded, the batch created, and its id journaled
with the cache keys it holds *before* anything waits on it. A run killed at any point finds
its batches in the journal and polls them again instead of paying for a second batch.
Items that come back with an error are raised as `StatusError`, so the client's retry policy
decides (a retried item goes into a later batch).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groupbuild.backends.llm.transport import StatusError

if TYPE_CHECKING:
    import openai

JOURNAL = "batches.jsonl"
ENDPOINT = "/v1/chat/completions"
_ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass
class _Batch:
    """One submitted batch: its id and a future per cache key it holds."""

    batch_id: str
    keys: list[str]
    waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    poller: asyncio.Task[None] | None = None


class BatchTransport:
    realtime = False

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        journal_dir: Path,
        role: str,
        *,
        batch_size: int = 1000,
        window: float = 5.0,
        poll: float = 30.0,
    ) -> None:
        self._client, self.role = client, role
        self.journal = Path(journal_dir) / JOURNAL
        self.batch_size, self.window, self.poll = max(1, batch_size), window, poll
        self._queue: list[tuple[str, dict[str, Any], asyncio.Future[dict[str, Any]]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._open: dict[str, _Batch] = {}
        """Batches of earlier runs, by key: a key found here waits on its old batch once."""
        self._batches: list[_Batch] = []
        self.batches_created = 0
        self._load_journal()

    async def complete(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        old = self._open.pop(key, None)
        if old is not None:
            return await self._wait_on(old, key)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((key, body, future))
        if len(self._queue) >= self.batch_size:
            self._start_flush(now=True)
        elif self._flusher is None:
            self._start_flush(now=False)
        return await future

    async def aclose(self) -> None:
        tasks = [t for t in (self._flusher, *(b.poller for b in self._batches)) if t]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _wait_on(self, batch: _Batch, key: str) -> asyncio.Future[dict[str, Any]]:
        future = batch.waiting.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            batch.waiting[key] = future
        if batch.poller is None:
            batch.poller = asyncio.ensure_future(self._poll(batch))
        return future

    def _start_flush(self, *, now: bool) -> None:
        if now and self._flusher is not None:
            self._flusher.cancel()
        self._flusher = asyncio.ensure_future(self._flush(0.0 if now else self.window))

    async def _flush(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        taken, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
        self._flusher = None
        if self._queue:
            self._start_flush(now=len(self._queue) >= self.batch_size)
        if not taken:
            return
        try:
            batch = await self._submit(taken)
        except Exception as exc:
            for _, _, future in taken:
                if not future.done():
                    future.set_exception(exc)
            return
        for key, _, future in taken:
            batch.waiting[key] = future
        batch.poller = asyncio.ensure_future(self._poll(batch))

    async def _submit(
        self, items: list[tuple[str, dict[str, Any], asyncio.Future[dict[str, Any]]]]
    ) -> _Batch:
        lines = "".join(
            json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}) + "\n"
            for key, body, _ in items
        )
        upload = await self._client.files.create(
            file=(f"groupbuild-{self.role}.jsonl", lines.encode()), purpose="batch"
        )
        created = await self._client.batches.create(
            input_file_id=upload.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"role": self.role},
        )
        keys = [key for key, _, _ in items]
        self._journal({"batch": created.id, "role": self.role, "keys": keys})
        self.batches_created += 1
        batch = _Batch(created.id, keys)
        self._batches.append(batch)
        return batch

    async def _poll(self, batch: _Batch) -> None:
        try:
            while True:
                state = await self._client.batches.retrieve(batch.batch_id)
                if state.status in _ENDED:
                    break
                await asyncio.sleep(self.poll)
            results: dict[str, dict[str, Any]] = {}
            for file_id in (state.output_file_id, state.error_file_id):
                if file_id:
                    content = await self._client.files.content(file_id)
                    results.update(_result_lines(content.text))
            self._journal({"batch": batch.batch_id, "ended": state.status})
        except Exception as exc:
            for future in batch.waiting.values():
                if not future.done():
                    future.set_exception(exc)
            return
        for key, future in batch.waiting.items():
            if not future.done():
                _settle(future, results.get(key), state.status)

    def _journal(self, entry: dict[str, Any]) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()

    def _load_journal(self) -> None:
        ended = set()
        batches: list[_Batch] = []
        for entry in _journal_lines(self.journal):
            if "ended" in entry:
                ended.add(entry["batch"])
            elif entry.get("role") == self.role:
                batches.append(_Batch(entry["batch"], list(entry["keys"])))
        for batch in batches:
            if batch.batch_id not in ended:
                self._batches.append(batch)
                self._open.update(dict.fromkeys(batch.keys, batch))


def _journal_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            entry = json.loads(raw)
            if isinstance(entry, dict) and isinstance(entry.get("batch"), str):
                yield entry


def _result_lines(text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for raw in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            line = json.loads(raw)
            if isinstance(line, dict) and isinstance(line.get("custom_id"), str):
                yield line["custom_id"], line


def _settle(
    future: asyncio.Future[dict[str, Any]], line: dict[str, Any] | None, status: str
) -> None:
    """The completion of one item, or the error the retry policy judges."""
    if line is None:
        future.set_exception(StatusError(503, f"batch {status} without this item's result"))
        return
    response = line.get("response") or {}
    code = int(response.get("status_code") or 0)
    body = response.get("body")
    if code == 200 and isinstance(body, dict):
        future.set_result(body)
        return
    error = line.get("error") or (body.get("error") if isinstance(body, dict) else None) or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    future.set_exception(StatusError(code or 500, str(message or "batch item failed")))
