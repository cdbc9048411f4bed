"""Data that ships with the package: prompts, rubrics, the bundled seeds and the run configs.

A wheel carries them under `groupbuild/data/` (the build maps the repository's top-level
`prompts/`, `rubrics/`, `seeds/` and `configs/` there); a checkout keeps them at its root.
`data_dir` finds them in either, so the package works installed, from any folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from groupbuild.errors import GroupbuildError

DATA_DIRS = ("prompts", "rubrics", "seeds", "configs")


class MissingResource(GroupbuildError):
    """A template, rubric or seed folder the run needs is not there."""


def data_dir(name: str) -> Path:
    """The packaged folder `name` (one of `DATA_DIRS`), installed or in a checkout."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data folder {name!r}; valid: {list(DATA_DIRS)}")
    packaged = files("groupbuild").joinpath("data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise MissingResource(f"the package has no {name}/ folder (looked in {packaged}, {checkout})")


def resolve_dir(configured: str | None, name: str, base: Path) -> Path:
    """A configured folder (relative to `base`), else the packaged one; it must exist."""
    if configured is None:
        return data_dir(name)
    path = Path(configured).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_dir():
        raise MissingResource(f"{name}_dir {configured!r}: no such folder ({path})")
    return path
