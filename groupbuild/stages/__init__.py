"""The pipeline stages: each a pure function of a draft and the roles it is given.

They never open files, read the environment or touch the network except through the roles in the
`StageContext`; the runner owns journals, resume, concurrency and progress. A stage raises
`StageReject` to drop the whole problem; a dropped candidate goes into `Draft.dropped`.
`seeds` and `publish` read and write whole datasets, so the runner runs them itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from groupbuild.stages.annotate import annotate
from groupbuild.stages.context import Stage, StageContext
from groupbuild.stages.perturb import perturb
from groupbuild.stages.reference import reference
from groupbuild.stages.validate import validate_stage


@dataclass(frozen=True)
class StageInfo:
    name: str
    help: str
    run: Stage | None = None
    """The per-problem stage function; None for the dataset-wide `seeds` and `publish`."""


CATALOG: tuple[StageInfo, ...] = (
    StageInfo("seeds", "load, validate, dedup and decontaminate seed problems"),
    StageInfo("reference", "produce each problem's verified reference trace", reference),
    StageInfo("perturb", "apply typed, localized perturbations to each reference", perturb),
    StageInfo("annotate", "score every trace against the rubric, blind to its role", annotate),
    StageInfo("validate", "run the gates; drop what fails, with a reason", validate_stage),
    StageInfo("publish", "write shards, TraceLift export, oracles, card and summary"),
)
"""Every stage, in pipeline order: the one place stage names are declared."""

ALL_STAGES: tuple[str, ...] = tuple(s.name for s in CATALOG)
STAGES: dict[str, Stage] = {s.name: s.run for s in CATALOG if s.run is not None}
PIPELINE_STAGES: tuple[str, ...] = tuple(STAGES)

__all__ = [
    "ALL_STAGES",
    "CATALOG",
    "PIPELINE_STAGES",
    "STAGES",
    "Stage",
    "StageContext",
    "StageInfo",
]
