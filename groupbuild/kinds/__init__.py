"""Perturbation kinds: the closed set, and per kind its spec, rule, proof, evidence and prompt.

`kinds.math` and `kinds.code` hold one module per family of kinds; the analysis they share with
the judges (math text, code syntax, plan wording) lives in `groupbuild.text`.
"""

from groupbuild.kinds.evidence import Evidence
from groupbuild.kinds.registry import (
    BACKENDS,
    Backend,
    Edit,
    KindDef,
    LLMOffer,
    ProofCase,
    RuleFn,
    Shape,
    SpliceFn,
    StepRewrite,
    definition,
    definitions,
    offered,
    offered_definition,
    prove,
    register,
    spec_for,
)
from groupbuild.kinds.spec import Kind, KindSpec

__all__ = [
    "BACKENDS",
    "Backend",
    "Edit",
    "Evidence",
    "Kind",
    "KindDef",
    "KindSpec",
    "LLMOffer",
    "ProofCase",
    "RuleFn",
    "Shape",
    "SpliceFn",
    "StepRewrite",
    "definition",
    "definitions",
    "offered",
    "offered_definition",
    "prove",
    "register",
    "spec_for",
]
