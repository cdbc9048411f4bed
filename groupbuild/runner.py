"""The runner: the one place that does I/O, resume, concurrency and progress.

Stages are pure; the runner feeds them drafts from the store, journals what they return the
moment each record finishes, and logs every reject. A problem flows through all requested
stages as soon as it is ready, so an LLM stage never waits for a whole previous stage.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groupbuild.backends import build_backends
from groupbuild.config import Config, SeedSource
from groupbuild.errors import (
    AccountingError,
    Deferred,
    GroupbuildError,
    StageReject,
    disk_full,
    writing,
)
from groupbuild.hashing import digest
from groupbuild.provenance import git_commit, package_version
from groupbuild.schema import Draft, Reject, Seed
from groupbuild.stages import ALL_STAGES, PIPELINE_STAGES, STAGES, StageContext
from groupbuild.store import FolderLock, Store, run_lock, write_json_atomic


@dataclass
class RunStats:
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    processed: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    internal_errors: int = 0
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    """Problems deferred this run: the stage and the error that kept them from finishing."""


def run(
    config: Config, *, stages: Sequence[str] | None = None, base_dir: Path | None = None
) -> dict[str, Any]:
    """Run the requested stages (all by default) and return the run summary.

    One run at a time per run folder: the lock is taken before the store is opened and held
    through publish, and a second run fails at once with `FolderBusyError`. A summary whose
    counts do not add up raises `AccountingError` once published, so it cannot pass unseen.
    """
    wanted = list(stages or ALL_STAGES)
    unknown = [s for s in wanted if s not in ALL_STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; valid: {list(ALL_STAGES)}")
    base = base_dir or Path.cwd()
    fingerprints = stage_fingerprints(config, base)  # also: every template exists, before work
    run_dir = _resolve(base, config.run_dir)
    with run_lock(run_dir):
        store = Store(run_dir)
        try:
            summary = _run_locked(config, store, wanted, base, fingerprints)
        finally:
            store.close()
    if summary and not summary["accounted"]:
        problems = "; ".join(summary["accounting_problems"])
        where = _resolve(base, config.publish.out_dir) / "summary.json"
        raise AccountingError(f"the seeds do not add up: {problems} (see {where})")
    return summary


def _run_locked(
    config: Config, store: Store, wanted: list[str], base: Path, fingerprints: dict[str, str]
) -> dict[str, Any]:
    _forget_stale(fingerprints, store)
    stats = RunStats()
    started = time.perf_counter()
    if "seeds" in wanted:
        _run_seeds(config, store, base, stats)
    elif not store.seeds_complete():
        raise StageReject("seeds_missing", f"run the seeds stage first ({store.dir})")
    pipeline = [s for s in PIPELINE_STAGES if s in wanted]
    usage: dict[str, Any] = {}
    if pipeline:
        try:
            usage = _run_engine(config, store, pipeline, stats, base)
        finally:
            store.write_pending(stats.pending)
    summary: dict[str, Any] = {}
    if "publish" in wanted:
        from groupbuild.publish import publish

        t0 = time.perf_counter()
        summary = publish(config, store, base_dir=base)
        stats.timings["publish"] += time.perf_counter() - t0
    stats.timings["total"] = time.perf_counter() - started
    _write_manifest(config, store, stats, usage, summary, base)
    return summary


def stage_fingerprints(config: Config, base: Path) -> dict[str, str]:
    """What each stage's output depends on; a change invalidates that stage and all after it.

    Beside the config sections a stage reads: the package version (the rules are code) and the
    content of every prompt and rubric file its LLM roles read.
    """
    from groupbuild.backends.llm.templates import stage_files

    roles = config.roles
    files = stage_files(config, base)
    version = package_version()
    sources = [{**s.model_dump(), "stat": _source_stat(s, base)} for s in config.seeds.sources]
    return {
        "seeds": digest([version, config.seeds.model_dump(), sources]),
        "reference": digest(
            [version, roles.planner.model_dump(), roles.executor.model_dump(), files["reference"]]
        ),
        "perturb": digest(
            [version, config.perturb.model_dump(), roles.perturber.model_dump(), files["perturb"]]
        ),
        "annotate": digest(
            [
                version,
                roles.judge.model_dump(),
                roles.executor.model_dump(),
                config.uplift.model_dump(),
                files["annotate"],
            ]
        ),
        "validate": digest([version, config.validate_.model_dump()]),
    }


def _source_stat(source: SeedSource, base: Path) -> list[tuple[str, int, int]]:
    if source.path is None:
        from groupbuild.resources import data_dir

        return _stat(data_dir("seeds"))
    return _stat(_resolve(base, source.path))


def _stat(path: Path) -> list[tuple[str, int, int]]:
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file()]


def _forget_stale(current: dict[str, str], store: Store) -> None:
    recorded = store.fingerprints()
    if recorded:
        for stage in ("seeds", *PIPELINE_STAGES):
            if recorded.get(stage) != current[stage]:
                store.reset_from(stage)
                break
    write_json_atomic(store.fingerprints_path, current)


def _resolve(base: Path, path: str | Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else base / path


def _run_seeds(config: Config, store: Store, base: Path, stats: RunStats) -> None:
    """Load, validate, dedup and decontaminate seeds; redone whole if a run died inside it."""
    if store.seeds_complete():
        return
    from groupbuild.seeds import load_seeds

    store.reset_seeds()
    t0 = time.perf_counter()
    counts: Counter[str] = Counter()
    for item in _iter_progress(load_seeds(config.seeds, base_dir=base), config, "seeds"):
        if isinstance(item, Seed):
            store.seeds.append(item)
            counts["seeds"] += 1
        else:
            store.rejects.append(item)
            counts["rejected"] += 1
    store.mark_seeds_complete(dict(counts))
    stats.timings["seeds"] += time.perf_counter() - t0
    stats.processed["seeds"] += counts["seeds"] + counts["rejected"]
    stats.rejected["seeds"] += counts["rejected"]


def _run_engine(
    config: Config, store: Store, pipeline: list[str], stats: RunStats, base: Path
) -> dict[str, Any]:
    """Run the pipeline stages on the configured engine; both journal through `_record`."""
    if config.runner.engine == "local":
        return asyncio.run(_run_pipeline(config, store, pipeline, stats, base))
    from groupbuild.engines.ray_engine import run_on_ray

    bars = _bars(config, store, pipeline)

    def record(problem_id: str, results: list[StepResult]) -> None:
        _record(store, stats, bars, problem_id, results)

    try:
        return run_on_ray(config, store, pipeline, base, advance, record)
    finally:
        for bar in bars.values():
            if bar is not None:
                bar.close()


async def _run_pipeline(
    config: Config, store: Store, pipeline: list[str], stats: RunStats, base: Path
) -> dict[str, Any]:
    backends = build_backends(config, store.dir / "cache", base)
    pool = _worker_pool(config) if backends.session is None else None
    try:
        await _feed(config, store, backends.context, pool, pipeline, stats)
    except BaseException:
        await _close(backends, pool, store, quietly=True)
        raise
    await _close(backends, pool, store)
    return backends.usage()


async def _close(
    backends: Any, pool: ProcessPoolExecutor | None, store: Store, *, quietly: bool = False
) -> None:
    """Stop the workers, clients and journals; `quietly` on the way out of a failure.

    Closing flushes the LLM cache, which fails again on a full disk: that second failure must
    not hide the first, which says what happened.
    """
    if pool is not None:
        pool.shutdown(cancel_futures=True)
    try:
        with writing(store.dir / "cache"):
            await backends.aclose()
    except Exception:
        if not quietly:
            raise
    finally:
        store.close()


def _worker_pool(config: Config) -> ProcessPoolExecutor | None:
    """Rule backends are CPU-bound, so problems spread over processes; LLM roles overlap I/O.

    Workers come from a fork server that has imported only this module, not forked from the
    driver: a fork would carry the driver's pages (the seeds stage's, the journals') into every
    worker, so each worker's memory would grow with the dataset.
    """
    workers = _workers(config)
    if workers <= 1:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(config.model_dump_json(by_alias=True),),
    )


def _workers(config: Config) -> int:
    return config.runner.workers or os.cpu_count() or 1


async def _feed(
    config: Config,
    store: Store,
    ctx: StageContext,
    pool: ProcessPoolExecutor | None,
    pipeline: list[str],
    stats: RunStats,
) -> None:
    total = len(store.seeds)
    bars = {
        name: _bar(config, name, total, len(store.stages[name]) + _rejected_at(store, name))
        for name in pipeline
    }
    last = pipeline[-1]
    loop = asyncio.get_running_loop()
    window = max(1, config.runner.concurrency)
    if pool is not None:
        window = max(window, 4 * _workers(config))  # keep every worker busy
    limit = asyncio.Semaphore(window)
    tasks: set[asyncio.Task[None]] = set()
    failed: list[BaseException] = []

    async def one(draft: Draft, done: int) -> None:
        if pool is None:
            results = await advance(draft, done, pipeline, ctx)
        else:
            payload = draft.model_dump_json()
            results = await loop.run_in_executor(pool, advance_in_worker, payload, done, pipeline)
        _record(store, stats, bars, draft.seed.problem_id, results)

    def finished(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        limit.release()
        error = None if task.cancelled() else task.exception()
        if error is not None:
            failed.append(error)

    for seed in store.seeds:
        if seed.problem_id in store.rejects or seed.problem_id in store.stages[last]:
            continue
        done_name, draft = store.latest(seed.problem_id, last)
        await limit.acquire()
        if failed:
            break  # the run stops (a wrong key, a full disk): start nothing new
        done = PIPELINE_STAGES.index(done_name) if done_name else -1
        task = asyncio.create_task(one(draft or Draft(seed=seed), done))
        tasks.add(task)
        task.add_done_callback(finished)
    try:
        if tasks and not failed:
            await asyncio.gather(*tasks)
    finally:
        await _stop(tasks)
    if failed:
        raise failed[0]
    for bar in bars.values():
        if bar is not None:
            bar.close()


async def _stop(tasks: set[asyncio.Task[None]]) -> None:
    """Cancel what is still running and wait for it, so no task's failure goes unretrieved."""
    left = list(tasks)
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)


