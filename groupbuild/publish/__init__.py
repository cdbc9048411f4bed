"""Publish: shards, the TraceLift export, code oracles, the dataset card and the summary.

Reads the validate journal twice: once for ids (cheap), once in split order to write rows, so
memory holds one row group per writer and an id index, whatever the dataset's size.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from groupbuild.config import Config
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
from groupbuild.schema import Domain, Draft
from groupbuild.store import Journal, Store, write_json_atomic

__all__ = ["publish"]

SPLITS = ("train", "dev")
GENERATED = ("data", "tracelift", "README.md", "summary.json", "rejects.jsonl", "manifest.json")


def publish(config: Config, store: Store, *, base_dir: Path) -> dict[str, Any]:
    out = Path(config.publish.out_dir)
    out = out if out.is_absolute() else base_dir / out
    _clear(out)
    journal = store.stages["validate"]
    by_domain = _ids_by_domain(journal.path)
    writers = _Writers(out, config)
    seeds_in = len(store.seeds) + sum(1 for r in store.rejects if r.stage == "seeds")
    summary = SummaryBuilder(seeds_in, config.publish.split_seed, config.publish.dev_ratio)
    rejects_out = (out / "rejects.jsonl").open("w", encoding="utf-8")
    drafts = journal.path.open("rb") if journal.path.exists() else nullcontext()
    with rejects_out, drafts as fh:
        # Pipeline rejects are journaled in completion order; publish them in a fixed one.
        for reject in sorted(store.rejects, key=lambda r: (r.stage != "seeds", r.id)):
            summary.add_seed_reject(reject)
            rejects_out.write(reject.model_dump_json() + "\n")
        for domain in Domain:
            offsets = by_domain.get(domain, {})
            order = assign_splits(offsets, config.publish.split_seed, config.publish.dev_ratio)
            for pid, split in order:
                assert fh is not None, "offsets come from the journal, so it exists"
                fh.seek(offsets[pid])
                draft = Draft.model_validate_json(fh.readline())
                group = export_group(draft, split)
                writers.write_group(domain, split, draft, group)
                summary.add_group(draft, group, split)
                for drop in draft.dropped:
                    rejects_out.write(drop.model_dump_json() + "\n")
    files = writers.close()
    pending = len(store.seeds) - len(journal) - sum(1 for r in store.rejects if r.stage != "seeds")
    result = summary.build(pending=pending)
    result["files"] = files
    if config.publish.audit and result["groups_published"]:
        from groupbuild.report.audit import audit

        found = audit(out)
        result["audit"] = {"targets": found["targets"], "checks": found["checks"]}
    write_json_atomic(out / "summary.json", result)
    write_card(out, config, result, writers.schemas, provenance(config, base_dir))
    return result


def _clear(out: Path) -> None:
    """Remove what an earlier publish wrote, so no stale shard survives a re-publish."""
    for name in GENERATED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _ids_by_domain(path: Path) -> dict[Domain, dict[str, int]]:
    found: dict[Domain, dict[str, int]] = defaultdict(dict)
    if not path.exists():
        return found
    index = Journal(path, Draft, ("seed", "problem_id")).offsets()
    with path.open("rb") as fh:
        for problem_id, offset in index.items():
            fh.seek(offset)
            head = fh.read(4096)  # the seed comes first in a draft, its domain early in it
            match = _DOMAIN.search(head)
            domain = (
                match.group(1).decode()
                if match
                else json.loads(_line_at(fh, offset))["seed"]["domain"]
            )
            found[Domain(domain)][problem_id] = offset
    return found


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
