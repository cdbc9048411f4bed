"""The rules planner for code seeds: the bundled hand-written plan is the reference trace.

A plan step is linked to the lines of the reference program it describes (`Seed.plan_links`).
Perturbations need those links to mutate the program the same way they edit the plan.
"""

from __future__ import annotations

from groupbuild.errors import StageReject
from groupbuild.schema import Seed, Trace

Links = tuple[tuple[int, ...], ...]


def plan_to_trace(seed: Seed) -> Trace:
    """The seed's bundled plan as a trace; seeds without one (e.g. MBPP) cannot be planned here."""
    if not seed.plan:
        raise StageReject("no_reference_plan", f"{seed.problem_id} has no hand-written plan")
    return Trace(steps=tuple(step.strip() for step in seed.plan))


def plan_links(seed: Seed) -> Links | None:
    """Program lines (1-based) each plan step describes, or None when they are not known."""
    if not seed.solution or not seed.plan_links or len(seed.plan_links) != len(seed.plan):
        return None
    return seed.plan_links
