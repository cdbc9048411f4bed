"""A response cache that many processes share: one content-addressed file per key.

`ResponseCache` loads one JSON Lines file at start and appends to it, which suits one process.
Workers of a distributed run (Ray actors, on one machine or on a shared file system) each put
and get at any time: here a reply lives in `replies/<aa>/<sha256 of key>.json`, written to a
temporary name and renamed into place, so a reader sees no file or a whole one, two writers of
the same key leave one of their (equal) replies, and a worker sees what another stored a moment
ago. A reply is paid for once, whichever worker asked first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from groupbuild.backends.llm.cache import CACHE_FILE, ResponseCache

REPLIES_DIR = "replies"


class ReplyFiles(ResponseCache):
    """`key -> reply` in one file per key under `directory/replies/`; same API as the JSONL."""

    def __init__(self, directory: Path) -> None:  # the JSONL's loading is not wanted here
        self.root = Path(directory) / REPLIES_DIR
        self.path = self.root

    def _path_of(self, key: str) -> Path:
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / name[:2] / f"{name}.json"

    def __len__(self) -> int:
        if not self.root.is_dir():
            return 0
        return sum(
            1 for shard in self.root.iterdir() if shard.is_dir() for f in shard.glob("*.json")
        )

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._path_of(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.pop("key", None) != key:
            return None  # a hash collision or a foreign file: never serve it as this reply
        return entry

    def put(self, key: str, reply: dict[str, Any]) -> None:
        """Store one reply, replacing the key's old one (it no longer parses) in one rename."""
        if self.get(key) == reply:
            return
        path = self._path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        text = json.dumps({"key": key, **reply}, ensure_ascii=False, separators=(",", ":"))
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def close(self) -> None:
        """Nothing is held open: every put is complete on disk when it returns."""

    def import_jsonl(self, directory: Path) -> int:
        """Copy in the replies a one-process run cached in `directory`, so none is paid twice.

        Streams the file line by line; a torn or foreign line is skipped, the last line of a
        key wins (as in `ResponseCache`). Returns how many replies were new here.
        """
        source = Path(directory) / CACHE_FILE
        if not source.exists():
            return 0
        latest: dict[str, int] = {}
        with source.open("rb") as fh:
            offset = 0
            for line in fh:
                if line.endswith(b"\n"):
                    key = _key_of(line)
                    if key is not None:
                        latest[key] = offset
                offset += len(line)
        added = 0
        with source.open("rb") as fh:
            for key, at in latest.items():
                if self._path_of(key).exists():
                    continue
                fh.seek(at)
                entry = json.loads(fh.readline())
                entry.pop("key")
                self.put(key, entry)
                added += 1
        return added


def _key_of(line: bytes) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    key = entry.get("key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) else None
