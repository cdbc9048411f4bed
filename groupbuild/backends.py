"""Rule implementations of the four roles, and the factory that picks a backend per role.

The `rules` backend is deterministic and offline: the planner returns the seed's gold worked
solution (math) or its bundled plan (code), the perturber applies the registered rule kinds, the
judge scores from checkable signals, and the executor follows a trace literally.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groupbuild.config import Config
from groupbuild.errors import StageReject
from groupbuild.perturb import registry
from groupbuild.perturb.kinds import Kind
from groupbuild.perturb.registry import Edit
from groupbuild.schema import Domain, Provenance, Rubric, Seed, Trace
from groupbuild.stages import StageContext

RULES = Provenance(backend="rules")


class RulePlanner:
    async def plan(self, seed: Seed) -> tuple[Trace, Provenance]:
        if seed.domain is Domain.MATH:
            from groupbuild.reference_math import solution_to_trace

            if not seed.solution:
                raise StageReject("no_gold_solution", "the rules planner needs a worked solution")
            return solution_to_trace(seed.solution), RULES.model_copy(update={"rule": "gold"})
        from groupbuild.reference_code import plan_to_trace

        return plan_to_trace(seed), RULES.model_copy(update={"rule": "bundled_plan"})


class RulePerturber:
    def kinds(self, domain: Domain) -> list[Kind]:
        return [p.spec.kind for p in registry.registered("rules", domain)]

    async def perturb(
        self, seed: Seed, reference: Trace, kind: Kind, rng: random.Random
    ) -> tuple[Edit, Provenance] | None:
        impl = registry.get("rules", seed.domain, kind)
        edit = impl.fn(seed, reference, rng)
        if edit is None:
            return None
        return edit, RULES.model_copy(update={"rule": f"{seed.domain.value}.{kind.value}"})


class RuleJudge:
    async def score(self, seed: Seed, trace: Trace) -> Rubric:
        if seed.domain is Domain.MATH:
            from groupbuild.judge.math_rules import judge_math

            return judge_math(seed, trace)
        from groupbuild.judge.code_rules import judge_code

        return judge_code(seed, trace)


class RuleExecutor:
    """Follows a math trace's own equations; has no way to write programs."""

    deterministic = True

    def supports(self, domain: Domain) -> bool:
        return domain is Domain.MATH

    async def solve(self, seed: Seed, trace: Trace | None, attempt: int) -> str:
        if seed.domain is Domain.MATH and trace is not None:
            from groupbuild.mathtext import trace_answer

            return trace_answer(trace) or ""
        return ""


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


def build_backends(config: Config, cache_dir: Path) -> Backends:
    """Pick each role's implementation from the config; LLM code is imported only when used."""
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
        from groupbuild.llm.session import LLMSession

        session = LLMSession(config, cache_dir)
        for name, backend in wanted.items():
            if backend == "llm":
                roles[name] = getattr(session, name)()
    return Backends(StageContext(config=config, **roles), session)
