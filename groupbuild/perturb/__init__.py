"""Typed, localized perturbations: the closed kind set, its budgets, and the implementations."""

from groupbuild.perturb.kinds import SPECS, Kind, KindSpec, spec_for
from groupbuild.perturb.registry import Edit, perturbation, registered

__all__ = ["SPECS", "Edit", "Kind", "KindSpec", "perturbation", "registered", "spec_for"]
