"""The stage store: one append-only JSONL journal per stage under `runs/<name>/`.

A line is written whole and flushed as soon as its record is finished, so a kill at any moment
loses at most the line being written; `Journal.open` drops such a torn tail. Rerunning reads the
journals' keys and skips what is done, which is what makes a killed run resumable.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from groupbuild.errors import FolderBusyError, writing
from groupbuild.schema import Draft, Reject, Seed
from groupbuild.stages import PIPELINE_STAGES
from groupbuild.tempdb import CHUNK, temporary_db

M = TypeVar("M", bound=BaseModel)


class Journal(Generic[M]):
    """Records of one model keyed by a field path, indexed by byte offset in a temporary file.

    The index (key -> offset of the first line with that key) lives in `tempdb`, so a journal
    of any size costs a bounded page cache, not a dict entry per record.
    """

    INDEX_CACHE_KB = 2048

    def __init__(self, path: Path, model: type[M], key: tuple[str, ...]) -> None:
        self.path, self.model, self.key = path, model, key
        self._index = temporary_db(
            "CREATE TABLE offsets(ident TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID;",
            cache_kb=self.INDEX_CACHE_KB,
        )
        self._size = 0
        self.repeated = 0
        """Lines whose key an earlier line already had: a sign two writers shared the file."""
        self._writer: BinaryIO | None = None
        opening = b"".join(rb'\{"' + re.escape(part).encode() + rb'":' for part in key)
        self._prefix = re.compile(opening + rb'"((?:[^"\\]|\\.)*)"')
        self._repair_and_index()

    def _ident_of_json(self, line: bytes) -> str:
        # Records are written by pydantic in field order, so the key sits at a known prefix;
        # reading it there avoids parsing whole lines when a large journal is reopened.
        match = self._prefix.match(line)
        if match:
            ident: str = json.loads(b'"' + match.group(1) + b'"')
            return ident
        node = json.loads(line)
        for part in self.key:
            node = node[part]
        return str(node)

    def _ident_of(self, record: M) -> str:
        node: object = record
        for part in self.key:
            node = getattr(node, part)
        return str(node)

    def _repair_and_index(self) -> None:
        if not self.path.exists():
            return
        good = 0
        chunk: list[tuple[str, int]] = []
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break
                try:
                    ident = self._ident_of_json(line)
                except (ValueError, KeyError, TypeError):
                    break
                chunk.append((ident, good))
                good += len(line)
                if len(chunk) == CHUNK:
                    self._index_all(chunk)
                    chunk = []
        self._index_all(chunk)
        if good != self.path.stat().st_size:
            with self.path.open("r+b") as fh:
                fh.truncate(good)

    def _index_all(self, entries: list[tuple[str, int]]) -> None:
        """Index lines read back from the file; a key seen before keeps its first offset."""
        before = self._index.total_changes
        self._index.executemany("INSERT OR IGNORE INTO offsets VALUES (?, ?)", entries)
        added = self._index.total_changes - before
        self._size += added
        self.repeated += len(entries) - added

    def _offset(self, ident: str) -> int | None:
        row = self._index.execute("SELECT offset FROM offsets WHERE ident = ?", (ident,)).fetchone()
        return None if row is None else int(row[0])

    def __contains__(self, ident: str) -> bool:
        return self._offset(ident) is not None

    def __len__(self) -> int:
        return self._size

    def get(self, ident: str) -> M | None:
        offset = self._offset(ident)
        if offset is None:
            return None
        with self.path.open("rb") as fh:
            fh.seek(offset)
            return self.model.model_validate_json(fh.readline())

    def append(self, record: M) -> None:
        """Append once per key; a second record under a known key is ignored (resume safety)."""
        self.append_json(self._ident_of(record), record.model_dump_json())

    def append_json(self, ident: str, text: str) -> None:
        """Append a record already serialized (by a worker process) under its key.

        Writes are unbuffered, so a failed write (a full disk) is cut back off the file at
        once instead of lingering in a buffer that a later flush would tear.
        """
        if ident in self:
            return
        with writing(self.path):
            if self._writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._writer = self.path.open("ab", buffering=0)
            offset = self._writer.seek(0, os.SEEK_END)
            try:
                _write_all(self._writer, (text + "\n").encode("utf-8"))
            except OSError:
                with contextlib.suppress(OSError):
                    self._writer.truncate(offset)
                raise
        self._index.execute("INSERT INTO offsets VALUES (?, ?)", (ident, offset))
        self._size += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def index(self) -> Iterator[tuple[str, int]]:
        """Every key with the offset of its record, in no particular order."""
        cursor = self._index.execute("SELECT ident, offset FROM offsets")
        while batch := cursor.fetchmany(CHUNK):
            yield from batch

    def __iter__(self) -> Iterator[M]:
        """Stream records in file order; memory stays flat whatever the journal's size."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for line in fh:
                yield self.model.model_validate_json(line)

    def retain(self, keep: Callable[[M], bool]) -> None:
        """Keep only the records `keep` accepts: streamed to a new file that replaces this one."""
        self.close()
        if not self.path.exists():
            return
        partial = self.path.with_name(self.path.name + ".partial")
        with writing(self.path), self.path.open("rb") as lines, partial.open("wb") as out:
            for line in lines:
                if keep(self.model.model_validate_json(line)):
                    out.write(line)
        os.replace(partial, self.path)
        self._index.execute("DELETE FROM offsets")
        self._size = self.repeated = 0
        self._repair_and_index()

    def reset(self) -> None:
        self.close()
        self._index.execute("DELETE FROM offsets")
        self._size = 0
        self.repeated = 0
        self.path.unlink(missing_ok=True)


