"""The LLM side of one run: a client per `llm` role over one shared response cache."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from groupbuild.backends.llm.cache import ResponseCache
from groupbuild.backends.llm.client import Endpoint, FormatProbes, LLMClient, LLMConfigError
from groupbuild.backends.llm.prompts import Prompts
from groupbuild.backends.llm.retry import Backoff
from groupbuild.backends.llm.roles import (
    CodeOracles,
    LLMExecutor,
    LLMJudge,
    LLMPerturber,
    LLMPlanner,
)
from groupbuild.config import Config, RoleConfig
from groupbuild.resources import resolve_dir
from groupbuild.schema import DIMENSIONS, Domain

ROLES = ("planner", "perturber", "judge", "executor")


class LLMSession:
    """Built once per run; hands out the role objects and reports usage for the manifest."""

    def __init__(
        self,
        config: Config,
        cache_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        base_dir: Path | None = None,
        prompts_dir: Path | None = None,
        rubrics_dir: Path | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.cache = ResponseCache(Path(cache_dir))
        self.probes = FormatProbes()
        base = Path.cwd() if base_dir is None else base_dir
        self.prompts = Prompts(prompts_dir or resolve_dir(config.prompts_dir, "prompts", base))
        self.rubrics_dir = Path(rubrics_dir or resolve_dir(config.rubrics_dir, "rubrics", base))
        self.oracles = CodeOracles()
        self._env = env
        self._backoff = backoff
        self._clients: dict[str, LLMClient] = {}
        self._slots: dict[Endpoint, asyncio.Semaphore] | None = None
        self._planner: LLMPlanner | None = None
        self._perturber: LLMPerturber | None = None
        self._judge: LLMJudge | None = None
        self._executor_role: LLMExecutor | None = None

    def planner(self) -> LLMPlanner:
        if self._planner is None:
            executor = self.executor() if self._is_llm("executor") else self._executor("planner")
            self._planner = LLMPlanner(
                self._client("planner"), self.prompts, executor, self.oracles
            )
        return self._planner

    def perturber(self) -> LLMPerturber:
        if self._perturber is None:
            self._perturber = LLMPerturber(self._client("perturber"), self.prompts)
        return self._perturber

    def judge(self) -> LLMJudge:
        if self._judge is None:
            rubrics = {domain: load_rubric(self.rubrics_dir, domain) for domain in Domain}
            self._judge = LLMJudge(self._client("judge"), self.prompts, rubrics)
        return self._judge

    def executor(self) -> LLMExecutor:
        if self._executor_role is None:
            self._executor_role = self._executor("executor")
        return self._executor_role

    def usage(self) -> dict[str, dict[str, Any]]:
        """Per role: requests sent, replies, cache hits, retries, tokens, cost, failures, and
        the response format the endpoint takes."""
        return {role: client.report() for role, client in self._clients.items()}

    @property
    def requests_sent(self) -> int:
        return sum(client.usage.requests for client in self._clients.values())

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self.cache.close()

    def _is_llm(self, role: str) -> bool:
        return self._role_config(role).backend == "llm"

    def _role_config(self, role: str) -> RoleConfig:
        config: RoleConfig = getattr(self.config.roles, role)
        return config

    def _executor(self, role: str) -> LLMExecutor:
        return LLMExecutor(self._client(role), self.prompts, self.oracles)

    def _endpoint_slots(self) -> dict[Endpoint, asyncio.Semaphore]:
        """One concurrency limit per endpoint, the largest its roles ask for: roles that talk
        to one server share its capacity, so the server sees what the config says it can take."""
        if self._slots is None:
            env = os.environ if self._env is None else self._env
            sizes: dict[Endpoint, int] = {}
            for role in ROLES:
                config = self._role_config(role)
                if config.backend == "llm":
                    endpoint = Endpoint.resolve(role, config, env)
                    sizes[endpoint] = max(sizes.get(endpoint, 1), config.concurrency)
            self._slots = {e: asyncio.Semaphore(n) for e, n in sizes.items()}
        return self._slots

    def _client(self, role: str) -> LLMClient:
        client = self._clients.get(role)
        if client is None:
            config = self._role_config(role)
            env = os.environ if self._env is None else self._env
            client = LLMClient(
                role,
                config,
                self.cache,
                env=self._env,
                backoff=self._backoff,
                probes=self.probes,
                limit=self._endpoint_slots().get(Endpoint.resolve(role, config, env)),
            )
            self._clients[role] = client
        return client


def load_rubric(directory: Path, domain: Domain) -> dict[str, Any]:
    """A domain's rubric YAML, checked to hold exactly the contract's five dimensions."""
    path = directory / f"{domain.value}.yaml"
    try:
        rubric = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LLMConfigError(f"{path}: cannot read rubric: {exc}") from None
    names = tuple((rubric or {}).get("dimensions", {}))
    if names != DIMENSIONS[domain]:
        raise LLMConfigError(f"{path}: dimensions {list(names)} must be {list(DIMENSIONS[domain])}")
    for name, dim in rubric["dimensions"].items():
        if not dim.get("question") or len(dim.get("anchors", {})) < 2:
            raise LLMConfigError(f"{path}: dimension {name!r} needs a question and anchors")
    return dict(rubric)
