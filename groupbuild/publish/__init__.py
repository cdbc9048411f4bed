"""Publish: shards, the TraceLift export, code oracles, the dataset card and the summary.

Reads the validate journal twice: once for ids and domains, once in split order (sorted on disk)
to write rows, so memory holds one row group per writer whatever the dataset's size.

The dataset is built in a hidden sibling folder and swapped in whole, so a reader of `out_dir`
sees the old complete dataset or the new one, never a mix, and a publish that fails or is
killed leaves the old one in place. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`, so
`out_dir` stays a plain folder that is never missing (what `load_dataset`, the report and the
Hub push read); elsewhere the old folder is renamed aside first, a window in which `out_dir`
is briefly absent but never partial.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import json
import os
import re
import secrets
import shutil
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from groupbuild.config import Config
from groupbuild.errors import GroupbuildError, writing
from groupbuild.provenance import provenance
from groupbuild.publish.arrow import arrow_schema
from groupbuild.publish.card import write_card
from groupbuild.publish.records import (
    PairRow,
    StepRow,
    export_group,
    group_model,
    pair_rows,
    step_rows,
    tracelift_json,
)
from groupbuild.publish.shards import ShardWriter
from groupbuild.publish.split import assign_splits
from groupbuild.publish.summary import SummaryBuilder
from groupbuild.schema import Domain, Draft, Reject
from groupbuild.store import FolderLock, Store, write_json_atomic
from groupbuild.tempdb import sorted_on_disk

__all__ = ["publish"]

SPLITS = ("train", "dev")
GENERATED = ("data", "tracelift", "README.md", "summary.json", "rejects.jsonl", "manifest.json")
"""What a publish writes; anything else found in `out_dir` is carried over to the new folder."""


def publish(config: Config, store: Store, *, base_dir: Path) -> dict[str, Any]:
    """Write the dataset to `publish.out_dir`, replacing an earlier one in one step."""
    out = Path(config.publish.out_dir)
    out = out if out.is_absolute() else base_dir / out
    if out.is_symlink():
        out = out.resolve()  # swap the folder it points to, on its own file system
    _check_out_dir(out, store.dir, base_dir)
    with writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
    with FolderLock(out.parent / f".{out.name}.lock", f"output folder {out}"):
        _remove_stale(out)
        staging = out.with_name(f"{_staging_prefix(out)}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            with writing(out):
                staging.mkdir()
                result = _write_dataset(config, store, staging, base_dir)
                _carry_over(out, staging)
                _swap_in(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return result


def _write_dataset(config: Config, store: Store, out: Path, base_dir: Path) -> dict[str, Any]:
    journal = store.stages["validate"]
    writers = _Writers(out, config)
    repeated = {"seeds.jsonl": store.seeds.repeated, "validate.jsonl": journal.repeated}
    summary = SummaryBuilder(config.publish.split_seed, config.publish.dev_ratio, repeated=repeated)
    summary.see(pid for pid, _ in store.seeds.index())
    rejects_out = (out / "rejects.jsonl").open("w", encoding="utf-8")
    drafts = journal.path.open("rb") if journal.path.exists() else nullcontext()
    with writers.aborting(), rejects_out, drafts as fh:
        for reject in _rejects_in_order(store):
            if reject.stage == "seeds":
                summary.see([reject.id])
            summary.add_seed_reject(reject)
            rejects_out.write(reject.model_dump_json() + "\n")
        for domain in Domain:
            if fh is None:
                break
            entries = ((pid, at) for pid, at in journal.index() if _domain_at(fh, at) is domain)
            order = assign_splits(entries, config.publish.split_seed, config.publish.dev_ratio)
            last = None
            for _, offset, split in order:
                if last == "dev" != split:
                    writers.end_split("dev")  # the domain's dev rows are all written
                last = split
                fh.seek(offset)
                draft = Draft.model_validate_json(fh.readline())
                group = export_group(draft, split)
                writers.write_group(domain, split, draft, group)
                summary.add_group(draft, group, split)
                for drop in draft.dropped:
                    rejects_out.write(drop.model_dump_json() + "\n")
        files = writers.close()
    result = summary.build(store.pending())
    result["files"] = files
    if config.publish.audit and result["groups_published"]:
        from groupbuild.report.audit import audit

        found = audit(out, thresholds=config.publish.audit_thresholds)
        result["audit"] = {"targets": found["targets"], "checks": found["checks"]}
    write_json_atomic(out / "summary.json", result)
    write_card(out, config, result, writers.schemas, provenance(config, base_dir))
    return result


def _check_out_dir(out: Path, run_dir: Path, base_dir: Path) -> None:
    """The output folder is replaced whole, so it must not hold the run or working folder."""
    target = out.resolve()
    for inner, what in ((run_dir, "the run folder"), (base_dir, "the working folder")):
        resolved = inner.resolve()
        if target == resolved or target in resolved.parents:
            raise GroupbuildError(
                f"publish.out_dir {out} holds {what} {inner}: it is replaced whole on "
                "every publish, so give the dataset a folder of its own"
            )
    if out.exists() and not out.is_dir():
        raise GroupbuildError(f"publish.out_dir {out} is a file, not a folder")


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.publishing-"


def _remove_stale(out: Path) -> None:
    """Delete what a killed publish left beside `out` (the caller holds the output lock)."""
    for stale in out.parent.glob(glob.escape(_staging_prefix(out)) + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def _carry_over(old: Path, new: Path) -> None:
    """Hard-link (or copy) into `new` what `old` holds that publish does not write."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        target = new / entry.name
        if entry.name in GENERATED or target.exists():
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the folder at `out` in one step, then delete the old dataset."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)
        return
    aside = staging.with_name(staging.name + "-old")
    os.rename(out, aside)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(aside, out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux `renameat2`; False where that is unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _rejects_in_order(store: Store) -> Iterator[Reject]:
    """The journaled rejects, seeds stage first, then by id (they are journaled in completion
    order); sorted on disk."""
    rows = ((r.stage != "seeds", r.id, r.model_dump_json()) for r in store.rejects)
    for _, _, text in sorted_on_disk(rows, 3):
        yield Reject.model_validate_json(text)


def _domain_at(fh: IO[bytes], offset: int) -> Domain:
    """The domain of the draft at `offset`, read from its head (the seed comes first)."""
    fh.seek(offset)
    match = _DOMAIN.search(fh.read(4096))
    if match:
        return Domain(match.group(1).decode())
    return Domain(json.loads(_line_at(fh, offset))["seed"]["domain"])


_DOMAIN = re.compile(rb'"domain":"(math|code)"')


def _line_at(fh: IO[bytes], offset: int) -> bytes:
    fh.seek(offset)
    return fh.readline()


class _Writers:
    """All outputs of one publish, opened lazily so an empty split writes no file."""

    def __init__(self, out: Path, config: Config) -> None:
        self.out, self.config = out, config
        self.shards: dict[tuple[str, str], ShardWriter] = {}
        self.jsonl: dict[tuple[str, str], IO[str]] = {}
        self.oracles: IO[str] | None = None
        self.schemas = {
            **{d.value: arrow_schema(group_model(d)) for d in Domain},
            "pairs": arrow_schema(PairRow, overrides={"margin": pa.float32()}),
            "steps": arrow_schema(StepRow),
        }

    def _shard(self, config_name: str, split: str) -> ShardWriter:
        key = (config_name, split)
        if key not in self.shards:
            self.shards[key] = ShardWriter(
                self.out / "data" / config_name,
                split,
                self.schemas[config_name],
                max_shard_bytes=self.config.publish.max_shard_bytes,
                row_group_bytes=self.config.publish.row_group_bytes,
            )
        return self.shards[key]

    def _jsonl(self, domain: str, split: str) -> IO[str]:
        key = (domain, split)
        if key not in self.jsonl:
            path = self.out / "tracelift" / domain / f"{split}_groups.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.jsonl[key] = path.open("w", encoding="utf-8")
        return self.jsonl[key]

    def write_group(self, domain: Domain, split: str, draft: Draft, group: Any) -> None:
        line = tracelift_json(group)
        self._jsonl(domain.value, split).write(line + "\n")
        self._shard(domain.value, split).write(group.model_dump(mode="json"))
        for pair in pair_rows(group):
            self._shard("pairs", split).write(pair.model_dump(mode="json"))
        for step in step_rows(group):
            self._shard("steps", split).write(step.model_dump(mode="json"))
        if domain is Domain.CODE and draft.oracle:
            if self.oracles is None:
                path = self.out / "tracelift" / "code" / "code_test_oracles.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                self.oracles = path.open("w", encoding="utf-8")
            self.oracles.write(json.dumps(draft.oracle["record"], ensure_ascii=False) + "\n")

    def end_split(self, split: str) -> None:
        """No more rows of `split` in this domain: write its buffered rows out now."""
        for (_, name), writer in self.shards.items():
            if name == split:
                writer.end_row_group()

    @contextmanager
    def aborting(self) -> Iterator[None]:
        """On a failure inside, drop the open shards quietly: the staging folder is deleted,
        and a shard closed later by the garbage collector would fail again, loudly."""
        try:
            yield
        except BaseException:
            for writer in self.shards.values():
                writer.abort()
            raise

    def close(self) -> dict[str, dict[str, Any]]:
        """Close everything; return, per config and split, the shard files and row counts."""
        files: dict[str, dict[str, Any]] = defaultdict(dict)
        for (name, split), writer in sorted(self.shards.items()):
            paths = writer.close()
            files[name][split] = {
                "rows": writer.rows,
                "files": [p.relative_to(self.out).as_posix() for p in paths],
            }
        for handle in self.jsonl.values():
            handle.close()
        if self.oracles is not None:
            self.oracles.close()
        return dict(files)
