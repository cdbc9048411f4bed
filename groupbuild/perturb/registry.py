"""Registry of perturbation implementations, filled by the `@perturbation` decorator.

An implementation is a pure function `(seed, reference_trace, rng) -> Edit | None`: None means
the kind does not apply to this trace (no units found, no guard to delete, ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from groupbuild.perturb.kinds import Kind, KindSpec, spec_for
from groupbuild.schema import Domain, Seed, Trace


@dataclass(frozen=True)
class Edit:
    """A perturbed trace and the reference steps the perturber says it edited."""

    trace: Trace
    declared_span: tuple[int, ...]
    evidence: dict[str, Any] = field(default_factory=dict)
    """Facts the perturber knows and the validator may check (e.g. the false identity used)."""


PerturbFn = Callable[[Seed, Trace, random.Random], "Edit | None"]


@dataclass(frozen=True)
class Perturbation:
    spec: KindSpec
    backend: str
    fn: PerturbFn


_REGISTRY: dict[tuple[str, Domain, Kind], Perturbation] = {}


def perturbation(
    kind: Kind, *, domain: Domain, backend: str = "rules"
) -> Callable[[PerturbFn], PerturbFn]:
    """Register `fn` as the `backend` implementation of `kind` in `domain`."""

    def register(fn: PerturbFn) -> PerturbFn:
        key = (backend, domain, kind)
        if key in _REGISTRY:
            raise ValueError(f"{backend}/{domain.value}/{kind.value} is registered twice")
        _REGISTRY[key] = Perturbation(spec_for(domain, kind), backend, fn)
        return fn

    return register


def registered(backend: str, domain: Domain) -> list[Perturbation]:
    """Implementations of one backend for one domain, in the enum's order (deterministic)."""
    _load_builtin()
    order = list(Kind)
    found = [p for (b, d, _), p in _REGISTRY.items() if b == backend and d is domain]
    return sorted(found, key=lambda p: order.index(p.spec.kind))


def get(backend: str, domain: Domain, kind: Kind) -> Perturbation:
    _load_builtin()
    try:
        return _REGISTRY[(backend, domain, kind)]
    except KeyError:
        valid = sorted(p.spec.kind.value for p in registered(backend, domain))
        raise KeyError(
            f"no {backend} perturbation {kind.value!r} for {domain.value}; valid: {valid}"
        ) from None


def _load_builtin() -> None:
    # Importing the rule modules runs their decorators; deferred so `import groupbuild` stays light.
    from groupbuild.perturb import (  # noqa: F401
        code_claims,
        code_quality,
        code_rules,
        code_values,
        code_variables,
        math_rules,
    )
