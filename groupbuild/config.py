"""The one config tree and its one loader.

Merge order: model defaults < YAML file < `GROUPBUILD_*` environment < CLI `--set` overrides.
Environment keys use `__` between levels: `GROUPBUILD_PUBLISH__DEV_RATIO=0.2`.
Secrets are never stored here: a role names the *variable* that holds its key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ENV_PREFIX = "GROUPBUILD_"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeedSource(Section):
    """One seed file, directory or Hub dataset, and how to read it."""

    format: Literal[
        "bundled", "gsm8k", "math", "mbpp", "mbpp_sanitized", "humaneval", "jsonl", "parquet", "hub"
    ]
    path: str | None = None
    """File or directory path; for `hub`, the dataset id; for `bundled`, None means the seeds
    that ship with the package."""
    source: str | None = None
    """Name recorded in `source` and in problem ids; defaults to the format's usual name."""
    domain: Literal["math", "code"] | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    """For `jsonl`/`parquet`/`hub`: our field name -> the file's field name."""
    split: str = "train"
    config_name: str | None = None
    license: str | None = None
    limit: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _needs_a_path(self) -> SeedSource:
        if self.path is None and self.format != "bundled":
            raise ValueError(f"format {self.format!r} needs a path")
        return self


class DecontamConfig(Section):
    files: list[str] = Field(default_factory=list)
    """Evaluation sets as files (JSONL/JSON with a question/prompt/text field)."""
    ngram: int = 13
    threshold: float = 0.5
    """Share of a seed's n-grams found in an evaluation item above which the seed is dropped."""


class SeedLimits(Section):
    """Bounds on one seed record, checked while reading; a record over one is rejected.

    Real seed sets sit far below them (GSM8K lines are under 2 KB, MATH solutions under 7,000
    characters and 160 lines); a record over them costs minutes in the later stages.
    """

    max_record_bytes: int = Field(default=1_000_000, gt=0)
    """A JSON Lines line longer than this is rejected unparsed (other formats: its text)."""
    max_problem_chars: int = Field(default=20_000, gt=0)
    max_solution_chars: int = Field(default=50_000, gt=0)
    max_answer_chars: int = Field(default=1_000, gt=0)
    max_steps: int = Field(default=500, gt=0)
    """Math: non-empty lines of the worked solution; code: steps of the plan."""
    max_tests: int = Field(default=200, gt=0)


class SeedsConfig(Section):
    sources: list[SeedSource] = Field(default_factory=lambda: [SeedSource(format="bundled")])
    skip_invalid: bool = False
    """Turn malformed records into rejects instead of stopping with an error."""
    near_duplicate_threshold: float = 0.85
    """Jaccard similarity of word 5-gram shingles above which a seed is a near duplicate."""
    decontaminate: DecontamConfig = Field(default_factory=DecontamConfig)
    limits: SeedLimits = Field(default_factory=lambda: SeedLimits())


class RoleConfig(Section):
    """One role's backend. The `llm` fields are ignored by `rules`."""

    backend: Literal["rules", "llm"] = "rules"
    base_url: str | None = None
    """Defaults to `OPENAI_BASE_URL`, then the OpenAI API."""
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 1024
    samples: int = 1
    concurrency: int = 32
    """Requests in flight at once. Roles on one endpoint (base URL and model) share one limit,
    the largest of theirs: it is the server's capacity, not the role's."""
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    timeout: float = 120.0
    max_retries: int = 6
    max_attempts: int = 4
    """Reference sampling: planner attempts per seed before the seed is rejected."""
    prompt_price_per_mtok: float = 0.0
    completion_price_per_mtok: float = 0.0
    response_format: Literal["auto", "json_schema", "json_object_schema", "json_object", "none"] = (
        "auto"
    )
    """How structured replies are asked for; `auto` probes the endpoint once (see the README's
    server table)."""
    batch: bool = False
    """Send this role's requests through the OpenAI Batch API (cheaper, hours not seconds)."""
    batch_size: int = Field(default=1000, gt=0)
    batch_window: float = Field(default=5.0, ge=0)
    """Seconds a queued request waits for others before a smaller batch is sent."""
    batch_poll: float = Field(default=30.0, gt=0)


