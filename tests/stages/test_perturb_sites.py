"""A seed that few kinds fit gets a flaw kind's second site; a full one, or a quality kind, not."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from groupbuild.backends.rules import RuleExecutor, RuleJudge, RulePerturber, RulePlanner
from groupbuild.config import Config, ValidateConfig
from groupbuild.errors import StageReject
from groupbuild.schema import Candidate, Domain, Draft, Provenance, Role, Seed, Trace
from groupbuild.stages.annotate import annotate
from groupbuild.stages.context import StageContext
from groupbuild.stages.perturb import perturb
from groupbuild.stages.validate import select_negatives, validate_draft

SEED = Seed(
    problem_id="bundled:sites",
    source="bundled",
    source_id="sites",
    domain=Domain.MATH,
    task_type="math",
    problem=(
        "A shop sells 12 pens a day for 5 days and 7 pencils a day for 4 days. Each pen costs 3 "
        "dollars and each pencil 2 dollars. How many dollars does the shop take?"
    ),
    answer="236",
)
STEPS = (
    "The shop sells 12 * 5 = 60 pens.",
    "It sells 7 * 4 = 28 pencils.",
    "The pens bring 60 * 3 = 180 dollars.",
    "The pencils bring 28 * 2 = 56 dollars.",
    "In all the shop takes 180 + 56 = 236 dollars.",
)
DRAFT = Draft(
    seed=SEED,
    reference=Candidate(
        candidate_id="r",
        problem_id=SEED.problem_id,
        role=Role.REFERENCE,
        trace=Trace(steps=STEPS),
        provenance=Provenance(backend="rules"),
    ),
)
KINDS = ["arithmetic_slip", "redundant_detour"]


def _context(**settings: int) -> StageContext:
    config = Config.model_validate(
        {"perturb": {"kinds": {"math": KINDS}, **settings}, "uplift": {"runs": 0}}
    )
    return StageContext(config, RulePlanner(), RulePerturber(), RuleJudge(), RuleExecutor())


def _perturbed(**settings: int) -> Draft:
    return asyncio.run(perturb(DRAFT, _context(**settings)))


def test_a_flaw_kind_edits_a_second_site_when_the_seed_is_short_of_candidates() -> None:
    draft = _perturbed()
    kinds = Counter(c.kind for c in draft.candidates)
    assert kinds == {"arithmetic_slip": 2, "redundant_detour": 1}
    slips = [c for c in draft.candidates if c.kind == "arithmetic_slip"]
    assert slips[0].declared_span != slips[1].declared_span
    assert len({c.trace.steps for c in draft.candidates}) == 3


def test_one_site_per_kind_when_asked_or_when_the_seed_has_enough() -> None:
    for settings in ({"sites_per_kind": 1}, {"fill_to": 2}):
        kinds = Counter(c.kind for c in _perturbed(**settings).candidates)
        assert kinds == {"arithmetic_slip": 1, "redundant_detour": 1}, settings


def test_the_first_site_of_every_kind_is_chosen_before_any_second_site() -> None:
    draft = _perturbed()
    first_slip, second_slip = (c for c in draft.candidates if c.kind == "arithmetic_slip")
    detour = next(c for c in draft.candidates if c.kind == "redundant_detour")
    for limit in (1, 2):
        chosen = select_negatives(SEED, list(draft.candidates), limit)
        assert second_slip not in chosen
        assert len({c.kind for c in chosen}) == limit
    assert {c.candidate_id for c in select_negatives(SEED, list(draft.candidates), 2)} == {
        first_slip.candidate_id,
        detour.candidate_id,
    }


def test_a_group_needs_its_negatives_from_enough_kinds() -> None:
    ctx = _context()
    scored = asyncio.run(annotate(asyncio.run(perturb(DRAFT, ctx)), ctx))
    assert len(scored.candidates) == 3
    with pytest.raises(StageReject) as caught:
        validate_draft(scored, ValidateConfig(min_negatives=3, min_kinds=3), max_negatives=8)
    assert caught.value.reason == "too_few_kinds"
    assert "of 2 kinds" in caught.value.detail
    kept = validate_draft(scored, ValidateConfig(min_negatives=3, min_kinds=2), max_negatives=8)
    assert Counter(c.kind for c in kept.candidates) == {"arithmetic_slip": 2, "redundant_detour": 1}
