"""The on-disk response cache: an append-only JSON Lines file, one reply per line.

Replies are appended as they arrive, so a run killed at any moment keeps every finished request;
a partial last line (the kill landed mid-write) is cut off on open and never trusted. Only
replies that parsed are stored: a failure is retried on the next run, never replayed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

CACHE_FILE = "responses.jsonl"


class ResponseCache:
    """`key -> reply` for LLM requests, shared by every role of a run."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / CACHE_FILE
        self._entries: dict[str, dict[str, Any]] = {}
        self._file: IO[str] | None = None
        self._load()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> dict[str, Any] | None:
        return self._entries.get(key)

    def put(self, key: str, reply: dict[str, Any]) -> None:
        """Store and append one reply; flushed at once so a kill cannot lose it.

        A key stored again (its old reply no longer parses) is appended; the last line wins.
        """
        if self._entries.get(key) == reply:
            return
        self._entries[key] = reply
        line = json.dumps({"key": key, **reply}, ensure_ascii=False, separators=(",", ":"))
        handle = self._open()
        handle.write(line + "\n")
        handle.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> IO[str]:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        return self._file

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(len(complete))
                os.fsync(handle.fileno())
        for raw in complete.decode("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                key = entry.pop("key")
                self._entries[key] = entry