def _bars(config: Config, store: Store, pipeline: list[str]) -> dict[str, Any]:
    """The progress bars of the stages in `pipeline`, counting what the store already holds."""
    total = len(store.seeds)
    return {
        name: _bar(config, name, total, len(store.stages[name]) + _rejected_at(store, name))
        for name in pipeline
    }


def _rejected_at(store: Store, stage: str) -> int:
    if not store.rejects.path.exists():
        return 0
    return sum(1 for r in store.rejects if r.stage == stage)


@dataclass(frozen=True)
class StepResult:
    """One stage's result for one problem: the draft to journal, or why it stopped there."""

    stage: str
    seconds: float
    draft_json: str | None = None
    reject: Reject | None = None
    internal_error: bool = False
    deferred: Deferred | None = None


async def advance(
    draft: Draft, done: int, pipeline: Sequence[str], ctx: StageContext
) -> list[StepResult]:
    """Take one problem through the requested stages after `done`; pure apart from the roles."""
    results: list[StepResult] = []
    seed = draft.seed
    for name in pipeline:
        index = PIPELINE_STAGES.index(name)
        if index <= done:
            continue
        if index != done + 1:
            break  # this stage's input is not there yet (a stage run alone, out of order)
        t0 = time.perf_counter()
        try:
            draft = await STAGES[name](draft, ctx)
        except StageReject as exc:
            reject = _seed_reject(name, seed, exc.reason, exc.detail)
            results.append(StepResult(name, time.perf_counter() - t0, reject=reject))
            break
        except Deferred as exc:  # an outage, not a verdict: the problem stays pending
            results.append(StepResult(name, time.perf_counter() - t0, deferred=exc))
            break
        except GroupbuildError:
            raise  # a wrong key or endpoint concerns every record: stop the run and say why
        except Exception as exc:  # a bug must not end a long run; it is logged as a reject
            full = disk_full(exc, ctx.config.run_dir) if isinstance(exc, OSError) else None
            if full is not None:
                raise full from None  # a full disk is no fault of this record: stop the run
            detail = "".join(traceback.format_exception_only(exc)).strip()
            reason = f"internal_error:{type(exc).__name__}"
            reject = _seed_reject(name, seed, reason, detail)
            results.append(
                StepResult(name, time.perf_counter() - t0, reject=reject, internal_error=True)
            )
            break
        keep = name == pipeline[-1] or ctx.config.runner.journal_every_stage
        text = draft.model_dump_json() if keep else None
        results.append(StepResult(name, time.perf_counter() - t0, text))
        done = index
    return results


