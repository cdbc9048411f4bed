"""The one registry of perturbation kinds: each kind registered once, with all it needs.

A `KindDef` holds a kind's spec, its evidence model, its rule implementation, its proof of
harm and, where the LLM path offers it, the prompt and the way a model's rewrite becomes an edit
with evidence. A backend offers a kind only when it can feed that kind's proof; the modules of
`kinds.math` and `kinds.code` are discovered, so adding a kind is adding one registration.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from groupbuild.errors import StageReject
from groupbuild.kinds.evidence import Evidence, parse_evidence
from groupbuild.kinds.spec import Kind, KindSpec
from groupbuild.schema import Domain, Seed, Trace

Backend = Literal["rules", "llm"]
BACKENDS: tuple[Backend, ...] = ("rules", "llm")


@dataclass(frozen=True)
class Edit:
    """A perturbed trace, the reference steps the perturber says it edited, and its evidence."""

    trace: Trace
    declared_span: tuple[int, ...]
    evidence: Evidence


@dataclass(frozen=True)
class ProofCase:
    """What a proof reads: the seed, both traces, and the candidate's typed evidence."""

    seed: Seed
    reference: Trace
    candidate: Trace
    evidence: Evidence


Shape = Literal["rewrite", "delete", "insert", "swap"]
"""How a model's reply edits the trace: one step rewritten, one dropped, one new step put in,
or one step swapped with the next."""


@dataclass(frozen=True)
class StepRewrite:
    """What a model returns for one edit: the step (0-based; for an insertion, the position the
    new step takes; for a swap, the first of the two steps), the step's new text (ignored when
    the shape needs none) and, for a code kind proven by running a twin, the program that
    follows the flawed plan."""

    index: int
    text: str
    program: str | None = None


RuleFn = Callable[[Seed, Trace, random.Random], Edit | None]
ProofFn = Callable[[ProofCase], str | None]
SpliceFn = Callable[[Seed, Trace, StepRewrite], Edit | None]


@dataclass(frozen=True)
class LLMOffer:
    """The LLM path: `template` asks a model for one edit of `shape`; `splice` turns the reply
    into a whole edit with the evidence the proof reads (or None when it cannot). `program`:
    the reply also holds the program realising the flawed plan, which the kind's proof runs."""

    template: str
    splice: SpliceFn
    program: bool = False
    shape: Shape = "rewrite"

    @property
    def writes_step(self) -> bool:
        """Whether the reply's text is a step of the new trace (a rewrite or an insertion)."""
        return self.shape in ("rewrite", "insert")

    def positions(self, steps: int) -> int:
        """How many values `StepRewrite.index` can take on a trace of `steps` steps."""
        return {"rewrite": steps, "delete": steps, "insert": steps + 1, "swap": steps - 1}[
            self.shape
        ]


@dataclass(frozen=True)
class KindDef:
    spec: KindSpec
    evidence: type[Evidence]
    rule: RuleFn | None = None
    proof: ProofFn | None = None
    llm: LLMOffer | None = None

    @property
    def kind(self) -> Kind:
        return self.spec.kind

    @property
    def domain(self) -> Domain:
        return self.spec.domain

    def offered_by(self, backend: Backend) -> bool:
        """A backend offers a kind only when it produces what the kind's proof reads."""
        if self.proof is None:
            return False
        return self.rule is not None if backend == "rules" else self.llm is not None


_KINDS: dict[tuple[Domain, Kind], KindDef] = {}
_LOADED = False


def register(definition: KindDef) -> KindDef:
    key = (definition.domain, definition.kind)
    if key in _KINDS:
        raise ValueError(f"{definition.domain.value}/{definition.kind.value} is registered twice")
    _KINDS[key] = definition
    return definition


def definitions(domain: Domain | None = None) -> list[KindDef]:
    """Every registered kind (of one domain), in the enum's order: deterministic."""
    _load()
    order = list(Kind)
    found = [d for (dom, _), d in _KINDS.items() if domain is None or dom is domain]
    return sorted(found, key=lambda d: (list(Domain).index(d.domain), order.index(d.kind)))


def offered(backend: Backend, domain: Domain) -> list[KindDef]:
    return [d for d in definitions(domain) if d.offered_by(backend)]


def definition(domain: Domain, kind: str) -> KindDef:
    """The kind `kind` of `domain`; a clear error listing the valid kinds otherwise."""
    _load()
    try:
        return _KINDS[(domain, Kind(kind))]
    except (KeyError, ValueError):
        valid = sorted(d.kind.value for d in definitions(domain))
        raise KeyError(
            f"unknown {domain.value} perturbation kind {kind!r}; valid: {valid}"
        ) from None


def offered_definition(backend: Backend, domain: Domain, kind: str) -> KindDef:
    """The kind as `backend` may produce it; a `kind_not_offered` reject for one it may not."""
    found = definition(domain, kind)
    if not found.offered_by(backend):
        raise StageReject("kind_not_offered", f"{backend} does not offer {domain.value}/{kind}")
    return found


def spec_for(domain: Domain, kind: str) -> KindSpec:
    return definition(domain, kind).spec


def prove(
    domain: Domain, kind: str, seed: Seed, reference: Trace, candidate: Trace, raw: dict[str, Any]
) -> str | None:
    """None when `candidate` provably is a `kind` perturbation of `reference`, else why not."""
    found = definition(domain, kind)
    if found.proof is None:
        return "no_proof"
    evidence = parse_evidence(found.evidence, raw)
    if evidence is None:
        return "evidence_invalid"
    return found.proof(ProofCase(seed, reference, candidate, evidence))


def _load() -> None:
    """Import every kind module once; each registers its kinds when imported."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for package in ("groupbuild.kinds.math", "groupbuild.kinds.code"):
        root = importlib.import_module(package)
        for info in pkgutil.iter_modules(root.__path__):
            importlib.import_module(f"{package}.{info.name}")
