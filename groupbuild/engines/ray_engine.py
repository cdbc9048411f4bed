"""The `ray` engine: the pipeline stages on Ray Data, journaled into the run's own store.

The driver (the `groupbuild` process) writes the problems still to do as a work list, reads it
with Ray Data and chains `map_batches` over the runner's own step: each run of consecutive rule
stages is one pass in Ray tasks, each LLM stage an async actor pool sized from its roles'
concurrency. Finished rows stream back to the driver, which journals them with the local
engine's `_record` as they arrive; so a killed driver loses only rows in flight, resume reads the
same journals, and publish reads the same store and writes the same folder. LLM replies go to
`ReplyFiles`, which every actor reads and writes at once, so a rerun pays for none twice.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from groupbuild.config import Config
from groupbuild.engines.ray_stages import LLMStage, StageSpec, Step, parse_work, rule_stage
from groupbuild.errors import GroupbuildError
from groupbuild.schema import Draft
from groupbuild.stages import PIPELINE_STAGES
from groupbuild.store import Store

Record = Callable[[str, list[Any]], None]
"""The runner's journaling of one problem's step results (`runner._record`, bound)."""

WORK_DIR = "ray"


class RayMissingError(GroupbuildError):
    """`runner.engine: ray` without Ray installed."""


def run_on_ray(
    config: Config, store: Store, pipeline: list[str], base: Path, step: Step, record: Record
) -> dict[str, Any]:
    """Run `pipeline` over what the store has not finished; return the LLM usage."""
    work = store.dir / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    files = write_work_list(store, pipeline, work / "todo", config.runner.ray.batch_size)
    if not files:
        return {}  # nothing left: no cluster is started, no request is sent
    ray = _import_ray()
    cache = store.dir / "cache"
    if any(_llm_roles(config, name) for name in pipeline):
        from groupbuild.backends.llm.reply_files import ReplyFiles

        ReplyFiles(cache).import_jsonl(cache)
    started = _connect(ray, config)
    try:
        dataset = _plan(ray, config, pipeline, base, step, files, cache, work / "usage")
        for batch in dataset.iter_batches(batch_format="pyarrow", batch_size=None):
            for pid, blob in zip(
                batch.column("id").to_pylist(), batch.column("results").to_pylist(), strict=True
            ):
                record(pid, _loads(blob))
    except Exception as exc:
        cause = _groupbuild_cause(exc)
        if cause is not None:
            raise cause from None  # a wrong key or a full disk: say so, as the local engine does
        raise
    finally:
        if started:
            ray.shutdown()
    shutil.rmtree(work / "todo", ignore_errors=True)  # all journaled: the list is spent
    return _usage(work / "usage")


def write_work_list(store: Store, pipeline: list[str], folder: Path, per_file: int) -> list[Path]:
    """The problems to do, each from its furthest journaled draft, in files of `per_file`.

    Ray Data reads a file in one task, so the list is cut into many: that is what spreads
    the stages over the workers. The seeds stream from their journal: memory stays flat.
    """
    last = pipeline[-1]
    files: list[Path] = []
    handle = None
    count = 0
    try:
        for seed in store.seeds:
            if seed.problem_id in store.rejects or seed.problem_id in store.stages[last]:
                continue
            done_name, draft = store.latest(seed.problem_id, last)
            done = PIPELINE_STAGES.index(done_name) if done_name else -1
            if handle is None or count == per_file:
                if handle is not None:
                    handle.close()
                folder.mkdir(parents=True, exist_ok=True)
                files.append(folder / f"{len(files):06d}.txt")
                handle = files[-1].open("w", encoding="utf-8")
                count = 0
            text = (draft or Draft(seed=seed)).model_dump_json()
            handle.write(f"{done}\t{text}\n")
            count += 1
    finally:
        if handle is not None:
            handle.close()
    return files


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise RayMissingError(
            "runner.engine is 'ray' but Ray is not installed: pip install 'groupbuild[ray]'"
        ) from None
    return ray


def _connect(ray: Any, config: Config) -> bool:
    """Join the configured cluster, or start a local Ray; True when this run started it."""
    settings = config.runner.ray
    address = settings.address or os.environ.get("RAY_ADDRESS")
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, logging_level="WARNING", log_to_driver=False)
        return False
    # Workers import the package the driver runs (a checkout, not only an installed copy).
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    ray.init(
        address="local",
        num_cpus=settings.num_cpus or config.runner.workers or os.cpu_count() or 1,
        include_dashboard=False,
        logging_level="WARNING",
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    return True


def _plan(
    ray: Any,
    config: Config,
    pipeline: list[str],
    base: Path,
    step: Step,
    files: list[Path],
    cache: Path,
    usage: Path,
) -> Any:
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no per-dataset INFO lines
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the runner's bars count journaled problems
    context.print_on_execution_start = False
    context.raise_original_map_exception = True
    usage.mkdir(parents=True, exist_ok=True)
    batch = config.runner.ray.batch_size
    config_json = config.model_dump_json(by_alias=True)
    # One block per work file, so a task is one batch, not a share of the whole run; task
    # workers share one life limit, so parsing and the first rule stages still fuse.
    life = {"max_calls": config.runner.ray.worker_batches}
    blocks = ray.data.read_text([str(f) for f in files], override_num_blocks=len(files))
    dataset = blocks.map_batches(
        parse_work, batch_format="pyarrow", batch_size=None, num_cpus=1, **life
    )
    journaled = frozenset(
        name for name in pipeline if name == pipeline[-1] or config.runner.journal_every_stage
    )
    for stages, roles in _stage_runs(config, pipeline):
        if not roles:
            spec = StageSpec(stages, config_json, str(base), journaled, step)
            dataset = dataset.map_batches(
                rule_stage,
                fn_kwargs={"spec": spec},
                batch_format="pyarrow",
                batch_size=batch,
                num_cpus=1,
                **life,
            )
            continue
        actors, share = _pool(config, roles)
        spec = StageSpec(stages, share.model_dump_json(by_alias=True), str(base), journaled, step)
        dataset = dataset.map_batches(
            LLMStage,
            fn_constructor_kwargs={"spec": spec, "cache_dir": str(cache), "usage_dir": str(usage)},
            batch_format="pyarrow",
            batch_size=batch,
            concurrency=actors,
            num_cpus=config.runner.ray.llm_actor_cpus,
        )
    return dataset


def _stage_runs(config: Config, pipeline: list[str]) -> list[tuple[tuple[str, ...], list[str]]]:
    """The pipeline cut into runs of consecutive rule stages and single LLM stages, each with
    its LLM roles: a run of rule stages is one `map_batches`, so a draft is not serialized
    between two of them."""
    runs: list[tuple[tuple[str, ...], list[str]]] = []
    for name in pipeline:
        roles = _llm_roles(config, name)
        if not roles and runs and not runs[-1][1]:
            runs[-1] = ((*runs[-1][0], name), [])
        else:
            runs.append(((name,), roles))
    return runs


def _llm_roles(config: Config, stage: str) -> list[str]:
    from groupbuild.backends.llm.templates import STAGE_ROLES

    roles = STAGE_ROLES.get(stage, ())
    return [r for r in roles if getattr(config.roles, r).backend == "llm"]


def _pool(config: Config, roles: list[str]) -> tuple[int, Config]:
    """Actors for a stage, and the config each runs: the roles' limits shared among them.

    Sized so the stage keeps each role's `concurrency` requests in flight over all its actors
    (a batch's problems overlap in an actor); each actor gets its share of the concurrency and
    rate limits, so the pool together stays within what the role was given.
    """
    settings = config.runner.ray
    widest = max(getattr(config.roles, r).concurrency for r in roles)
    actors = settings.llm_actors or max(1, math.ceil(widest / settings.batch_size))
    shared = {}
    for name in roles:
        role = getattr(config.roles, name)
        shared[name] = role.model_copy(
            update={
                "concurrency": max(1, math.ceil(role.concurrency / actors)),
                "requests_per_minute": _share(role.requests_per_minute, actors),
                "tokens_per_minute": _share(role.tokens_per_minute, actors),
            }
        )
    roles_config = config.roles.model_copy(update=shared)
    return actors, config.model_copy(update={"roles": roles_config})


def _share(limit: float | None, parts: int) -> float | None:
    return None if limit is None else limit / parts


def _loads(blob: bytes) -> list[Any]:
    results: list[Any] = pickle.loads(blob)
    return results


def _groupbuild_cause(exc: BaseException) -> GroupbuildError | None:
    """The run-stopping error a worker raised, however Ray wrapped it on the way back."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, GroupbuildError):
            return current
        stack += [current.__cause__, current.__context__, getattr(current, "cause", None)]
    return None


def _usage(folder: Path) -> dict[str, Any]:
    """Each actor's usage report, counts added up per role; what is not a count (the response
    format an endpoint takes) is the same in every actor and kept as the first one says."""
    total: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        for role, counts in _read(path).items():
            into = total.setdefault(role, {})
            for name, value in counts.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    into[name] = into.get(name, 0) + value
                elif into.get(name) is None:
                    into[name] = value
    return {
        role: {k: _tidy(v) if isinstance(v, int | float) else v for k, v in counts.items()}
        for role, counts in total.items()
    }


def _read(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _tidy(value: float | int) -> float | int:
    return round(value, 6) if isinstance(value, float) else value
