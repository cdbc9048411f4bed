"""The reply store that many processes share: one file per key, whole or absent."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from groupbuild.backends.llm.cache import CACHE_FILE, ResponseCache
from groupbuild.backends.llm.reply_files import ReplyFiles


def _write_many(directory: str, worker: int, keys: int) -> None:
    cache = ReplyFiles(Path(directory))
    for i in range(keys):
        cache.put(f"v1:shared-{i}", {"content": f"reply {i}", "model": "m"})
        cache.put(f"v1:own-{worker}-{i}", {"content": "x" * 5000, "model": "m"})


def test_processes_writing_at_once_leave_every_reply_whole(tmp_path: Path) -> None:
    workers, keys = 4, 60
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_many, [str(tmp_path)] * workers, range(workers), [keys] * workers))
    cache = ReplyFiles(tmp_path)
    assert len(cache) == keys + workers * keys
    assert cache.get("v1:shared-7") == {"content": "reply 7", "model": "m"}
    assert cache.get(f"v1:own-{workers - 1}-{keys - 1}") == {"content": "x" * 5000, "model": "m"}
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_a_reply_one_process_stores_is_seen_by_another_at_once(tmp_path: Path) -> None:
    reader, writer = ReplyFiles(tmp_path), ReplyFiles(tmp_path)
    assert "v1:k" not in reader and reader.get("v1:k") is None
    writer.put("v1:k", {"content": "first", "model": "m"})
    assert "v1:k" in reader and reader.get("v1:k") == {"content": "first", "model": "m"}
    writer.put("v1:k", {"content": "second", "model": "m"})
    assert reader.get("v1:k") == {"content": "second", "model": "m"}
    assert len(reader) == 1


def test_a_torn_or_foreign_file_is_never_served(tmp_path: Path) -> None:
    cache = ReplyFiles(tmp_path)
    cache.put("v1:a", {"content": "a", "model": "m"})
    (path,) = (tmp_path / "replies").rglob("*.json")
    path.write_text('{"key": "v1:a", "content": "trunc')
    assert cache.get("v1:a") is None
    path.write_text(json.dumps({"key": "v1:other", "content": "b", "model": "m"}))
    assert cache.get("v1:a") is None


def test_replies_a_one_process_run_cached_are_imported_once(tmp_path: Path) -> None:
    jsonl = ResponseCache(tmp_path)
    jsonl.put("v1:a", {"content": "old", "model": "m"})
    jsonl.put("v1:a", {"content": "new", "model": "m"})
    jsonl.put("v1:b", {"content": "b", "model": "m"})
    jsonl.close()
    with (tmp_path / CACHE_FILE).open("a") as fh:
        fh.write('{"key": "v1:c", "content": "tor')
    cache = ReplyFiles(tmp_path)
    assert cache.import_jsonl(tmp_path) == 2
    assert cache.get("v1:a") == {"content": "new", "model": "m"}
    assert "v1:c" not in cache
    assert cache.import_jsonl(tmp_path) == 0