class RolesConfig(Section):
    planner: RoleConfig = Field(default_factory=RoleConfig)
    perturber: RoleConfig = Field(default_factory=RoleConfig)
    judge: RoleConfig = Field(default_factory=RoleConfig)
    executor: RoleConfig = Field(default_factory=RoleConfig)


class PerturbConfig(Section):
    seed: int = 18
    kinds: dict[str, list[str]] = Field(default_factory=dict)
    """Per domain, the kinds to try; empty means every registered kind of the backend."""
    max_negatives: int = 8
    fill_to: int = Field(default=8, ge=0)
    """While a seed has fewer candidates than this, each kind that gave one tries another site."""
    sites_per_kind: int = Field(default=2, ge=1)
    """Sites a kind may edit in one seed's group; 1 keeps one candidate per kind."""


class UpliftConfig(Section):
    runs: int = Field(3, ge=0)
    """Executor runs with and without each trace (TraceLift uses 3); 0 turns uplift off."""


class ValidateConfig(Section):
    min_negatives: int = 4
    min_kinds: int = Field(default=3, ge=1)
    """Distinct kinds among a group's negatives: a kind's second site adds a negative, not a
    kind, and a group of two kinds teaches two flaws (taxonomy §2.4)."""
    length_tolerance: float = 0.10
    require_ordering: bool = True
    """Each negative's rubric total must be below the reference's."""


class AuditThresholds(Section):
    """Where the card flags a shortcut (dev split; see `groupbuild.report.shortcuts`)."""

    bow_pairwise_accuracy: float = 0.60
    """A bag-of-words model trained on train pairs, picking the negative of each dev pair."""
    bow_pairwise_accuracy_per_kind: float = 0.65
    template_phrase_rate: float = 0.01
    number_shape_rate: float = 0.01
    length_shortcut: float = 0.65
    position_auc: float = 0.60
    text_auc: float = 0.60
    judge_target_rate: float = 0.80
    """At least: the share of a kind's negatives whose hurt dimension drops most."""
    judge_band_share: float = 0.20
    """At most: the share of negatives whose judge total falls in one 0.01-wide band."""
    judge_quality_tie_rate: float = 0.0
    """At most: the share of quality-only negatives the judge scores equal to their reference."""
    judge_strong_unmeasured: int = 0
    """At most: negatives labelled strong although the judge located no flaw in them."""


class PublishConfig(Section):
    out_dir: str = "dist/tracelift-groups"
    split_seed: int = 18
    dev_ratio: float = Field(0.1, ge=0, lt=1)
    max_shard_bytes: int = 500_000_000
    row_group_bytes: int = 32_000_000
    """Arrow bytes per row group: well under the Hub's 100 MB guidance, and the memory bound."""
    pretty_name: str = "TRACELIFT-GROUPS"
    audit: bool = True
    """Measure the artifact audit (cue words, length shortcut, text-only AUC) for the card."""
    audit_thresholds: AuditThresholds = Field(default_factory=AuditThresholds)


class RayConfig(Section):
    """How the `ray` engine runs; ignored by the `local` engine."""

    address: str | None = None
    """A running cluster (`ray://host:10001` or `host:6379`); None reads `RAY_ADDRESS`, and
    without it starts a local Ray on this machine."""
    num_cpus: int | None = Field(default=None, ge=1)
    """CPUs of a local Ray started by the run (None: `runner.workers`, else every core)."""
    batch_size: int = Field(default=64, ge=1)
    """Problems per `map_batches` batch, the unit a worker takes and the driver journals: 64
    measured 1.28x the throughput of 16 on 2,000 seeds (`bench/scale_bench.py`)."""
    worker_batches: int | None = Field(default=50, ge=1)
    """Batches a rule-stage worker runs before Ray replaces it with a fresh process (None:
    never). A worker keeps every page of the object store it has mapped, so a worker that
    lives for the whole run grows with the run; a bounded life keeps its peak flat."""
    llm_actors: int = Field(default=0, ge=0)
    """Actors per LLM stage; 0 sizes the pool from the roles' concurrency."""
    llm_actor_cpus: float = Field(default=0.0, ge=0)
    """CPUs an LLM actor reserves: they wait on the network, so by default none (a reserved
    CPU each would leave the rule stages none on a small machine, and stall them)."""


