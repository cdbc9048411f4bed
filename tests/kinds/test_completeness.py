"""Offer only what can succeed: every kind a backend offers passes every gate on a real seed.

For `rules`, the kind's rule runs on the bundled seeds until one edit passes the gates. For
`llm`, a model's reply is stood in for by such a rule edit as a model would write it (the
changed or dropped step, and for a code kind the program following the flawed plan), fed
through the kind's `splice` exactly as the LLM perturber feeds a reply. A kind the registry
offers without either is a failure here, not a silent `too_few_negatives` at run time.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest
from kind_helpers import gate_failure, model_rewrite

from groupbuild.config import SeedsConfig
from groupbuild.errors import StageReject
from groupbuild.kinds import BACKENDS, Kind, KindDef, definitions, offered_definition
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.seeds import load_seeds
from groupbuild.text.math.gold import solution_to_trace
from groupbuild.text.plans.links import plan_to_trace

TRIES = 3


@cache
def bundled(domain: Domain) -> tuple[tuple[Seed, Trace], ...]:
    loaded = load_seeds(SeedsConfig(), base_dir=Path.cwd())
    seeds = [s for s in loaded if isinstance(s, Seed) and s.domain is domain]
    planned = []
    for seed in seeds:
        if domain is Domain.MATH:
            planned.append((seed, solution_to_trace(seed.solution or "")))
        else:
            planned.append((seed, plan_to_trace(seed)))
    return tuple(planned)


def rule_edits(kind: KindDef):
    assert kind.rule is not None
    for seed, reference in bundled(kind.domain):
        for attempt in range(TRIES):
            edit = kind.rule(seed, reference, random.Random(attempt))
            if edit is not None:
                yield seed, reference, edit


def passing_rule_edits(kind: KindDef):
    for seed, reference, edit in rule_edits(kind):
        if gate_failure(seed, reference, edit, kind) is None:
            yield seed, reference, edit


OFFERED = [
    (kind, backend) for kind in definitions() for backend in BACKENDS if kind.offered_by(backend)
]


@pytest.mark.parametrize(
    ("kind", "backend"), OFFERED, ids=[f"{b}-{k.domain.value}-{k.kind.value}" for k, b in OFFERED]
)
def test_every_offered_kind_passes_every_gate_on_some_bundled_seed(kind: KindDef, backend: str):
    if backend == "rules":
        found = next(passing_rule_edits(kind), None)
        assert found is not None, f"no rule edit of {kind.kind} passes the gates"
        return
    assert kind.llm is not None
    assert kind.rule is not None, f"{kind.kind}: give this LLM-only kind a hand-made rewrite here"
    failures: list[str] = []
    for seed, reference, edit in passing_rule_edits(kind):
        spliced = kind.llm.splice(seed, reference, model_rewrite(kind, edit))
        if spliced is None:
            failures.append(f"{seed.problem_id}: splice refused")
            continue
        reason = gate_failure(seed, reference, spliced, kind)
        if reason is None:
            return
        failures.append(f"{seed.problem_id}: {reason}")
    pytest.fail(f"no model reply of {kind.kind} passes through splice: {failures[:5]}")


def test_every_kind_of_the_taxonomy_is_registered_once_per_domain():
    registered = definitions()
    keys = [(d.domain, d.kind) for d in registered]
    assert len(keys) == len(set(keys))
    assert {d.kind for d in registered} == set(Kind)
    for domain in Domain:
        ids = [d.spec.taxonomy_id for d in registered if d.domain is domain]
        assert len(ids) == len(set(ids)) == 14 + (domain is Domain.MATH)


def test_a_kind_without_a_proof_is_offered_by_no_backend():
    for kind in definitions():
        if kind.proof is None:
            assert not any(kind.offered_by(b) for b in BACKENDS), kind.kind


def test_a_perturber_asked_for_a_kind_its_backend_does_not_offer_rejects_it():
    for backend, domain, kind in (
        ("llm", Domain.MATH, Kind.WRONG_LEMMA),
        ("rules", Domain.MATH, Kind.CIRCULAR_REASONING),
        ("llm", Domain.MATH, Kind.DROPPED_STEP_REWIRED),
        ("llm", Domain.CODE, Kind.WRONG_ALGORITHM_CHOICE),
    ):
        with pytest.raises(StageReject) as caught:
            offered_definition(backend, domain, kind)
        assert caught.value.reason == "kind_not_offered"
    assert offered_definition("llm", Domain.MATH, Kind.MISREAD_VALUE).llm is not None
