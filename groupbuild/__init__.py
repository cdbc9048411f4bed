"""groupbuild: build TRACELIFT-GROUPS, same-problem groups of a verified reasoning trace and
typed, localized flawed traces, rubric-scored, for reasoning reward models and planners.

Importing the package does nothing else: no network, no files, no heavy imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groupbuild.config import Config, load_config
from groupbuild.schema import Candidate, Domain, Draft, Reject, Rubric, Seed, Trace

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "Candidate",
    "Config",
    "Domain",
    "Draft",
    "Reject",
    "Rubric",
    "Seed",
    "Trace",
    "load_config",
    "run",
]


def run(config: Config, *, stages: list[str] | None = None, base_dir: Path | None = None) -> Any:
    """Run the pipeline (or the named stages) and return the publish summary, if published."""
    from groupbuild.runner import run as _run

    return _run(config, stages=stages, base_dir=base_dir)
