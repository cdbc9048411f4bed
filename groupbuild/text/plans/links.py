"""The rules planner for code seeds: the bundled hand-written plan, else one written from code.

A plan step is linked to the lines of the reference program it describes (`Seed.plan_links`).
Perturbations need those links to mutate the program the same way they edit the plan; seeds
without a bundled plan (MBPP, HumanEval) get both from `text.plans.from_code`.
"""

from __future__ import annotations

from groupbuild.errors import StageReject
from groupbuild.schema import Seed, Trace
from groupbuild.text.plans.from_code import explained

Links = tuple[tuple[int, ...], ...]


def plan_to_trace(seed: Seed) -> Trace:
    """The seed's bundled plan as a trace, else the plan written from its reference function."""
    if seed.plan:
        return Trace(steps=tuple(step.strip() for step in seed.plan))
    if not seed.solution or not seed.entry_point:
        raise StageReject("no_reference_plan", f"{seed.problem_id} has no plan and no program")
    found = explained(seed.solution, seed.entry_point)
    if isinstance(found, str):
        raise StageReject("no_reference_plan", f"no faithful plan from code: {found}")
    return Trace(steps=found[0])


def plan_links(seed: Seed) -> Links | None:
    """Program lines (1-based) each plan step describes, or None when they are not known."""
    if not seed.solution:
        return None
    if not seed.plan:
        found = explained(seed.solution, seed.entry_point) if seed.entry_point else None
        return None if found is None or isinstance(found, str) else found[1]
    if not seed.plan_links or len(seed.plan_links) != len(seed.plan):
        return None
    return seed.plan_links
