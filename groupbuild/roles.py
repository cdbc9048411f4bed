"""The four roles a backend can fill. Stages talk to roles, never to a provider directly.

Every method is async so an LLM backend can overlap requests; rule backends answer at once.
A role raises `StageReject` when a record cannot be handled (the runner logs the reason).
"""

from __future__ import annotations

import random
from typing import Protocol

from groupbuild.kinds import Edit, Kind
from groupbuild.schema import Domain, Provenance, Rubric, Seed, Trace


class Planner(Protocol):
    async def plan(self, seed: Seed) -> tuple[Trace, Provenance]:
        """A reference trace for `seed`, already checked by whatever the backend can check."""
        ...


class Perturber(Protocol):
    def kinds(self, domain: Domain) -> list[Kind]:
        """Kinds this backend can produce in `domain`, in a fixed order."""
        ...

    async def perturb(
        self, seed: Seed, reference: Trace, kind: Kind, rng: random.Random
    ) -> tuple[Edit, Provenance] | None:
        """One edit of `kind`, or None when the kind does not apply to this trace."""
        ...


class Judge(Protocol):
    async def score(self, seed: Seed, trace: Trace) -> Rubric:
        """Score one trace, blind to its role and kind and to the reference trace."""
        ...


class Executor(Protocol):
    def supports(self, domain: Domain) -> bool:
        """Whether this executor can attempt problems of `domain` at all."""
        ...

    async def solve(self, seed: Seed, trace: Trace | None, attempt: int) -> str:
        """Math: the final answer; code: a complete Python program. `trace=None` solves unaided."""
        ...
