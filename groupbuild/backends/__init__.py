"""Backends fill the four roles: `rules` (offline, deterministic) or `llm` (any
OpenAI-compatible endpoint). The config picks one per role; LLM code is imported only when used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groupbuild.backends.rules import RuleExecutor, RuleJudge, RulePerturber, RulePlanner
from groupbuild.config import Config
from groupbuild.stages import StageContext


@dataclass
class Backends:
    """The roles of one run, and the LLM session behind any `llm` roles."""

    context: StageContext
    session: Any | None = None

    def usage(self) -> dict[str, Any]:
        return self.session.usage() if self.session is not None else {}

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.aclose()


def build_backends(
    config: Config, cache_dir: Path, base_dir: Path | None = None, *, reply_cache: Any = None
) -> Backends:
    """Pick each role's implementation from the config; LLM code is imported only when used.

    `reply_cache` replaces the session's own response cache (a store that several processes
    share, for a distributed engine); it must be given before the roles are made.
    """
    rules: dict[str, Any] = {
        "planner": RulePlanner(),
        "perturber": RulePerturber(),
        "judge": RuleJudge(),
        "executor": RuleExecutor(),
    }
    roles = dict(rules)
    session = None
    wanted = {name: getattr(config.roles, name).backend for name in rules}
    if "llm" in wanted.values():
        from groupbuild.backends.llm.session import LLMSession

        session = LLMSession(config, cache_dir, base_dir=base_dir)
        if reply_cache is not None:
            session.cache.close()
            session.cache = reply_cache
        for name, backend in wanted.items():
            if backend == "llm":
                roles[name] = getattr(session, name)()
    second = rules["judge"] if wanted["judge"] == "llm" else None
    return Backends(StageContext(config=config, **roles, second_judge=second), session)
