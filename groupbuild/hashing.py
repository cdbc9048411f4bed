"""Content-addressed ids and keys: one canonical JSON, one hash, a version tag per use."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal values hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any, *, length: int = 16) -> str:
    """A short hex digest of any JSON-able value (or of a str as given)."""
    text = value if isinstance(value, str) else canonical_json(value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def problem_id(source: str, source_id: str | int) -> str:
    return f"{source}:{source_id}"


def candidate_id(problem_id: str, kind: str | None, index: int, text: str) -> str:
    return "c1:" + digest([problem_id, kind or "reference", index, text])


def cache_key(payload: dict[str, Any]) -> str:
    """LLM cache key over endpoint, model, messages, params and schema; no transport knobs."""
    return "v1:" + digest(payload, length=64)


def split_rank(seed: int, problem_id: str) -> int:
    """The contract's split order: `int(sha256(f"{seed}\\0{problem_id}"))`."""
    return int.from_bytes(split_key(seed, problem_id), "big")


def split_key(seed: int, problem_id: str) -> bytes:
    """`split_rank` as its 32 big-endian bytes, which sort as the numbers do."""
    return hashlib.sha256(f"{seed}\0{problem_id}".encode()).digest()
