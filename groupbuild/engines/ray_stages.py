"""What Ray workers run: one pipeline stage over a batch of problems, by the local engine's step.

A batch is an Arrow table with one row per problem: `id`, `done` (the index of the last stage
it finished), `draft` (its draft as JSON; empty once it stopped) and `results` (the pickled
step results so far, which the driver journals as the local engine does). Each stage calls the
runner's `advance` for that one stage, so the stage functions, their rejects and their errors
are the local engine's own. Nothing here imports Ray: the functions are plain Python that Ray
ships to its workers.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from groupbuild.backends import Backends, build_backends
from groupbuild.config import Config
from groupbuild.schema import Draft
from groupbuild.stages import PIPELINE_STAGES, StageContext
from groupbuild.store import write_json_atomic

Step = Callable[[Draft, int, Sequence[str], StageContext], Awaitable[list[Any]]]
"""`runner.advance`: one problem through the named stages after `done`, as step results."""

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("done", pa.int8()),
        ("draft", pa.large_string()),
        ("results", pa.large_binary()),
    ]
)


@dataclass(frozen=True)
class StageSpec:
    """Consecutive stages of one run that a worker takes a problem through in one step."""

    stages: tuple[str, ...]
    config_json: str
    base: str
    journaled: frozenset[str]
    """Stages whose draft the driver journals: the last stage requested, or every stage."""
    step: Step


def parse_work(batch: pa.Table) -> pa.Table:
    """Work-list lines `done<TAB>draft-json` into rows (the driver wrote them from the store)."""
    ids, done, drafts = [], [], []
    for line in batch.column("text").to_pylist():
        head, _, draft = line.partition("\t")
        done.append(int(head))
        drafts.append(draft)
        ids.append(Draft.model_validate_json(draft).seed.problem_id)
    empty = pickle.dumps([])
    return pa.table([ids, done, drafts, [empty] * len(ids)], schema=SCHEMA)


async def _advance_row(
    spec: StageSpec, ctx: StageContext, done: int, draft_json: str, blob: bytes
) -> tuple[int, str, bytes]:
    if not draft_json:
        return done, draft_json, blob  # stopped at an earlier stage
    found = await spec.step(Draft.model_validate_json(draft_json), done, spec.stages, ctx)
    if not found:
        return done, draft_json, blob  # this stage's input is not there (a stage run alone)
    results = pickle.loads(blob)
    outcome = found[-1]
    if outcome.draft_json is None:
        return done, "", pickle.dumps(results + found)  # rejected (or not finished): it stops
    kept = [r if r.stage in spec.journaled else replace(r, draft_json=None) for r in found]
    return PIPELINE_STAGES.index(outcome.stage), outcome.draft_json, pickle.dumps(results + kept)


def _rows(batch: pa.Table) -> list[tuple[int, str, bytes]]:
    columns = [batch.column(name).to_pylist() for name in ("done", "draft", "results")]
    return list(zip(*columns, strict=True))


def _table(batch: pa.Table, rows: list[tuple[int, str, bytes]]) -> pa.Table:
    done, drafts, results = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    return pa.table([batch.column("id"), done, drafts, results], schema=SCHEMA)


_RULES: dict[tuple[str, str], StageContext] = {}


def _rule_context(spec: StageSpec) -> StageContext:
    """The rule roles, built once per worker process and run (a worker serves many tasks)."""
    key = (spec.config_json, spec.base)
    ctx = _RULES.get(key)
    if ctx is None:
        config = Config.model_validate_json(spec.config_json)
        ctx = build_backends(config, Path(os.devnull), Path(spec.base)).context
        _RULES.clear()
        _RULES[key] = ctx
    return ctx


def rule_stage(batch: pa.Table, spec: StageSpec) -> pa.Table:
    """Rule stages in a Ray task: one problem after another through all of them, as a local
    worker runs them (a draft crosses no process between two rule stages).

    CPU-bound rules gain nothing from overlapping, and a code problem's sandboxed runs have
    time limits that a crowded core could make them miss.
    """
    ctx = _rule_context(spec)

    async def each() -> list[tuple[int, str, bytes]]:
        return [await _advance_row(spec, ctx, *row) for row in _rows(batch)]

    return _table(batch, asyncio.run(each()))


class LLMStage:
    """An LLM stage in an async Ray actor: the batch's problems overlap their requests.

    The actor keeps one LLM session for its life, over the run's shared reply files, and
    writes its usage after every batch for the driver to add up.
    """

    def __init__(self, spec: StageSpec, cache_dir: str, usage_dir: str) -> None:
        from groupbuild.backends.llm.reply_files import ReplyFiles

        self.spec = spec
        config = Config.model_validate_json(spec.config_json)
        self.backends: Backends = build_backends(
            config, Path(os.devnull), Path(spec.base), reply_cache=ReplyFiles(Path(cache_dir))
        )
        self.usage_path = (
            Path(usage_dir) / f"{'-'.join(spec.stages)}-{os.getpid()}-{secrets.token_hex(4)}"
        )

    async def __call__(self, batch: pa.Table) -> pa.Table:
        ctx = self.backends.context
        rows = await asyncio.gather(*(_advance_row(self.spec, ctx, *row) for row in _rows(batch)))
        write_json_atomic(self.usage_path.with_suffix(".json"), self.backends.usage())
        return _table(batch, list(rows))
