"""The runner: the one place that does I/O, resume, concurrency and progress.

Stages are pure; the runner feeds them drafts from the store, journals what they return the
moment each record finishes, and logs every reject. A problem flows through all requested
stages as soon as it is ready, so an LLM stage never waits for a whole previous stage.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from groupbuild.backends import Backends, build_backends
from groupbuild.config import Config
from groupbuild.errors import StageReject
from groupbuild.hashing import digest
from groupbuild.schema import Draft, Reject, Seed
from groupbuild.stages import STAGES, StageContext
from groupbuild.store import PIPELINE_STAGES, Store, write_json_atomic

ALL_STAGES = ("seeds", *PIPELINE_STAGES, "publish")


@dataclass
class RunStats:
    timings: Counter[str] = field(default_factory=Counter)
    processed: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    internal_errors: int = 0


def run(
    config: Config, *, stages: Sequence[str] | None = None, base_dir: Path | None = None
) -> dict[str, Any]:
    """Run the requested stages (all by default) and return the run summary."""
    wanted = list(stages or ALL_STAGES)
    unknown = [s for s in wanted if s not in ALL_STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; valid: {list(ALL_STAGES)}")
    base = base_dir or Path.cwd()
    store = Store(_resolve(base, config.run_dir))
    _forget_stale(config, store, base)
    stats = RunStats()
    started = time.perf_counter()
    if "seeds" in wanted:
        _run_seeds(config, store, base, stats)
    elif not store.seeds_complete():
        raise StageReject("seeds_missing", f"run the seeds stage first ({store.dir})")
    pipeline = [s for s in PIPELINE_STAGES if s in wanted]
    usage: dict[str, Any] = {}
    if pipeline:
        usage = asyncio.run(_run_pipeline(config, store, pipeline, stats))
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
    """What each stage's output depends on; a change invalidates that stage and all after it."""
    roles = config.roles
    sources = [
        {**s.model_dump(), "stat": _stat(_resolve(base, s.path))} for s in config.seeds.sources
    ]
    return {
        "seeds": digest([config.seeds.model_dump(), sources]),
        "reference": digest([roles.planner.model_dump(), roles.executor.model_dump()]),
        "perturb": digest([config.perturb.model_dump(), roles.perturber.model_dump()]),
        "annotate": digest(
            [roles.judge.model_dump(), roles.executor.model_dump(), config.uplift.model_dump()]
        ),
        "validate": digest(config.validate_.model_dump()),
    }


def _stat(path: Path) -> list[tuple[str, int, int]]:
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file()]


def _forget_stale(config: Config, store: Store, base: Path) -> None:
    current, recorded = stage_fingerprints(config, base), store.fingerprints()
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


async def _run_pipeline(
    config: Config, store: Store, pipeline: list[str], stats: RunStats
) -> dict[str, Any]:
    backends = build_backends(config, store.dir / "cache")
    try:
        await _feed(config, store, backends, pipeline, stats)
    finally:
        await backends.aclose()
    return backends.usage()


async def _feed(
    config: Config, store: Store, backends: Backends, pipeline: list[str], stats: RunStats
) -> None:
    total = len(store.seeds)
    bars = {
        name: _bar(config, name, total, len(store.stages[name]) + _rejected_at(store, name))
        for name in pipeline
    }
    last = pipeline[-1]
    limit = asyncio.Semaphore(max(1, config.runner.concurrency))
    tasks: set[asyncio.Task[None]] = set()
    for seed in store.seeds:
        if seed.problem_id in store.rejects or seed.problem_id in store.stages[last]:
            continue
        await limit.acquire()
        task = asyncio.create_task(_advance(seed, store, backends.context, pipeline, stats, bars))
        tasks.add(task)
        task.add_done_callback(lambda t: (tasks.discard(t), limit.release()))
    if tasks:
        await asyncio.gather(*tasks)
    for bar in bars.values():
        if bar is not None:
            bar.close()


def _rejected_at(store: Store, stage: str) -> int:
    return (
        0 if not store.rejects.path.exists() else sum(1 for r in store.rejects if r.stage == stage)
    )


async def _advance(
    seed: Seed,
    store: Store,
    ctx: StageContext,
    pipeline: list[str],
    stats: RunStats,
    bars: dict[str, Any],
) -> None:
    """Take one problem through the requested stages it has not finished yet."""
    done_name, draft = store.latest(seed.problem_id, pipeline[-1])
    done = PIPELINE_STAGES.index(done_name) if done_name else -1
    draft = draft or Draft(seed=seed)
    for name in pipeline:
        index = PIPELINE_STAGES.index(name)
        if index <= done:
            continue
        if index != done + 1:
            return  # this stage's input is not there yet (a stage run alone, out of order)
        t0 = time.perf_counter()
        try:
            draft = await STAGES[name](draft, ctx)
        except StageReject as exc:
            _reject(store, stats, name, seed, exc.reason, exc.detail)
            _tick(bars, name)
            return
        except Exception as exc:  # a bug must not end a long run; it is logged as a reject
            stats.internal_errors += 1
            detail = "".join(traceback.format_exception_only(exc)).strip()
            _reject(store, stats, name, seed, f"internal_error:{type(exc).__name__}", detail)
            _tick(bars, name)
            return
        finally:
            stats.timings[name] += time.perf_counter() - t0
        store.stages[name].append(draft)
        stats.processed[name] += 1
        done = index
        _tick(bars, name)


def _reject(
    store: Store, stats: RunStats, stage: str, seed: Seed, reason: str, detail: str
) -> None:
    store.rejects.append(
        Reject(
            stage=stage,
            id=seed.problem_id,
            reason=reason,
            detail=detail,
            problem_id=seed.problem_id,
            level="seed",
        )
    )
    stats.rejected[stage] += 1


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


def _git_commit(base: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=base, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    try:
        return version("groupbuild")
    except PackageNotFoundError:
        return "0+unknown"


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
        "git_commit": _git_commit(base),
        "python": sys.version.split()[0],
        "config": config.resolved(),
        "counts": {
            "seeds": len(store.seeds),
            "rejects": len(store.rejects),
            **{f"{name}_done": len(j) for name, j in store.stages.items()},
            "processed_this_run": dict(stats.processed),
            "rejected_this_run": dict(stats.rejected),
            "internal_errors_this_run": stats.internal_errors,
        },
        "timings_seconds": {k: round(v, 3) for k, v in stats.timings.items()},
        "llm_usage": usage,
        "summary": summary.get("totals", {}),
    }
    write_json_atomic(store.dir / "manifest.json", manifest)