class Store:
    """Everything one run keeps on disk. The runner is its only writer."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.seeds: Journal[Seed] = Journal(run_dir / "seeds.jsonl", Seed, ("problem_id",))
        self.rejects: Journal[Reject] = Journal(run_dir / "rejects.jsonl", Reject, ("id",))
        self.stages: dict[str, Journal[Draft]] = {
            name: Journal(run_dir / f"{name}.jsonl", Draft, ("seed", "problem_id"))
            for name in PIPELINE_STAGES
        }

    @property
    def seeds_done_marker(self) -> Path:
        return self.dir / "seeds.done"

    def seeds_complete(self) -> bool:
        return self.seeds_done_marker.exists()

    def mark_seeds_complete(self, counts: dict[str, int]) -> None:
        write_json_atomic(self.seeds_done_marker, counts)

    def reset_seeds(self) -> None:
        """Start the seeds stage over; later journals depend on it, so they go too."""
        self.seeds.reset()
        self.rejects.reset()
        for journal in self.stages.values():
            journal.reset()
        self.seeds_done_marker.unlink(missing_ok=True)

    def reset_from(self, stage: str) -> None:
        """Forget `stage` and everything after it (its inputs changed); keep earlier work."""
        if stage == "seeds":
            self.reset_seeds()
            return
        later = PIPELINE_STAGES[PIPELINE_STAGES.index(stage) :]
        for name in later:
            self.stages[name].reset()
        self.rejects.retain(lambda r: r.stage not in later)

    @property
    def fingerprints_path(self) -> Path:
        return self.dir / "fingerprints.json"

    def fingerprints(self) -> dict[str, str]:
        if not self.fingerprints_path.exists():
            return {}
        found: dict[str, str] = json.loads(self.fingerprints_path.read_text(encoding="utf-8"))
        return found

    @property
    def pending_path(self) -> Path:
        return self.dir / "pending.json"

    def pending(self) -> dict[str, dict[str, str]]:
        """The last deferral of each problem (stage, reason, detail); an entry of a problem
        that has since ended is stale, and readers count only problems still pending."""
        if not self.pending_path.exists():
            return {}
        found: dict[str, dict[str, str]] = json.loads(self.pending_path.read_text("utf-8"))
        return found

    def write_pending(self, deferred: dict[str, dict[str, str]]) -> None:
        if deferred or self.pending_path.exists():
            write_json_atomic(self.pending_path, {**self.pending(), **deferred})

    def close(self) -> None:
        self.seeds.close()
        self.rejects.close()
        for journal in self.stages.values():
            journal.close()

    def latest(self, problem_id: str, upto: str) -> tuple[str | None, Draft | None]:
        """The furthest stage (up to and including `upto`) that finished this problem."""
        names = PIPELINE_STAGES[: PIPELINE_STAGES.index(upto) + 1]
        for name in reversed(names):
            draft = self.stages[name].get(problem_id)
            if draft is not None:
                return name, draft
        return None, None


def _write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[handle.write(view) or 0 :]


def write_json_atomic(path: Path, value: object) -> None:
    """Write JSON through a temp file and rename, so readers never see half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    text = json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise


class FolderLock:
    """An exclusive `flock` on a lock file, held while one process works on a folder.

    The kernel drops the lock when its holder exits, even by SIGKILL, so a killed run never
    blocks the rerun. The holder's pid is written into the file for the error others get.
    """

    _held: ClassVar[set[int]] = set()

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        with writing(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            by = f"another groupbuild process (pid {holder})" if holder else "another process"
            raise FolderBusyError(f"{self.what} is in use by {by}; wait for it to end") from None
        with contextlib.suppress(OSError):  # the pid only informs; a full disk must not stop us
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        FolderLock._held.add(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            FolderLock._held.discard(self._fd)
            os.close(self._fd)
            self._fd = None

    @classmethod
    def forget_inherited(cls) -> None:
        """In a forked worker: close the copies of the parent's lock files.

        A lock lives as long as any copy of its descriptor, so a worker outliving a killed
        parent would otherwise keep the folder locked. Closing (never unlocking) a copy leaves
        the parent's lock in place.
        """
        for fd in cls._held:
            with contextlib.suppress(OSError):
                os.close(fd)
        cls._held.clear()


def run_lock(run_dir: Path) -> FolderLock:
    """The lock that keeps a second run off a run folder for the whole run."""
    return FolderLock(run_dir / "run.lock", f"run folder {run_dir}")


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None
