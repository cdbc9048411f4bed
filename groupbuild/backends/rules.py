"""The `rules` backend of the four roles: deterministic and offline.

The planner returns the seed's gold worked solution (math) or its bundled plan (code), the
perturber applies the registered rule of a kind, the judge scores from checkable signals, and
the executor follows a math trace's own equations.
"""

from __future__ import annotations

import random

from groupbuild.errors import StageReject
from groupbuild.kinds import Edit, Kind, offered, offered_definition
from groupbuild.schema import Domain, Provenance, Rubric, Seed, Trace

RULES = Provenance(backend="rules")


class RulePlanner:
    async def plan(self, seed: Seed) -> tuple[Trace, Provenance]:
        if seed.domain is Domain.MATH:
            from groupbuild.text.math.gold import solution_to_trace

            if not seed.solution:
                raise StageReject("no_gold_solution", "the rules planner needs a worked solution")
            return solution_to_trace(seed.solution), RULES.model_copy(update={"rule": "gold"})
        from groupbuild.text.plans.links import plan_to_trace

        return plan_to_trace(seed), RULES.model_copy(update={"rule": "bundled_plan"})


class RulePerturber:
    def kinds(self, domain: Domain) -> list[Kind]:
        return [d.kind for d in offered("rules", domain)]

    async def perturb(
        self, seed: Seed, reference: Trace, kind: Kind, rng: random.Random
    ) -> tuple[Edit, Provenance] | None:
        rule = offered_definition("rules", seed.domain, kind).rule
        assert rule is not None, "offered by rules means it has a rule"
        edit = rule(seed, reference, rng)
        if edit is None:
            return None
        return edit, RULES.model_copy(update={"rule": f"{seed.domain.value}.{kind.value}"})


class RuleJudge:
    async def score(self, seed: Seed, trace: Trace) -> Rubric:
        if seed.domain is Domain.MATH:
            from groupbuild.judge.math import judge_math

            return judge_math(seed, trace)
        from groupbuild.judge.code import judge_code

        return judge_code(seed, trace)


class RuleExecutor:
    """Follows a math trace's own equations; has no way to write programs."""

    deterministic = True

    def supports(self, domain: Domain) -> bool:
        return domain is Domain.MATH

    async def solve(self, seed: Seed, trace: Trace | None, attempt: int) -> str:
        if seed.domain is Domain.MATH and trace is not None:
            from groupbuild.text.math import trace_answer

            return trace_answer(trace) or ""
        return ""