_WORKER_CONTEXT: StageContext | None = None


def init_worker(config_json: str) -> None:
    """Build the rule roles once per worker process."""
    global _WORKER_CONTEXT
    FolderLock.forget_inherited()
    config = Config.model_validate_json(config_json)
    _WORKER_CONTEXT = build_backends(config, Path(os.devnull)).context


def advance_in_worker(draft_json: str, done: int, pipeline: list[str]) -> list[StepResult]:
    assert _WORKER_CONTEXT is not None, "init_worker did not run"
    draft = Draft.model_validate_json(draft_json)
    return asyncio.run(advance(draft, done, pipeline, _WORKER_CONTEXT))


def _record(
    store: Store, stats: RunStats, bars: dict[str, Any], problem_id: str, results: list[StepResult]
) -> None:
    for result in results:
        stats.timings[result.stage] += result.seconds
        if result.deferred is not None:
            stats.pending[problem_id] = {
                "stage": result.stage,
                "reason": result.deferred.reason,
                "detail": result.deferred.detail,
            }
            continue
        if result.reject is not None:
            store.rejects.append(result.reject)
            stats.rejected[result.stage] += 1
            stats.internal_errors += result.internal_error
        else:
            if result.draft_json is not None:
                store.stages[result.stage].append_json(problem_id, result.draft_json)
            stats.processed[result.stage] += 1
        _tick(bars, result.stage)