class RunnerConfig(Section):
    runs_dir: str = "runs"
    engine: Literal["local", "ray"] = "local"
    """`local`: one process and its rule workers; `ray`: the same stages on Ray Data (local
    Ray, or the cluster named by `runner.ray.address` / `RAY_ADDRESS`)."""
    ray: RayConfig = Field(default_factory=RayConfig)
    concurrency: int = 64
    """Problems in flight at once."""
    workers: int = 0
    """Processes for the rule backends (0: one per core); LLM runs stay in one process."""
    journal_every_stage: bool = False
    """Also journal stages before the last one requested. Off: a full run writes one record
    per problem (a resumed problem redoes its earlier stages; LLM replies come from the cache)."""
    progress: bool = True


class Config(Section):
    name: str = "default"
    prompts_dir: str | None = None
    """Folder of jinja2 prompt templates; None uses the ones that ship with the package."""
    rubrics_dir: str | None = None
    """Folder of rubric YAML files; None uses the ones that ship with the package."""
    seeds: SeedsConfig = Field(default_factory=SeedsConfig)
    roles: RolesConfig = Field(default_factory=RolesConfig)
    perturb: PerturbConfig = Field(default_factory=PerturbConfig)
    uplift: UpliftConfig = Field(default_factory=UpliftConfig)
    validate_: ValidateConfig = Field(default_factory=ValidateConfig, alias="validate")
    publish: PublishConfig = Field(default_factory=PublishConfig)
    runner: RunnerConfig = Field(default_factory=RunnerConfig)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def run_dir(self) -> Path:
        return Path(self.runner.runs_dir) / self.name

    def resolved(self) -> dict[str, Any]:
        """The config as written to the manifest (no secrets are ever held here)."""
        return self.model_dump(mode="json", by_alias=True)


class ConfigError(ValueError):
    pass


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Config:
    """Load a config: defaults < YAML at `path` < `GROUPBUILD_*` env < `a.b=value` overrides.

    An invalid value is blamed on where it came from: the file, the variable or the override.
    """
    tree: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config must be a mapping at the top level")
        tree = loaded
    origins: dict[tuple[str, ...], str] = {}
    environ = os.environ if env is None else env
    for key, value in sorted(environ.items()):
        if key.startswith(ENV_PREFIX):
            keys = key[len(ENV_PREFIX) :].lower().split("__")
            _assign(tree, keys, value, f"env {key}", origins)
    for item in overrides:
        dotted, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        _assign(tree, dotted.split("."), value, f"override {item!r}", origins)
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins, str(path) if path else "config")) from None


def _assign(
    tree: dict[str, Any],
    keys: list[str],
    raw: str,
    origin: str,
    origins: dict[tuple[str, ...], str],
) -> None:
    node = tree
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{origin}: {key!r} is not a section")
        node = child
    try:
        node[keys[-1]] = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{origin}: the value is not valid YAML ({problem})") from None
    origins[tuple(keys)] = origin


def _describe(exc: ValidationError, origins: Mapping[tuple[str, ...], str], default: str) -> str:
    parts = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        parts.append(f"{_blame(loc, origins) or default}: {_dotted(err['loc'])}: {err['msg']}")
    return "; ".join(parts)


def _blame(loc: tuple[str, ...], origins: Mapping[tuple[str, ...], str]) -> str | None:
    """The last override or variable that set `loc`, a section holding it, or a key in it."""
    found = None
    for keys, origin in origins.items():
        if keys == loc[: len(keys)] or loc == keys[: len(loc)]:
            found = origin
    return found


def _dotted(loc: tuple[int | str, ...]) -> str:
    """`seeds.sources[0].limit`: list positions in brackets, as they are written in YAML paths."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text