def _seed_reject(stage: str, seed: Seed, reason: str, detail: str) -> Reject:
    return Reject(
        stage=stage,
        id=seed.problem_id,
        reason=reason,
        detail=detail,
        problem_id=seed.problem_id,
        level="seed",
    )


def _tick(bars: dict[str, Any], name: str) -> None:
    bar = bars.get(name)
    if bar is not None:
        bar.update(1)


def _bar(config: Config, name: str, total: int, initial: int) -> Any:
    if not config.runner.progress:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=f"{name:>9}",
        unit="problem",
        leave=True,
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _iter_progress(items: Any, config: Config, name: str) -> Any:
    if not config.runner.progress:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=f"{name:>9}", unit="record", file=sys.stderr, dynamic_ncols=True)


def _write_manifest(
    config: Config,
    store: Store,
    stats: RunStats,
    usage: dict[str, Any],
    summary: dict[str, Any],
    base: Path,
) -> None:
    manifest = {
        "package_version": package_version(),
        "git_commit": git_commit(base),
        "python": sys.version.split()[0],
        "config": config.resolved(),
        "counts": {
            "seeds": len(store.seeds),
            "rejects": len(store.rejects),
            **{f"{name}_done": len(j) for name, j in store.stages.items()},
            "processed_this_run": dict(stats.processed),
            "rejected_this_run": dict(stats.rejected),
            "internal_errors_this_run": stats.internal_errors,
            "pending_this_run": len(stats.pending),
        },
        "timings_seconds": {k: round(v, 3) for k, v in stats.timings.items()},
        "llm_usage": usage,
        "summary": summary.get("totals", {}),
    }
    write_json_atomic(store.dir / "manifest.json", manifest)
